"""Common shape of the continuous-time purchase models (BG/NBD, Pareto/NBD).

``fit(summary)`` takes an RFM summary (columns ``frequency``, ``recency``, ``T``; optional ``weights``:
number of customers sharing that row) and returns the model; fitted values end in ``_``.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd

from cxjourney.errors import InsufficientData, ModelFitError, ValidationFailed
from cxjourney.models._fit import FitResult, as_array, fit_log_params

MIN_CUSTOMERS = 30
MIN_REPEAT_BUYERS = 10


def summary_arrays(data: Any, columns: tuple[str, ...]) -> tuple[list[np.ndarray], np.ndarray]:
    """Pull the named columns (and ``weights``, default 1) out of a DataFrame or mapping."""
    missing = [c for c in columns if c not in data]
    if missing:
        have = list(data.columns) if isinstance(data, pd.DataFrame) else list(data)
        raise ValidationFailed(
            f"the summary lacks column(s) {', '.join(missing)} (it has: {', '.join(map(str, have))})",
            errors=[{"field": c, "message": "missing column"} for c in missing],
        )
    arrays = [as_array(data[c], c) for c in columns]
    weights = as_array(data["weights"], "weights") if "weights" in data else np.ones(len(arrays[0]))
    return arrays, weights


class PurchaseModel:
    """Base of BG/NBD and Pareto/NBD (x = repeat purchases, t_x = recency, T = age, in periods)."""

    name: ClassVar[str] = ""
    param_names: ClassVar[tuple[str, ...]] = ()
    starts: ClassVar[tuple[tuple[float, ...], ...]] = ()

    def __init__(
        self, *, confidence: float = 0.95, min_customers: int = MIN_CUSTOMERS,
        min_repeat_buyers: int = MIN_REPEAT_BUYERS,
    ):
        self.confidence = confidence
        self.min_customers = min_customers
        self.min_repeat_buyers = min_repeat_buyers

    # -- to implement -------------------------------------------------------------------------------
    def _loglik_individual(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    # -- fitting ------------------------------------------------------------------------------------
    def fit(self, summary: Any) -> PurchaseModel:
        (x, tx, T), w = summary_arrays(summary, ("frequency", "recency", "T"))
        check_summary(self.name, x, tx, T)
        n_customers = float(w.sum())
        n_repeat = float(w[x > 0].sum())
        if n_customers < self.min_customers or n_repeat < self.min_repeat_buyers:
            raise InsufficientData(
                f"{self.name} needs at least {self.min_customers} customers of whom at least "
                f"{self.min_repeat_buyers} made a repeat purchase; got {n_customers:.0f} customers, "
                f"{n_repeat:.0f} repeat buyers",
                errors=[{"field": "frequency", "message": "too few repeat buyers", "value": n_repeat}],
            )
        # Compress identical (x, t_x, T) rows: same likelihood, fewer special-function evaluations.
        frame = pd.DataFrame({"x": x, "tx": tx, "T": T, "w": w}).groupby(["x", "tx", "T"], as_index=False)["w"].sum()
        cx, ctx, cT, cw = (frame[c].to_numpy(float) for c in ("x", "tx", "T", "w"))

        def loglik(p: np.ndarray) -> float:
            return float(np.dot(cw, self._loglik_individual(p, cx, ctx, cT)))

        self._set_fit(fit_log_params(self.name, self.param_names, loglik, self.starts, confidence=self.confidence))
        self.n_customers_ = int(round(n_customers))
        self.n_repeat_buyers_ = int(round(n_repeat))
        return self

    def _set_fit(self, res: FitResult) -> None:
        self.params_ = res.params
        self.standard_errors_ = res.standard_errors
        self.intervals_ = res.intervals
        self.log_likelihood_ = res.log_likelihood
        self.converged_ = res.converged
        self.flags_ = res.flags

    @property
    def _p(self) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise ModelFitError(f"{self.name}: call fit() before predicting")
        return np.array([self.params_[n] for n in self.param_names])

    def log_likelihood(self, summary: Any) -> float:
        """Total log-likelihood of ``summary`` at the fitted parameters."""
        (x, tx, T), w = summary_arrays(summary, ("frequency", "recency", "T"))
        return float(np.dot(w, self._loglik_individual(self._p, x, tx, T)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "params": dict(self.params_),
            "standard_errors": dict(self.standard_errors_),
            "intervals": {k: list(v) for k, v in self.intervals_.items()},
            "confidence": self.confidence,
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "n_repeat_buyers": self.n_repeat_buyers_,
            "flags": list(self.flags_),
        }

    # -- predictions (implemented by each model) ----------------------------------------------------
    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        raise NotImplementedError

    def conditional_expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        raise NotImplementedError

    def expected_purchases(self, t: Any) -> np.ndarray:
        """Unconditional E[X(t)]: repeat purchases a new customer makes in (0, t]."""
        raise NotImplementedError


def check_summary(model: str, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> None:
    problems = []
    if np.any(x < 0):
        problems.append({"field": "frequency", "message": "negative frequency", "index": int(np.argmax(x < 0))})
    if np.any(tx < 0):
        problems.append({"field": "recency", "message": "negative recency", "index": int(np.argmax(tx < 0))})
    bad = tx > T + 1e-9
    if np.any(bad):
        problems.append({"field": "recency", "message": "recency greater than T", "index": int(np.argmax(bad))})
    bad0 = (x == 0) & (tx > 0)
    if np.any(bad0):
        problems.append({"field": "recency", "message": "recency > 0 with frequency 0", "index": int(np.argmax(bad0))})
    if problems:
        raise ValidationFailed(f"{model}: invalid RFM summary: {problems[0]['message']} "
                               f"(row {problems[0]['index']})", errors=problems)
