"""Holdout validation of a purchase model: predicted vs actual repeat purchases after the calibration end.

- ``by_period``: for each period k of the holdout, actual purchases of the calibration customers and the
  model's prediction sum_i (E[Y_i(k)] - E[Y_i(k-1)]) (conditional expectations), with cumulative sums.
- ``by_frequency``: customers grouped by calibration frequency (0, 1, ..., ``max_frequency``+); mean actual
  holdout purchases vs mean conditional expectation over the whole holdout (FHL 2005, figure 4 style).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from cxjourney.errors import ValidationFailed
from cxjourney.models._base import PurchaseModel
from cxjourney.models.rfm import RFMSummary


@dataclass
class HoldoutValidation:
    model: str
    by_period: pd.DataFrame
    by_frequency: pd.DataFrame
    totals: dict[str, float]
    period: str

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.model, "period": self.period, "totals": self.totals,
            "by_period": self.by_period.assign(start=lambda d: d["start"].astype(str), end=lambda d: d["end"].astype(str))
            .to_dict(orient="records"),
            "by_frequency": self.by_frequency.to_dict(orient="records"),
        }

    def figure(self) -> dict[str, Any]:
        """A plotly figure (as JSON-ready dict): cumulative and per-period tracking, and the frequency groups."""
        import plotly.graph_objects as go
        from plotly.subplots import make_subplots

        fig = make_subplots(rows=1, cols=2, subplot_titles=(
            f"Holdout purchases per {self.period}", "Mean holdout purchases by calibration frequency"))
        bp, bf = self.by_period, self.by_frequency
        fig.add_trace(go.Scatter(x=bp["period"], y=bp["actual"], name="actual", mode="lines+markers"), row=1, col=1)
        fig.add_trace(go.Scatter(x=bp["period"], y=bp["predicted"], name=f"predicted ({self.model})",
                                 mode="lines", line={"dash": "dash"}), row=1, col=1)
        fig.add_trace(go.Bar(x=bf["frequency"], y=bf["actual_mean"], name="actual (mean)"), row=1, col=2)
        fig.add_trace(go.Bar(x=bf["frequency"], y=bf["predicted_mean"], name="predicted (mean)"), row=1, col=2)
        fig.update_xaxes(title_text=f"{self.period} of holdout", row=1, col=1)
        fig.update_xaxes(title_text="repeat purchases in calibration", type="category", row=1, col=2)
        fig.update_layout(barmode="group", title=f"Holdout validation: {self.model}")
        return fig.to_plotly_json()


def holdout_validation(rfm: RFMSummary, model: PurchaseModel, *, max_frequency: int = 7) -> HoldoutValidation:
    if rfm.holdout_end is None or "frequency_holdout" not in rfm.summary:
        raise ValidationFailed("holdout validation needs a holdout period: pass holdout_end (CLI: --holdout-end)",
                               errors=[{"field": "holdout_end", "message": "missing"}])
    s = rfm.summary
    x, tx, T = (s[c].to_numpy(float) for c in ("frequency", "recency", "T"))
    duration = float(s["duration_holdout"].iloc[0]) if len(s) else 0.0
    n_periods = math.ceil(duration - 1e-9)
    cum = [np.zeros(len(s))]
    for k in range(1, n_periods + 1):
        cum.append(model.conditional_expected_purchases(min(k, duration), x, tx, T))
    predicted = np.array([float((cum[k] - cum[k - 1]).sum()) for k in range(1, n_periods + 1)])

    hold = rfm.daily[(rfm.daily["date"] > rfm.calibration_end) & (rfm.daily["date"] <= rfm.holdout_end)]
    days = (hold["date"] - rfm.calibration_end).dt.days.to_numpy(float)
    k_of = np.ceil(days / rfm.period_days - 1e-9).astype(int)
    actual = np.bincount(k_of, minlength=n_periods + 1)[1:n_periods + 1].astype(float)
    starts = [rfm.calibration_end + pd.Timedelta(days=(k - 1) * rfm.period_days) + pd.Timedelta(days=1)
              for k in range(1, n_periods + 1)]
    ends = [min(rfm.calibration_end + pd.Timedelta(days=k * rfm.period_days), rfm.holdout_end)
            for k in range(1, n_periods + 1)]
    by_period = pd.DataFrame({
        "period": np.arange(1, n_periods + 1), "start": [d.date() for d in starts], "end": [d.date() for d in ends],
        "actual": actual, "predicted": predicted,
    })
    by_period["cumulative_actual"] = by_period["actual"].cumsum()
    by_period["cumulative_predicted"] = by_period["predicted"].cumsum()

    full = cum[-1] if n_periods else np.zeros(len(s))
    group = np.minimum(x, max_frequency).astype(int)
    frame = pd.DataFrame({"g": group, "actual": s["frequency_holdout"].to_numpy(float), "predicted": full})
    agg = frame.groupby("g").agg(customers=("actual", "size"), actual_mean=("actual", "mean"),
                                 predicted_mean=("predicted", "mean")).reset_index()
    agg["frequency"] = [f"{g}+" if g == max_frequency else str(g) for g in agg["g"]]
    by_frequency = agg[["frequency", "customers", "actual_mean", "predicted_mean"]]

    total_actual, total_pred = float(s["frequency_holdout"].sum()), float(full.sum())
    totals = {
        "actual": total_actual, "predicted": total_pred,
        "error_pct": 100 * (total_pred - total_actual) / total_actual if total_actual else float("nan"),
        "mae_per_customer": float(np.mean(np.abs(full - s["frequency_holdout"].to_numpy(float)))),
        "customers": int(len(s)), "periods": n_periods,
    }
    return HoldoutValidation(model.name, by_period, by_frequency, totals, rfm.period)
