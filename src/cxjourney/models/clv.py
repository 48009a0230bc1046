"""Per-customer value: expected purchases, probability alive, expected spend and discounted CLV.

CLV over a horizon of H periods with an annual discount rate d:
    CLV = E[M | x, zbar] * sum_{k=1..ceil(H)} (E[Y(min(k, H))] - E[Y(k-1)]) / (1 + d_p)^k
where E[Y(t)] is the purchase model's conditional expectation of purchases in (T, T + t] and
d_p = (1 + d)^(period_days / 365.25) - 1 is the per-period rate. With d = 0, CLV = expected_purchases *
expected_spend. The purchase model gives the transactions, Gamma-Gamma gives the spend per transaction.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from cxjourney.errors import InsufficientData, ModelFitError, ValidationFailed
from cxjourney.models._base import PurchaseModel
from cxjourney.models.bgnbd import BGNBD
from cxjourney.models.gamma_gamma import GammaGamma
from cxjourney.models.pareto_nbd import ParetoNBD
from cxjourney.models.rfm import RFMSummary

TRANSACTION_MODELS: dict[str, type[PurchaseModel]] = {"bgnbd": BGNBD, "pareto_nbd": ParetoNBD}

COLUMNS = ["customer_id", "frequency", "recency", "T", "expected_purchases", "p_alive", "expected_spend", "clv"]


def per_period_rate(annual_rate: float, period_days: float) -> float:
    if not (0 <= annual_rate < 10):
        raise ValidationFailed(f"discount_rate must be an annual rate between 0 and 10 (got {annual_rate})",
                               errors=[{"field": "discount_rate", "value": annual_rate, "message": "out of range"}])
    return (1 + annual_rate) ** (period_days / 365.25) - 1


def discounted_purchases(model: PurchaseModel, horizon: float, summary: pd.DataFrame, rate: float) -> np.ndarray:
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    total = np.zeros(len(x))
    prev = np.zeros(len(x))
    for k in range(1, math.ceil(horizon) + 1):
        cur = model.conditional_expected_purchases(min(k, horizon), x, tx, T)
        total += (cur - prev) / (1 + rate) ** k
        prev = cur
    return total


@dataclass
class CustomerValue:
    table: pd.DataFrame
    purchase_model: PurchaseModel
    spend_model: GammaGamma | None
    horizon: float
    discount_rate: float
    meta: dict[str, Any] = field(default_factory=dict)


def customer_value(
    rfm: RFMSummary | pd.DataFrame, *, model: str | PurchaseModel = "bgnbd", spend_model: GammaGamma | None = None,
    horizon: float = 39, discount_rate: float = 0.0, period_days: float | None = None, confidence: float = 0.95,
) -> CustomerValue:
    """Fit (unless fitted models are passed) and score every customer of ``rfm``."""
    summary = rfm.summary if isinstance(rfm, RFMSummary) else rfm
    pdays = period_days if period_days is not None else (rfm.period_days if isinstance(rfm, RFMSummary) else 7.0)
    if horizon <= 0:
        raise ValidationFailed(f"horizon must be positive (got {horizon})",
                               errors=[{"field": "horizon", "value": horizon, "message": "not positive"}])
    if isinstance(model, str):
        if model not in TRANSACTION_MODELS:
            raise ValidationFailed(f"unknown purchase model {model!r}; choose one of {', '.join(TRANSACTION_MODELS)}",
                                   errors=[{"field": "model", "value": model, "message": "unknown model"}])
        model = TRANSACTION_MODELS[model](confidence=confidence).fit(summary)
    flags: list[str] = []
    spend_reason = None
    pooled = False
    if spend_model is None:
        try:
            spend_model = GammaGamma(confidence=confidence).fit(summary)
        except InsufficientData as exc:
            flags.append("no_spend_model")
            spend_reason = exc.message
        except ModelFitError as exc:
            # Typically no heterogeneity in spend (q -> infinity): every customer's expected spend is then the
            # pooled mean of the repeat transactions. Said so in the flags and meta.
            flags.append("spend_model_fallback_pooled_mean")
            spend_reason = exc.message
            pooled = True
    x, tx, T = (summary[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    out = summary[["customer_id", "frequency", "recency", "T"]].copy()
    out["expected_purchases"] = model.conditional_expected_purchases(horizon, x, tx, T)
    out["p_alive"] = model.p_alive(x, tx, T)
    if spend_model is not None or pooled:
        m = summary["monetary_value"].to_numpy(float)
        if spend_model is not None:
            out["expected_spend"] = spend_model.conditional_expected_spend(x, m)
        else:
            out["expected_spend"] = float(np.sum(x * m) / np.sum(x))
        rate = per_period_rate(discount_rate, pdays)
        out["clv"] = out["expected_spend"] * discounted_purchases(model, horizon, summary, rate)
    else:
        out["expected_spend"] = np.nan
        out["clv"] = np.nan
    meta: dict[str, Any] = {
        "model": model.name, "spend_model": spend_model.name if spend_model else ("pooled_mean" if pooled else None),
        "horizon": horizon, "period_days": pdays, "discount_rate_annual": discount_rate,
        "n_customers": int(len(out)), "flags": flags + list(model.flags_) + (list(spend_model.flags_) if spend_model else []),
    }
    if spend_reason:
        meta["spend_model_reason"] = spend_reason
    return CustomerValue(out[COLUMNS], model, spend_model, horizon, discount_rate, meta)
