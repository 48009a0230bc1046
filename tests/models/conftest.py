"""Fixtures for the customer-value tests.

``shared_data`` follows the shared brief: locate ``../shared/data`` next to the repository root, skip with a
reason when it is absent, fail instead when ``CXJ_REQUIRE_SHARED_DATA=1``. (A root conftest may define the
same fixture; this one is only used when it does not.)
"""

from __future__ import annotations

import os
from pathlib import Path

import pandas as pd
import pytest


def _repo_root() -> Path:
    here = Path(__file__).resolve()
    for parent in here.parents:
        if (parent / "pyproject.toml").exists():
            return parent
    return here.parents[2]


@pytest.fixture(scope="session")
def shared_data() -> Path:
    path = (_repo_root() / ".." / "shared" / "data").resolve()
    if not path.is_dir():
        if os.environ.get("CXJ_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(f"shared data required (CXJ_REQUIRE_SHARED_DATA=1) but {path} is absent")
        pytest.skip(f"shared data not found at {path}")
    return path


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
