"""The closed-form predictions equal direct numerical integration over the mixing distributions.

For a customer with data (x, t_x, T), the posterior over the latent rates is the prior times the individual
likelihood; P(alive) and E[Y(t)] are posterior expectations. We compute them with Gauss quadrature
(generalised Laguerre for gamma priors, Jacobi for beta priors) and compare with the closed forms
(tolerance 0.5% relative).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.special import roots_genlaguerre, roots_jacobi

from cxjourney.models import BGNBD, ParetoNBD

CUSTOMERS = [(0, 0.0, 38.86), (2, 30.43, 38.86), (1, 1.71, 38.86), (7, 35.0, 38.0), (3, 5.0, 30.0)]


def _gamma_expect(shape: float, rate: float, n: int = 120):
    x, w = roots_genlaguerre(n, shape - 1)
    return x / rate, w / w.sum()


def _beta_expect(a: float, b: float, n: int = 120):
    u, w = roots_jacobi(n, b - 1, a - 1)
    return (1 + u) / 2, w / w.sum()


def test_pareto_nbd_closed_forms_match_integration():
    m = ParetoNBD()
    m.params_ = {"r": 0.553, "alpha": 10.578, "s": 0.606, "beta": 11.669}
    lam, wl = _gamma_expect(0.553, 10.578)
    mu, wm = _gamma_expect(0.606, 11.669)
    L, M = np.meshgrid(lam, mu, indexing="ij")
    W = np.outer(wl, wm)
    t = 39.0
    for x, tx, T in CUSTOMERS:
        alive = L**x * np.exp(-(L + M) * T)
        lik = alive + M / (L + M) * L**x * (np.exp(-(L + M) * tx) - np.exp(-(L + M) * T))
        p_alive = (W * alive).sum() / (W * lik).sum()
        ey = (W * alive * L / M * (1 - np.exp(-M * t))).sum() / (W * lik).sum()
        assert m.p_alive(x, tx, T) == pytest.approx(p_alive, rel=5e-3), (x, tx, T)
        assert m.conditional_expected_purchases(t, x, tx, T) == pytest.approx(ey, rel=5e-3), (x, tx, T)


def test_pareto_nbd_likelihood_is_stable_when_alpha_far_exceeds_beta():
    # alpha >> beta pushes the hypergeometric argument towards 1: the log-likelihood must stay finite.
    m = ParetoNBD()
    ll = m._loglik_individual(np.array([0.5, 500.0, 2.0, 0.01]), np.array([0.0, 20.0]), np.array([0.0, 70.0]),
                              np.array([78.0, 78.0]))
    assert np.all(np.isfinite(ll))


def test_bgnbd_closed_forms_match_integration():
    m = BGNBD()
    m.params_ = {"r": 0.243, "alpha": 4.414, "a": 0.793, "b": 2.426}
    lam, wl = _gamma_expect(0.243, 4.414)
    p, wp = _beta_expect(0.793, 2.426)
    L, P = np.meshgrid(lam, p, indexing="ij")
    W = np.outer(wl, wp)
    t = 39.0
    for x, tx, T in CUSTOMERS:
        alive = (1 - P) ** x * L**x * np.exp(-L * T)
        died = (P * (1 - P) ** (x - 1) * L**x * np.exp(-L * tx)) if x > 0 else 0.0
        lik = alive + died
        p_alive = (W * alive).sum() / (W * lik).sum()
        ey = (W * alive * (1 - np.exp(-L * P * t)) / P).sum() / (W * lik).sum()
        assert m.p_alive(x, tx, T) == pytest.approx(p_alive, rel=5e-3), (x, tx, T)
        assert m.conditional_expected_purchases(t, x, tx, T) == pytest.approx(ey, rel=5e-3), (x, tx, T)
