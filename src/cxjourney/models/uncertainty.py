"""Per-customer intervals from the uncertainty of the fitted parameters.

Every fit leaves the covariance of its log parameters (the inverse numerical Hessian of the negative
log-likelihood at the optimum, ``log_covariance_``). Asymptotically the log parameters are normal around the
estimate with that covariance, so we draw ``n_draws`` parameter vectors from it (a parametric bootstrap, as
in Krinsky & Robb 1986), recompute each customer's expected purchases, P(alive), expected spend and CLV under
every draw, and report the central ``confidence`` share of the draws as the interval.

What the interval covers: the estimation error of the model's parameters, i.e. how well the *expected*
value for this customer is known given n customers. It is not a prediction interval for the customer's actual
future purchases (a single customer's count is far more variable than its expectation). With discounting, the
CLV of a draw is its undiscounted CLV times the point estimate's discount factor (discounted / undiscounted
expected purchases); the factor moves little between draws and this keeps a refresh fast.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pandas as pd

from cxjourney.models.clv import CustomerValue

N_DRAWS = 200
INTERVAL_COLUMNS = [f"{c}_{s}" for c in ("expected_purchases", "p_alive", "expected_spend", "clv") for s in ("low", "high")]


def _names(model: Any) -> tuple[str, ...]:
    return tuple(getattr(model, "names_in_use", model.param_names))


def parameter_draws(model: Any, n_draws: int, seed: int) -> np.ndarray | None:
    """``n_draws`` x k parameter vectors (natural scale) from the asymptotic normal of the log parameters;
    None when the fit has no usable covariance."""
    cov = getattr(model, "log_covariance_", None)
    if cov is None or not np.all(np.isfinite(cov)):
        return None
    mean = np.log([model.params_[n] for n in _names(model)])
    rng = np.random.default_rng(seed)
    return np.exp(rng.multivariate_normal(mean, cov, size=n_draws, method="eigh"))


def _with_params(model: Any, values: np.ndarray) -> Any:
    clone = copy.copy(model)
    clone.params_ = {**model.params_, **{n: float(v) for n, v in zip(_names(model), values, strict=True)}}
    return clone


def customer_intervals(cv: CustomerValue, *, confidence: float = 0.95, n_draws: int = N_DRAWS,
                       seed: int = 0) -> tuple[pd.DataFrame, list[str]]:
    """``<metric>_low`` / ``<metric>_high`` columns (aligned with ``cv.table``) and the flags that qualify them."""
    t = cv.table
    flags: list[str] = []
    out = pd.DataFrame(np.nan, index=t.index, columns=INTERVAL_COLUMNS)
    draws = parameter_draws(cv.purchase_model, n_draws, seed)
    if draws is None:
        return out, ["no_parameter_covariance"]
    # Customers sharing (x, t_x, T, zbar) share every prediction: evaluate each distinct row once.
    mon = cv.monetary_value if cv.monetary_value is not None else np.zeros(len(t))
    keys = t[["frequency", "recency", "T"]].assign(m=np.where(t["frequency"] > 0, mon, 0.0))
    uniq, inverse = np.unique(keys.to_numpy(float), axis=0, return_inverse=True)
    inverse = inverse.reshape(-1)
    x, tx, T, m = (uniq[:, i] for i in range(4))
    ep = np.empty((n_draws, len(uniq)))
    pa = np.empty_like(ep)
    for i, values in enumerate(draws):
        model = _with_params(cv.purchase_model, values)
        with np.errstate(all="ignore"):
            ep[i] = model.conditional_expected_purchases(cv.horizon, x, tx, T)
            pa[i] = model.p_alive(x, tx, T)
    spend = np.full_like(ep, np.nan)
    if cv.spend_model is not None:
        sdraws = parameter_draws(cv.spend_model, n_draws, seed + 1)
        if sdraws is None:
            flags.append("spend_interval_unavailable")
        else:
            undefined = 0
            for i, values in enumerate(sdraws):
                if values[1] <= 1:  # q <= 1: mean spend undefined under this draw
                    undefined += 1
                    continue
                spend[i] = _with_params(cv.spend_model, values).conditional_expected_spend(x, m)
            if undefined:
                flags.append(f"spend_draws_with_undefined_mean:{undefined}")
    elif cv.meta.get("spend_model") == "pooled_mean":
        spend[:] = t["expected_spend"].iloc[0]
        flags.append("spend_fixed_at_pooled_mean")
    point_ep = t["expected_purchases"].to_numpy(float)
    with np.errstate(all="ignore"):
        factor = np.where(point_ep > 0, t["clv"].to_numpy(float) / (point_ep * t["expected_spend"].to_numpy(float)), 1.0)
    lo_q, hi_q = 50 * (1 - confidence), 50 * (1 + confidence)
    for name, arr in (("expected_purchases", ep), ("p_alive", pa), ("expected_spend", spend)):
        if np.all(np.isnan(arr)):
            continue
        lo, hi = np.nanpercentile(arr, [lo_q, hi_q], axis=0)
        out[f"{name}_low"], out[f"{name}_high"] = lo[inverse], hi[inverse]
    if not np.all(np.isnan(spend)):
        clv_lo, clv_hi = np.nanpercentile(ep * spend, [lo_q, hi_q], axis=0)
        f = np.nan_to_num(factor, nan=1.0)
        out["clv_low"], out["clv_high"] = clv_lo[inverse] * f, clv_hi[inverse] * f
    return out, flags
