"""Churn risk for subscription-like customers: a classifier on journey features, validated on a time split.

Input: one row per (customer, cutoff) with numeric features known at the cutoff (survey scores, sentiment,
support contacts, recency, ...) and a 0/1 label (churned in the window after the cutoff). The rows with the
latest cutoffs (about ``test_fraction`` of them, never splitting one cutoff) form the holdout; the model is
trained on the earlier cutoffs only, so the validation never sees the future. Reported on the holdout: AUC
(with a Hanley & McNeil 1982 interval), Brier score (and the Brier score of predicting the training churn
rate, for reference), and the reliability curve (mean predicted vs observed churn per bin).

Minimum data (refused below it): at least ``min_rows`` rows (settings.min_sample, 30) in each of training
and holdout, at least ``min_per_class`` (10) churned and 10 retained in each, at least 2 distinct cutoffs.
For non-contractual customers use ``1 - p_alive`` from BG/NBD or Pareto/NBD instead (see clv.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import pandas as pd
from scipy import stats

from cxjourney.errors import InsufficientData, ModelFitError, ValidationFailed

Method = Literal["logistic", "gradient_boosting"]
MIN_PER_CLASS = 10


def _pipeline(method: Method, seed: int) -> Any:
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.impute import SimpleImputer
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    if method == "logistic":
        return make_pipeline(SimpleImputer(strategy="median", add_indicator=True), StandardScaler(),
                             LogisticRegression(max_iter=1000))
    if method == "gradient_boosting":
        return HistGradientBoostingClassifier(max_iter=100, learning_rate=0.1, random_state=seed)
    raise ValidationFailed(f"unknown churn method {method!r}; choose logistic or gradient_boosting",
                           errors=[{"field": "method", "value": method, "message": "unknown"}])


def auc_interval(auc: float, n_pos: int, n_neg: int, confidence: float) -> tuple[float, float]:
    """Hanley & McNeil (1982) standard error of the AUC, as a Wald interval clipped to [0, 1]."""
    q1, q2 = auc / (2 - auc), 2 * auc**2 / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc**2) + (n_neg - 1) * (q2 - auc**2)) / (n_pos * n_neg)
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    se = float(np.sqrt(max(var, 0.0)))
    return max(0.0, auc - z * se), min(1.0, auc + z * se)


def reliability_table(y: np.ndarray, p: np.ndarray, n_bins: int) -> pd.DataFrame:
    """Reliability curve on equal-count bins of the predicted probability: mean predicted, observed rate, n."""
    order = np.argsort(p, kind="stable")
    groups = np.array_split(order, min(n_bins, len(p)))
    return pd.DataFrame({
        "mean_predicted": [float(p[g].mean()) for g in groups],
        "observed": [float(y[g].mean()) for g in groups],
        "n": [len(g) for g in groups],
    })


@dataclass
class ChurnClassifier:
    method: Method = "logistic"
    features: list[str] | None = None
    test_fraction: float = 0.25
    min_rows: int = 30
    min_per_class: int = MIN_PER_CLASS
    n_bins: int = 10
    confidence: float = 0.95
    seed: int = 0
    meta_: dict[str, Any] = field(default_factory=dict)

    def fit(self, frame: pd.DataFrame, *, label: str = "churned", time_col: str = "cutoff") -> ChurnClassifier:
        from sklearn.metrics import brier_score_loss, roc_auc_score

        for col in (label, time_col):
            if col not in frame.columns:
                raise ValidationFailed(f"churn data lack column {col!r} (columns: {', '.join(map(str, frame.columns))})",
                                       errors=[{"field": col, "message": "column not found"}])
        feats = self.features or [c for c in frame.columns if c not in (label, time_col)
                                  and pd.api.types.is_numeric_dtype(frame[c])]
        if not feats:
            raise ValidationFailed("churn data have no numeric feature columns", errors=[{"field": "features", "message": "none"}])
        y_all = pd.to_numeric(frame[label], errors="coerce")
        if y_all.isna().any() or not set(y_all.unique()) <= {0, 1}:
            raise ValidationFailed(f"label {label!r} must be 0/1 for every row", errors=[{"field": label, "message": "not 0/1"}])
        times = pd.to_datetime(frame[time_col]) if not pd.api.types.is_numeric_dtype(frame[time_col]) else frame[time_col]
        cutoffs = np.sort(times.unique())
        if len(cutoffs) < 2:
            raise InsufficientData("a time-based holdout needs rows from at least 2 distinct cutoffs; got "
                                   f"{len(cutoffs)}", errors=[{"field": time_col, "message": "one cutoff"}])
        # First cutoff of the holdout: the latest cutoffs holding about test_fraction of the rows.
        counts = times.value_counts().reindex(cutoffs).to_numpy()
        tail = np.cumsum(counts[::-1])[::-1] / len(frame)
        split_idx = max(1, int(np.argmax(tail <= self.test_fraction)) if np.any(tail <= self.test_fraction) else len(cutoffs) - 1)
        split = cutoffs[split_idx]
        train, test = (times < split).to_numpy(), (times >= split).to_numpy()
        y = y_all.to_numpy(int)
        for name, mask in (("training", train), ("holdout", test)):
            n, pos = int(mask.sum()), int(y[mask].sum())
            if n < self.min_rows or pos < self.min_per_class or n - pos < self.min_per_class:
                raise InsufficientData(
                    f"churn model needs at least {self.min_rows} rows with at least {self.min_per_class} churned and "
                    f"{self.min_per_class} retained in the {name} part (time split at {split}); got {n} rows, "
                    f"{pos} churned, {n - pos} retained",
                    errors=[{"field": label, "message": f"too little {name} data", "value": n}],
                )
        X = frame[feats].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        model = _pipeline(self.method, self.seed)
        try:
            model.fit(X[train], y[train])
        except ValueError as exc:
            raise ModelFitError(f"churn {self.method} fit failed: {exc}") from exc
        p = model.predict_proba(X[test])[:, 1]
        yt = y[test]
        auc = float(roc_auc_score(yt, p))
        base_rate = float(y[train].mean())
        self.auc_ = auc
        self.auc_interval_ = auc_interval(auc, int(yt.sum()), int(len(yt) - yt.sum()), self.confidence)
        self.brier_ = float(brier_score_loss(yt, p))
        self.brier_baseline_ = float(brier_score_loss(yt, np.full(len(yt), base_rate)))
        self.reliability_ = reliability_table(yt, p, self.n_bins)
        self.features_ = feats
        self.split_ = split
        self.n_train_, self.n_test_ = int(train.sum()), int(test.sum())
        # Scores for use: refit on every row (the holdout figures above describe this procedure).
        self.model_ = _pipeline(self.method, self.seed).fit(X, y)
        self.meta_ = {"method": self.method, "features": feats, "split": str(split), "n_train": self.n_train_,
                      "n_test": self.n_test_, "churn_rate_train": base_rate, "churn_rate_test": float(yt.mean())}
        return self

    def predict_proba(self, frame: pd.DataFrame) -> np.ndarray:
        if not hasattr(self, "model_"):
            raise ModelFitError("churn classifier: call fit() before predicting")
        X = frame[self.features_].apply(pd.to_numeric, errors="coerce").to_numpy(float)
        return self.model_.predict_proba(X)[:, 1]

    def to_dict(self) -> dict[str, Any]:
        return {**self.meta_, "auc": self.auc_, "auc_interval": list(self.auc_interval_), "brier": self.brier_,
                "brier_baseline": self.brier_baseline_, "reliability": self.reliability_.to_dict(orient="records")}

    def reliability_figure(self) -> dict[str, Any]:
        import plotly.graph_objects as go

        r = self.reliability_
        fig = go.Figure([
            go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration", line={"dash": "dot"}),
            go.Scatter(x=r["mean_predicted"], y=r["observed"], mode="lines+markers", name=self.method),
        ])
        fig.update_layout(title=f"Reliability (holdout, AUC {self.auc_:.3f}, Brier {self.brier_:.3f})",
                          xaxis_title="mean predicted churn", yaxis_title="observed churn")
        return fig.to_plotly_json()
