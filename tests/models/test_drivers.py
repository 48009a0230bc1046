"""Key-driver analysis recovers known importance on simulated data.

With independent standardised drivers and y = sum(b_j x_j) + e, the population R² is sum(b_j²)/Var(y) and
both the Shapley decomposition and Johnson's relative weights give driver j exactly b_j²/Var(y)
(Lipovetsky & Conklin 2001; Johnson 2000). Tolerance: 0.03 absolute at n = 5000, and the 95% bootstrap
interval must contain the true value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxjourney.errors import InsufficientData, ValidationFailed
from cxjourney.models.drivers import key_drivers, relative_weights, shapley_r2

BETA = np.array([0.6, 0.4, 0.2, 0.0])
NAMES = ["csat_checkout", "csat_delivery", "ces_support", "csat_website"]


@pytest.fixture(scope="module")
def simulated():
    rng = np.random.default_rng(7)
    n = 5000
    X = rng.normal(size=(n, 4))
    y = X @ BETA + rng.normal(scale=0.8, size=n)
    df = pd.DataFrame(X, columns=NAMES)
    df["ltr"] = y
    truth = BETA**2 / (BETA @ BETA + 0.64)
    return df, truth


@pytest.mark.parametrize("method", ["shapley", "relative_weights"])
def test_key_drivers_recover_known_weights_on_simulated_data(simulated, method):
    df, truth = simulated
    res = key_drivers(df, outcome="ltr", method=method, n_boot=200, seed=1)
    got = res.table.set_index("driver").loc[NAMES]
    np.testing.assert_allclose(got["importance"].to_numpy(), truth, atol=0.03)
    assert list(res.table["driver"]) == NAMES  # ranked checkout > delivery > support > website
    assert np.all((got["ci_low"] <= truth + 1e-3) & (truth <= got["ci_high"] + 1e-3))
    assert res.r2_ == pytest.approx(got["importance"].sum())
    assert res.r2_ == pytest.approx(truth.sum(), abs=0.03)


def test_shapley_with_two_correlated_drivers_matches_the_closed_form():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(3000, 2))
    X = np.column_stack([z[:, 0], 0.7 * z[:, 0] + 0.71 * z[:, 1]])
    y = X @ np.array([1.0, 0.5]) + rng.normal(size=3000)

    def r2(cols):
        A = np.column_stack([np.ones(len(y)), X[:, cols]])
        resid = y - A @ np.linalg.lstsq(A, y, rcond=None)[0]
        return 1 - resid.var() / y.var()

    phi = shapley_r2(X, y)
    assert phi[0] == pytest.approx(0.5 * (r2([0]) + r2([0, 1]) - r2([1])), abs=1e-9)
    assert phi.sum() == pytest.approx(r2([0, 1]), abs=1e-9)
    assert relative_weights(X, y) == pytest.approx(phi, abs=0.03)


def test_key_drivers_refuse_too_few_complete_rows_and_constant_columns(simulated):
    df, _ = simulated
    small = df.head(35).copy()
    with pytest.raises(InsufficientData, match="at least 40 complete rows"):
        key_drivers(small, outcome="ltr")
    const = df.head(200).assign(csat_website=3.0)
    with pytest.raises(ValidationFailed, match="'csat_website' have no variation"):
        key_drivers(const, outcome="ltr")
    with pytest.raises(ValidationFailed, match="outcome column 'nps' not found"):
        key_drivers(df, outcome="nps")


def test_rows_with_missing_scores_are_left_out_and_counted(simulated):
    df, _ = simulated
    gaps = df.head(600).copy()
    gaps.loc[gaps.index[:100], "csat_delivery"] = np.nan
    res = key_drivers(gaps, outcome="ltr", n_boot=20)
    assert res.n_ == 500 and res.meta["rows_left_out"] == 100
