"""Per-customer value: discounting, spend fallbacks."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxjourney.models import customer_value
from cxjourney.models.clv import per_period_rate


def test_without_discounting_clv_is_expected_purchases_times_expected_spend(cdnow_rfm, fitted_bgnbd, fitted_gg):
    cv = customer_value(cdnow_rfm, model=fitted_bgnbd, spend_model=fitted_gg, horizon=39, discount_rate=0.0)
    t = cv.table
    np.testing.assert_allclose(t["clv"], t["expected_purchases"] * t["expected_spend"], rtol=1e-9)
    assert len(t) == 2357 and list(t.columns) == ["customer_id", "frequency", "recency", "T", "expected_purchases",
                                                  "p_alive", "expected_spend", "clv"]


def test_discounting_lowers_clv_by_less_than_the_full_horizon_factor(cdnow_rfm, fitted_bgnbd, fitted_gg):
    plain = customer_value(cdnow_rfm, model=fitted_bgnbd, spend_model=fitted_gg, horizon=52).table["clv"]
    disc = customer_value(cdnow_rfm, model=fitted_bgnbd, spend_model=fitted_gg, horizon=52, discount_rate=0.15).table["clv"]
    ratio = (disc / plain).to_numpy()
    assert np.all(ratio < 1) and np.all(ratio > 1 / 1.15)  # a year at 15%: never below the end-of-year factor
    assert per_period_rate(0.15, 7.0) == pytest.approx(1.15 ** (7 / 365.25) - 1)


def test_expected_spend_shrinks_towards_the_population_mean(cdnow_rfm, fitted_gg):
    # Gamma-Gamma (Fader & Hardie 2013): a customer's expected spend lies between zbar and the population mean.
    p, q, g = (fitted_gg.params_[k] for k in ("p", "q", "gamma"))
    pop = p * g / (q - 1)
    s = cdnow_rfm.summary[cdnow_rfm.summary["frequency"] > 0]
    e = fitted_gg.conditional_expected_spend(s["frequency"], s["monetary_value"])
    lo, hi = np.minimum(s["monetary_value"], pop), np.maximum(s["monetary_value"], pop)
    assert np.all((e >= lo - 1e-9) & (e <= hi + 1e-9))
    assert fitted_gg.conditional_expected_spend(0, 0) == pytest.approx(pop)


def test_spend_without_heterogeneity_falls_back_to_the_pooled_mean_and_says_so(fitted_bgnbd):
    rng = np.random.default_rng(0)
    n = 300
    x = rng.integers(0, 5, n).astype(float)
    s = pd.DataFrame({"customer_id": [f"c{i}" for i in range(n)], "frequency": x, "recency": x * 3.0,
                      "T": 30.0, "monetary_value": np.where(x > 0, 25.0, 0.0)})
    cv = customer_value(s, model=fitted_bgnbd, horizon=10)
    assert "spend_model_fallback_pooled_mean" in cv.meta["flags"] and cv.meta["spend_model"] == "pooled_mean"
    assert np.allclose(cv.table["expected_spend"], 25.0)
    assert "did not converge" in cv.meta["spend_model_reason"]
