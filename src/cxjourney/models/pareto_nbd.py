"""Pareto/NBD model (Schmittlein, Morrison & Colombo 1987, Management Science 33(1)); likelihood as in
Fader, Hardie & Lee (2005) and Fader & Hardie's note "A note on deriving the Pareto/NBD model".

While alive a customer buys as a Poisson process with rate lambda ~ Gamma(r, alpha); their lifetime is
exponential with rate mu ~ Gamma(s, beta).

Numerical stability: the likelihood is kept in log space. Its "died" term is
s int_{t_x}^{T} (alpha+tau)^-(r+x) (beta+tau)^-(s+1) dtau, which FHL write as (s/(r+s+x)) [F(t_x) - F(T)] with
F(t) = 2F1(r+s+x, s+1; r+s+x+1; (alpha-beta)/(alpha+t)) / (alpha+t)^(r+s+x). scipy's 2F1 silently loses
accuracy for large parameters with the argument near 1 (exactly where a fit with little heterogeneity wanders),
so we integrate directly: 32-point Gauss-Legendre in u = log(min(alpha, beta) + tau). Where the 2F1 form is
accurate the two agree to ~1e-14 (tests/models/test_published_cdnow.py), and the quadrature is smooth in the
parameters, which the numerical Hessian needs.

Homogeneous dropout: when the data show no heterogeneity in the death rate, the MLE runs off to s, beta ->
infinity with s/beta -> mu fixed. We then fit that limit (parameters r, alpha, mu):
    L = Gamma(r+x) alpha^r / Gamma(r) [e^(-mu T) / (alpha+T)^(r+x) + mu int_{t_x}^{T} e^(-mu tau) (alpha+tau)^-(r+x) dtau]
    E[Y(t) | x, t_x, T] = (r+x)/(alpha+T) (1 - e^(-mu t))/mu P(alive);   E[X(t)] = r/alpha (1 - e^(-mu t))/mu.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import numpy as np
from scipy.special import expit, gammaln, logsumexp

from cxjourney.models._base import PurchaseModel

GL_NODES, GL_WEIGHTS = np.polynomial.legendre.leggauss(32)


def log_integral(log_f: Callable[[np.ndarray], np.ndarray], lo: np.ndarray, hi: np.ndarray, shift: float) -> np.ndarray:
    """log of the integral of exp(log_f(tau)) over [lo, hi] (elementwise, lo < hi), by 32-point Gauss-Legendre in
    u = log(shift + tau): power-law integrands become near-exponential in u, which the rule integrates to machine
    precision over the ranges met in practice. log_f maps an array of shape (32, n) to the same shape."""
    u_lo, u_hi = np.log(shift + np.asarray(lo, float)), np.log(shift + np.asarray(hi, float))
    half = (u_hi - u_lo) / 2
    u = u_lo + half * (GL_NODES[:, None] + 1)
    tau = np.exp(u) - shift
    return logsumexp(log_f(tau) + u + np.log(GL_WEIGHTS)[:, None], axis=0) + np.log(half)


class ParetoNBD(PurchaseModel):
    name: ClassVar[str] = "pareto_nbd"
    param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "s", "beta")
    starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 1.0, 1.0), (0.5, 10.0, 0.5, 10.0))
    dropout_params: ClassVar[tuple[str, ...]] = ("s", "beta")
    limit_param_names: ClassVar[tuple[str, ...]] = ("r", "alpha", "mu")
    limit_starts: ClassVar[tuple[tuple[float, ...], ...]] = ((1.0, 1.0, 0.1), (0.5, 10.0, 0.01))

    def _limit_log_terms(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
        r, alpha, mu = params
        x, tx, T = np.broadcast_arrays(x, tx, T)
        alive = -(r + x) * np.log(alpha + T) - mu * T
        died = np.full(alive.shape, -np.inf)
        span = T > tx
        if np.any(span) and mu > 0:  # mu = 0 (no dropout): nobody dies, P(alive) = 1
            xs = x[span]
            died[span] = np.log(mu) + log_integral(lambda tau: -mu * tau - (r + xs) * np.log(alpha + tau),
                                                   tx[span], T[span], alpha)
        return alive, died

    def _limit_loglik_individual(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray) -> np.ndarray:
        r, alpha, mu = params
        alive, died = self._limit_log_terms(params, x, tx, T)
        return gammaln(r + x) - gammaln(r) + r * np.log(alpha) + np.logaddexp(alive, died)

    def _log_terms(self, params: np.ndarray, x: np.ndarray, tx: np.ndarray, T: np.ndarray):
        if self.homogeneous_dropout_:
            return self._limit_log_terms(params, x, tx, T)
        r, alpha, s, beta = params
        x, tx, T = np.broadcast_arrays(x, tx, T)
        alive = -(r + x) * np.log(alpha + T) - s * np.log(beta + T)
        died = np.full(alive.shape, -np.inf)
        span = T > tx
        if np.any(span):
            xs = x[span]
            died[span] = np.log(s) + log_integral(lambda tau: -(r + xs) * np.log(alpha + tau) - (s + 1) * np.log(beta + tau),
                                                  tx[span], T[span], min(alpha, beta))
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
        x, tx, T = (np.asarray(v, dtype=float) for v in (frequency, recency, T))
        if self.homogeneous_dropout_:
            r, alpha, mu = self._p
            lifetime = -np.expm1(-mu * t) / mu if mu > 0 else t
        else:
            r, alpha, s, beta = self._p
            lifetime = _expected_lifetime_within(s, beta + T, t)
        return (r + x) / (alpha + T) * lifetime * self.p_alive(x, tx, T)

    def expected_purchases(self, t: Any) -> np.ndarray:
        """E[X(t)] for a customer just acquired."""
        t = np.asarray(t, dtype=float)
        if self.homogeneous_dropout_:
            r, alpha, mu = self._p
            return r / alpha * (-np.expm1(-mu * t) / mu if mu > 0 else t)
        r, alpha, s, beta = self._p
        return r / alpha * _expected_lifetime_within(s, beta, t)


def _expected_lifetime_within(s: float, beta: Any, t: Any) -> np.ndarray:
    """E[min(lifetime, t)] for an exponential lifetime with rate mu ~ Gamma(s, beta):
    beta/(s-1) * (1 - (beta/(beta+t))^(s-1)), with its limit beta*log(1 + t/beta) at s = 1."""
    beta = np.asarray(beta, dtype=float)
    if abs(s - 1) < 1e-8:
        return beta * np.log1p(t / beta)
    return beta / (s - 1) * -np.expm1((s - 1) * np.log(beta / (beta + t)))
