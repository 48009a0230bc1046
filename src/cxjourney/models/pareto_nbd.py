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
from scipy.special import expit, gammaln, hyp2f1, logsumexp

from cxjourney.models._base import PurchaseModel

MAX_SERIES_TERMS = 200_000


def _log_hyp2f1_one(b: np.ndarray, c: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log 2F1(1, b; c; z) for 0 <= z < 1, c > b > 0. scipy's hyp2f1 first; where it fails (large b and c with
    z close to 1) the positive-term series sum_n prod_k (b+k)/(c+k) z^n is summed in log space."""
    b, c, z = np.broadcast_arrays(np.asarray(b, float), np.asarray(c, float), np.asarray(z, float))
    with np.errstate(all="ignore"):
        out = np.log(hyp2f1(1.0, b, c, z))
    bad = ~np.isfinite(out)
    for i in np.flatnonzero(bad):
        bi, ci, zi = float(b.flat[i]), float(c.flat[i]), float(z.flat[i])
        if zi <= 0:
            out.flat[i] = 0.0
            continue
        # Terms decay at least like z^n: enough terms for a relative error below 1e-15.
        n = int(min(MAX_SERIES_TERMS, np.ceil(37.0 / -np.log(zi)) + 50))
        k = np.arange(n - 1, dtype=float)
        log_terms = np.concatenate([[0.0], np.cumsum(np.log((bi + k) / (ci + k)) + np.log(zi))])
        out.flat[i] = float(logsumexp(log_terms))
    return out


def _log_hyp2f1_c_eq_a_plus_1(a: np.ndarray, b: np.ndarray, z: np.ndarray) -> np.ndarray:
    """log 2F1(a, b; a + 1; z) for 0 <= z < 1, via Euler's transformation."""
    return (1 - b) * np.log1p(-z) + _log_hyp2f1_one(a + 1 - b, a + 1, z)


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
