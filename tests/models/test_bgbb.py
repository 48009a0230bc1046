"""BG/BB on the donations data of Fader, Hardie & Shang (2010), "Customer-Base Analysis in a Discrete-Time
Noncontractual Setting", Marketing Science 29(6), 1086-1108: 11,104 donors of the 1995 cohort, 6 repeat
opportunities. Published MLEs: alpha=1.204, beta=0.750, gamma=0.657, delta=2.783, LL=-33,225.6.
Tolerance: 1% on each parameter, 0.5 on the log-likelihood; plus a check that the optimum beats nearby points.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import roots_jacobi

from cxjourney.errors import InsufficientData, ValidationFailed
from cxjourney.models import BGBB


@pytest.fixture(scope="module")
def donations(shared_data):
    return pd.read_csv(shared_data / "donations-bgbb" / "donations.csv")


@pytest.fixture(scope="module")
def fitted(donations):
    return BGBB().fit(donations)


def test_bgbb_reproduces_fader_hardie_shang_2010_donations_fit(fitted, donations):
    assert donations["weights"].sum() == 11104
    published = {"alpha": 1.204, "beta": 0.750, "gamma": 0.657, "delta": 2.783}
    for name, value in published.items():
        assert fitted.params_[name] == pytest.approx(value, rel=0.01), name
    assert fitted.log_likelihood_ == pytest.approx(-33225.6, abs=0.5)
    assert fitted.n_customers_ == 11104


def test_bgbb_optimum_beats_nearby_parameters(fitted, donations):
    m = BGBB()
    best = fitted.log_likelihood_
    for k in fitted.param_names:
        for f in (0.98, 1.02):
            m.params_ = dict(fitted.params_, **{k: fitted.params_[k] * f})
            assert m.log_likelihood(donations) < best


def _beta_expect(a: float, b: float, n: int = 80):
    """Nodes and weights so that sum(w * f(nodes)) = E[f(p)] for p ~ Beta(a, b) (Gauss-Jacobi)."""
    u, w = roots_jacobi(n, b - 1, a - 1)
    return (1 + u) / 2, w / w.sum()


def test_bgbb_p_alive_and_expectation_match_direct_integration_over_p_and_theta(fitted):
    al, be, ga, de = (fitted.params_[k] for k in ("alpha", "beta", "gamma", "delta"))
    p, wp = _beta_expect(al, be)
    th, wt = _beta_expect(ga, de)
    P, TH = np.meshgrid(p, th, indexing="ij")
    W = np.outer(wp, wt)
    horizon = 5
    for x, tx, n in [(0, 0, 6), (3, 4, 6), (6, 6, 6), (1, 1, 6)]:
        alive = P**x * (1 - P) ** (n - x) * (1 - TH) ** n
        lik = alive + sum(P**x * (1 - P) ** (tx - x + i) * TH * (1 - TH) ** (tx + i) for i in range(n - tx))
        future = P * (1 - TH) / TH * (1 - (1 - TH) ** horizon)
        p_alive = (W * alive * (1 - TH)).sum() / (W * lik).sum()
        expected = (W * alive * future).sum() / (W * lik).sum()
        assert fitted.p_alive(x, tx, n)[0] == pytest.approx(p_alive, rel=2e-3)
        assert fitted.conditional_expected_purchases(horizon, x, tx, n)[0] == pytest.approx(expected, rel=2e-3)


def test_bgbb_refuses_invalid_rows_and_too_few_customers():
    with pytest.raises(ValidationFailed, match="not a valid discrete summary"):
        BGBB().fit(pd.DataFrame({"frequency": [3], "recency": [2], "periods": [6]}))
    with pytest.raises(InsufficientData, match="at least 30 customers"):
        BGBB().fit(pd.DataFrame({"frequency": [1, 0], "recency": [1, 0], "periods": [6, 6], "weights": [5, 5]}))
