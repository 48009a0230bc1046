"""BG/BB model for discrete, contract-like repeat opportunities (Fader, Hardie & Shang 2010,
"Customer-Base Analysis in a Discrete-Time Noncontractual Setting", Marketing Science 29(6)).

At each of n opportunities an alive customer transacts with probability p ~ Beta(alpha, beta) and, before
each opportunity, dies with probability theta ~ Beta(gamma, delta). Data per customer (or per row of a
compressed table with ``weights``): x transactions (``frequency``), the opportunity of the last one t_x
(``recency``) and the number of opportunities n (``periods``).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import betaln, gammaln, logsumexp

from cxjourney.errors import InsufficientData, ModelFitError, ValidationFailed
from cxjourney.models._base import summary_arrays
from cxjourney.models._fit import fit_log_params

MIN_CUSTOMERS = 30


class BGBB:
    name: ClassVar[str] = "bgbb"
    param_names: ClassVar[tuple[str, ...]] = ("alpha", "beta", "gamma", "delta")
    starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0, 1.0), (0.5, 0.5, 0.5, 3.0))

    def __init__(self, *, confidence: float = 0.95, min_customers: int = MIN_CUSTOMERS):
        self.confidence = confidence
        self.min_customers = min_customers

    @staticmethod
    def _log_terms(params: np.ndarray, x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(log of the 'alive through n' term, log of the sum over possible death times)."""
        al, be, ga, de = params
        base_p, base_t = betaln(al, be), betaln(ga, de)
        alive = betaln(al + x, be + n - x) - base_p + betaln(ga, de + n) - base_t
        # Died after opportunity t_x + i, i = 0 .. n - t_x - 1 (a ragged sum: pad to the longest).
        gap = (n - tx).astype(int)
        width = max(int(gap.max()), 1)
        i = np.arange(width)[None, :]
        terms = (
            betaln(al + x[:, None], be + tx[:, None] - x[:, None] + i) - base_p
            + betaln(ga + 1, de + tx[:, None] + i) - base_t
        )
        terms = np.where(i < gap[:, None], terms, -np.inf)
        return alive, logsumexp(terms, axis=1)

    def _loglik_individual(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, n: np.ndarray) -> np.ndarray:
        alive, died = self._log_terms(params, x, tx, n)
        return np.logaddexp(alive, died)

    def fit(self, summary: Any) -> BGBB:
        (x, tx, n), w = summary_arrays(summary, ("frequency", "recency", "periods"))
        bad = (x < 0) | (tx < x) | (tx > n) | ((x == 0) & (tx != 0)) | (x != np.round(x)) | (n != np.round(n))
        if np.any(bad):
            i = int(np.argmax(bad))
            raise ValidationFailed(
                f"bgbb: row {i} is not a valid discrete summary (need integers 0 <= x <= t_x <= n, t_x = 0 "
                f"when x = 0): x={x[i]:g}, t_x={tx[i]:g}, n={n[i]:g}",
                errors=[{"field": "recency", "index": i, "message": "invalid (x, t_x, n)"}],
            )
        total = float(w.sum())
        if total < self.min_customers or float(w[x > 0].sum()) == 0:
            raise InsufficientData(
                f"bgbb needs at least {self.min_customers} customers with some repeat transactions; got "
                f"{total:.0f} customers, {float(w[x > 0].sum()):.0f} with a transaction"
            )

        def loglik(p: np.ndarray) -> float:
            return float(np.dot(w, self._loglik_individual(p, x, tx, n)))

        res = fit_log_params(self.name, self.param_names, loglik, self.starts, confidence=self.confidence)
        self.params_, self.standard_errors_, self.intervals_ = res.params, res.standard_errors, res.intervals
        self.log_likelihood_, self.converged_, self.flags_ = res.log_likelihood, res.converged, res.flags
        self.n_customers_ = int(round(total))
        return self

    @property
    def _p(self) -> np.ndarray:
        if not hasattr(self, "params_"):
            raise ModelFitError("bgbb: call fit() before predicting")
        return np.array([self.params_[k] for k in self.param_names])

    def _arrays(self, frequency: Any, recency: Any, periods: Any) -> tuple[np.ndarray, ...]:
        return tuple(np.atleast_1d(np.asarray(v, dtype=float)) for v in (frequency, recency, periods))

    def p_alive(self, frequency: Any, recency: Any, periods: Any) -> np.ndarray:
        """P(alive at opportunity n + 1 | x, t_x, n) (FHS 2010, eq. 11)."""
        x, tx, n = self._arrays(frequency, recency, periods)
        al, be, ga, de = self._p
        loglik = self._loglik_individual(self._p, x, tx, n)
        alive_next = betaln(al + x, be + n - x) - betaln(al, be) + betaln(ga, de + n + 1) - betaln(ga, de)
        return np.exp(alive_next - loglik)

    def conditional_expected_purchases(self, horizon: int, frequency: Any, recency: Any, periods: Any) -> np.ndarray:
        """E[X(n, n + n*) | x, t_x, n]: transactions over the next ``horizon`` opportunities (FHS 2010, eq. 13)."""
        x, tx, n = self._arrays(frequency, recency, periods)
        al, be, ga, de = self._p
        loglik = self._loglik_individual(self._p, x, tx, n)
        lead = betaln(al + x + 1, be + n - x) - betaln(al, be) - loglik
        h = float(horizon)
        # delta/(gamma-1) * G(gamma+delta)/G(1+delta) * [G(1+delta+n)/G(gamma+delta+n) - same at n + h]
        tail = np.exp(gammaln(1 + de + n) - gammaln(ga + de + n)) - np.exp(gammaln(1 + de + n + h) - gammaln(ga + de + n + h))
        const = de / (ga - 1) * np.exp(gammaln(ga + de) - gammaln(1 + de))
        return np.exp(lead) * const * tail

    def expected_purchases(self, periods: Any) -> np.ndarray:
        """E[X(n)] for a new customer over n opportunities (FHS 2010, eq. 7)."""
        al, be, ga, de = self._p
        n = np.asarray(periods, dtype=float)
        return al / (al + be) * de / (ga - 1) * (
            1 - np.exp(gammaln(ga + de) - gammaln(1 + de) + gammaln(1 + de + n) - gammaln(ga + de + n))
        )

    def log_likelihood(self, summary: Any) -> float:
        (x, tx, n), w = summary_arrays(summary, ("frequency", "recency", "periods"))
        return float(np.dot(w, self._loglik_individual(self._p, x, tx, n)))

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": self.name,
            "params": dict(self.params_),
            "standard_errors": dict(self.standard_errors_),
            "intervals": {k: list(v) for k, v in self.intervals_.items()},
            "confidence": self.confidence,
            "log_likelihood": self.log_likelihood_,
            "n_customers": self.n_customers_,
            "flags": list(self.flags_),
        }
