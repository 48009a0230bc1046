"""Gamma-Gamma spend model (Fader, Hardie & Lee 2005, JMR 42(4); Fader & Hardie 2013, note 025).

Each transaction value is Gamma(p, nu) around the customer's mean, with nu ~ Gamma(q, gamma) across
customers. Fitted on repeat buyers only: x repeat transactions with mean value zbar (first purchase
excluded). Assumes spend is independent of purchase frequency; :attr:`frequency_spend_correlation_` is
reported so users can check that.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import gammaln

from cxjourney.errors import InsufficientData, ModelFitError, ValidationFailed
from cxjourney.models._base import summary_arrays
from cxjourney.models._fit import FitResult, fit_log_params

MIN_REPEAT_BUYERS = 30


class GammaGamma:
    name: ClassVar[str] = "gamma_gamma"
    param_names: ClassVar[tuple[str, ...]] = ("p", "q", "gamma")
    starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0), (5.0, 3.0, 15.0))

    def __init__(self, *, confidence: float = 0.95, min_repeat_buyers: int = MIN_REPEAT_BUYERS):
        self.confidence = confidence
        self.min_repeat_buyers = min_repeat_buyers

    @staticmethod
    def _loglik_individual(params: np.ndarray, x: np.ndarray, zbar: np.ndarray) -> np.ndarray:
        p, q, g = params
        px = p * x
        return (
            gammaln(px + q) - gammaln(px) - gammaln(q) + q * np.log(g) + px * np.log(x)
            + (px - 1) * np.log(zbar) - (px + q) * np.log(g + x * zbar)
        )

    def fit(self, summary: Any) -> GammaGamma:
        """Fit on the rows with ``frequency`` > 0 (``monetary_value`` is their mean repeat spend)."""
        (x, m), w = summary_arrays(summary, ("frequency", "monetary_value"))
        keep = x > 0
        x, m, w = x[keep], m[keep], w[keep]
        if np.any(m <= 0):
            i = int(np.argmax(m <= 0))
            raise ValidationFailed(
                "gamma_gamma: monetary_value must be positive for every repeat buyer "
                f"(found {m[i]!r} with frequency {x[i]:.0f}); drop or net returns before fitting",
                errors=[{"field": "monetary_value", "value": float(m[i]), "message": "not positive"}],
            )
        n = float(w.sum())
        if n < self.min_repeat_buyers:
            raise InsufficientData(
                f"gamma_gamma needs at least {self.min_repeat_buyers} repeat buyers (customers with "
                f"frequency > 0 and a spend); got {n:.0f}",
                errors=[{"field": "frequency", "message": "too few repeat buyers", "value": n}],
            )

        def loglik(params: np.ndarray) -> float:
            return float(np.dot(w, self._loglik_individual(params, x, m)))

        res: FitResult = fit_log_params(self.name, self.param_names, loglik, self.starts, confidence=self.confidence)
        self.params_ = res.params
        self.standard_errors_ = res.standard_errors
        self.intervals_ = res.intervals
        self.log_likelihood_ = res.log_likelihood
        self.converged_ = res.converged
        self.flags_ = list(res.flags)
        if res.params["q"] <= 1:
            self.flags_.append("mean_spend_undefined_q_le_1")
        self.n_customers_ = int(round(n))
        self.n_repeat_buyers_ = self.n_customers_
        self.frequency_spend_correlation_ = float(np.corrcoef(x, m)[0, 1]) if len(x) > 2 else float("nan")
        if abs(self.frequency_spend_correlation_) > 0.3:
            self.flags_.append("frequency_spend_correlated")
        return self

    def conditional_expected_spend(self, frequency: Any, monetary_value: Any) -> np.ndarray:
        """E[M | x, zbar] = (gamma + x zbar) p / (p x + q - 1); for x = 0 the population mean p gamma/(q-1)."""
        if not hasattr(self, "params_"):
            raise ModelFitError("gamma_gamma: call fit() before predicting")
        p, q, g = (self.params_[k] for k in self.param_names)
        if q <= 1:
            raise ModelFitError(
                f"gamma_gamma: q = {q:.3g} <= 1, so the mean spend is undefined; the spend data are too "
                "heavy-tailed for this model"
            )
        x = np.asarray(frequency, dtype=float)
        m = np.where(x > 0, np.asarray(monetary_value, dtype=float), 0.0)
        return (g + x * m) * p / (p * x + q - 1)

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "params": dict(self.params_),
            "standard_errors": dict(self.standard_errors_),
            "intervals": {k: list(v) for k, v in self.intervals_.items()},
            "confidence": self.confidence,
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "frequency_spend_correlation": self.frequency_spend_correlation_,
            "flags": list(self.flags_),
        }
