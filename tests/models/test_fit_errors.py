"""Fits refuse data they cannot support, with a message naming the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from cxjourney.errors import InsufficientData, ModelFitError, ValidationFailed
from cxjourney.models import BGNBD, GammaGamma, ParetoNBD


def _summary(n: int, repeat: int) -> pd.DataFrame:
    x = np.r_[np.ones(repeat), np.zeros(n - repeat)]
    return pd.DataFrame({"frequency": x, "recency": x * 5.0, "T": np.full(n, 20.0), "monetary_value": x * 10.0})


@pytest.mark.parametrize("model", [BGNBD, ParetoNBD])
def test_purchase_models_refuse_too_few_repeat_buyers(model):
    with pytest.raises(InsufficientData, match="at least 10 made a repeat purchase; got 40 customers, 3 repeat buyers"):
        model().fit(_summary(40, 3))


def test_gamma_gamma_refuses_fewer_than_30_repeat_buyers():
    with pytest.raises(InsufficientData, match="at least 30 repeat buyers"):
        GammaGamma().fit(_summary(100, 12))


@pytest.mark.parametrize("model", [BGNBD, ParetoNBD, GammaGamma])
def test_fit_without_heterogeneity_reports_non_convergence(model):
    # Everyone buys every period: no dropout and no heterogeneity, so the MLE runs off to a boundary.
    s = pd.DataFrame({"frequency": np.full(50, 10.0), "recency": 10.0, "T": 10.0, "monetary_value": 20.0})
    with pytest.raises(ModelFitError, match="did not converge"):
        model().fit(s)


def test_invalid_summary_rows_and_missing_columns_are_named():
    with pytest.raises(ValidationFailed, match="recency greater than T"):
        BGNBD().fit(pd.DataFrame({"frequency": [1.0] * 40, "recency": [30.0] * 40, "T": [20.0] * 40}))
    with pytest.raises(ValidationFailed, match="lacks column\\(s\\) T"):
        BGNBD().fit(pd.DataFrame({"frequency": [1.0], "recency": [1.0]}))
    with pytest.raises(ValidationFailed, match="monetary_value must be positive"):
        GammaGamma().fit(pd.DataFrame({"frequency": [1.0] * 40, "monetary_value": [0.0] * 40}))


def test_predicting_before_fit_is_a_clear_error():
    with pytest.raises(ModelFitError, match="call fit\\(\\) before predicting"):
        BGNBD().p_alive(1, 1, 2)
