"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, Management Science 33(1)); likelihood as in
Fader, Hardie & Lee (2005) and Fader & Hardie's note "A note on deriving the Pareto/NBD model".

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); their lifetime is
exponential with rate mu ~ Gamma(s, beta).

Numerical stability: the likelihood is kept in log space. Its second term needs
A0 = F(t_x) - F(T) with F(t) = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+x)
when alpha >= beta (and the mirrored form with beta when alpha < beta), so that the hypergeometric argument
lies in [0, 1). We evaluate 2F1 after Euler's transformation
2F1(a, b; a+1; z) = (1-z)^(1-b) 2F1(1, a+1-b; a+1; z), whose series has positive terms and no overflow,
and take log A0 = log F(t_x) + log(1 - exp(log F(T) - log F(t_x))).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, gammaln, hyp2f1

from cxjourney.models._base import PurchaseModel


def _log_hyp2f1_c_eq_a_plus_1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log 2F1(a, b; a + 1; z) for 0 <= z < 1, via Euler's transformation."""
    return (1 - b) * np.log1p(-z) + np.log(hyp2f1(1.0, a + 1 - b, a + 1, z))


class ParetoNBD(PurchaseModel):
    name: ClassVar[str] = "pareto_nbd"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0, 1.0), (0.5, 10.0, 0.5, 10.0))

    @staticmethod
    def _log_a0(params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = params
        rsx = r + s + x
        if alpha >= beta:
            def log_f(t: np.ndarray) -> np.ndarray:
                z = (alpha - beta) / (alpha + t)
                return _log_hyp2f1_c_eq_a_plus_1(rsx, s + 1, z) - rsx * np.log(alpha + t)
        else:
            def log_f(t: np.ndarray) -> np.ndarray:
                z = (beta - alpha) / (beta + t)
                return _log_hyp2f1_c_eq_a_plus_1(rsx, r + x, z) - rsx * np.log(beta + t)
        lf_tx, lf_T = log_f(tx), log_f(T)
        with np.errstate(divide="ignore", invalid="ignore"):
            return lf_tx + np.log(-np.expm1(np.minimum(lf_T - lf_tx, 0.0)))

    def _log_terms(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
        r, alpha, s, beta = params
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        died = np.log(s) - np.log(r + s + x) + self._log_a0(params, x, tx, T)
        return alive, died

    def _loglik_individual(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, s, beta = params
        alive, died = self._log_terms(params, x, tx, T)
        return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + s * np.log(beta) + np.logaddexp(alive, died)

    def p_alive(self, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """P(alive at T | x, t_x, T) (Schmittlein et al. 1987, eq. 11; FHL 2005 form)."""
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        alive, died = self._log_terms(self._p, x, tx, T)
        return expit(alive - died)

    def conditional_expected_purchases(self, t: float, frequency: Any, recency: Any, T: Any) -> np.ndarray:
        """E[Y(t) | x, t_x, T]: expected purchases in (T, T + t]."""
        r, alpha, s, beta = self._p
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        rate = (r + x) / (alpha + T)
        return rate * _expected_lifetime_within(s, beta + T, t) * self.p_alive(x, tx, T)

    def expected_purchases(self, t: Any) -> np.ndarray:
        """E[X(t)] for a customer just acquired."""
        r, alpha, s, beta = self._p
        return r / alpha * _expected_lifetime_within(s, beta, np.asarray(t, dtype=float))


def _expected_lifetime_within(s: float, beta: Any, t: Any) -> np.ndarray:
    """E[min(lifetime, t)] for an exponential lifetime with rate mu ~ Gamma(s, beta):
    beta/(s-1) * (1 - (beta/(beta+t))^(s-1)), with its limit beta*log(1 + t/beta) at s = 1."""
    beta = np.asarray(beta, dtype=float)
    if abs(s - 1) < 1e-8:
        return beta * np.log1p(t / beta)
    return beta / (s - 1) * -np.expm1((s - 1) * np.log(beta / (beta + t)))
