"""Churn classifier: time-based holdout, AUC, Brier score and reliability; refusal below the minimum data."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxjourney.errors import InsufficientData
from cxjourney.models.churn import ChurnClassifier


def _simulate(n_per_cutoff: int = 400, cutoffs: int = 6, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for cut in pd.date_range("2024-01-01", periods=cutoffs, freq="MS"):
        nps = rng.integers(0, 11, n_per_cutoff).astype(float)
        tickets = rng.poisson(1, n_per_cutoff)
        recency = rng.exponential(30, n_per_cutoff)
        p = 1 / (1 + np.exp(-(-1.0 - 0.3 * (nps - 7) + 0.5 * tickets + 0.02 * recency)))
        rows.append(pd.DataFrame({"cutoff": cut, "nps": nps, "tickets": tickets, "recency_days": recency,
                                  "churned": (rng.random(n_per_cutoff) < p).astype(int), "true_p": p}))
    return pd.concat(rows, ignore_index=True)


@pytest.mark.parametrize("method", ["logistic", "gradient_boosting"])
def test_churn_classifier_validates_on_later_cutoffs_and_beats_the_base_rate(method):
    df = _simulate()
    clf = ChurnClassifier(method=method, features=["nps", "tickets", "recency_days"]).fit(df)
    assert clf.split_ == pd.Timestamp("2024-06-01")  # trained on Jan-May only
    assert (clf.n_train_, clf.n_test_) == (2000, 400)
    # The true model's AUC on this simulation is about 0.8: a useful classifier gets well above 0.5.
    assert 0.7 < clf.auc_ < 0.9
    lo, hi = clf.auc_interval_
    assert lo < clf.auc_ < hi
    assert clf.brier_ < clf.brier_baseline_
    rel = clf.reliability_
    assert rel["n"].sum() == 400 and len(rel) == 10
    if method == "logistic":  # the right model family: well calibrated
        assert np.max(np.abs(rel["mean_predicted"] - rel["observed"])) < 0.2


def test_churn_classifier_refuses_too_little_holdout_data():
    df = _simulate(n_per_cutoff=25, cutoffs=3)
    with pytest.raises(InsufficientData, match="in the holdout part"):
        ChurnClassifier(features=["nps", "tickets", "recency_days"]).fit(df)


def test_churn_classifier_refuses_a_single_cutoff():
    df = _simulate(cutoffs=1)
    with pytest.raises(InsufficientData, match="at least 2 distinct cutoffs"):
        ChurnClassifier().fit(df)


def test_churn_scores_come_from_the_refitted_model():
    df = _simulate()
    clf = ChurnClassifier(features=["nps", "tickets", "recency_days"]).fit(df)
    p = clf.predict_proba(df)
    assert p.shape == (len(df),) and np.corrcoef(p, df["true_p"])[0, 1] > 0.9
    fig = clf.reliability_figure()
    assert fig["data"][1]["name"] == "logistic"
