"""Fixtures for the customer-value tests: CDNOW from ``shared_data`` (tests/conftest.py: ../shared/data, skipped
with a reason when absent, a failure when CXJ_REQUIRE_SHARED_DATA=1) and the models fitted on it, once per session.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest


@pytest.fixture(scope="session")
def cdnow_transactions(shared_data: Path) -> Path:
    return shared_data / "cdnow" / "cdnow_sample_transactions.csv"


@pytest.fixture(scope="session")
def cdnow_rfm(cdnow_transactions: Path):
    from cxjourney.models.rfm import read_transactions, rfm_summary

    tx = read_transactions(cdnow_transactions, customer_col="customer_id", date_col="date", amount_col="amount")
    return rfm_summary(tx, calibration_end="1997-09-30", holdout_end="1998-06-30", period="week")


@pytest.fixture(scope="session")
def cdnow_published_summary(shared_data: Path) -> pd.DataFrame:
    return pd.read_csv(shared_data / "cdnow" / "cdnow_customers_summary_with_monetary.csv")


@pytest.fixture(scope="session")
def fitted_bgnbd(cdnow_rfm):
    from cxjourney.models import BGNBD

    return BGNBD().fit(cdnow_rfm.summary)


@pytest.fixture(scope="session")
def fitted_pareto(cdnow_rfm):
    from cxjourney.models import ParetoNBD

    return ParetoNBD().fit(cdnow_rfm.summary)


@pytest.fixture(scope="session")
def fitted_gg(cdnow_rfm):
    from cxjourney.models import GammaGamma

    return GammaGamma().fit(cdnow_rfm.summary)
