"""Fixtures of the analytics tests: a workspace holding the synthetic history, and query contexts on
DuckDB and (marked ``spark``) on Spark in local mode, both module-scoped and small."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.analytics import synth

JOURNEY = Path(__file__).resolve().parents[2] / "src" / "cxjourney" / "demo" / "template" / "journeys" / "online-store.yaml"
NOW = datetime(2024, 9, 1)
SURVEYS = ("checkout-csat", "delivery-csat", "support-ces", "relationship-nps")


@pytest.fixture(scope="session")
def synth_df() -> Any:
    return synth.events()


@pytest.fixture(scope="session")
def synth_ws(tmp_path_factory: pytest.TempPathFactory, synth_df: Any) -> Iterator[tuple[Any, Any]]:
    """(settings, store): a workspace with the example journey and the synthetic events."""
    from cxjourney.storage import connect
    from cxjourney.workspace import init_workspace

    root = tmp_path_factory.mktemp("analytics") / "ws"
    settings = init_workspace(root, with_examples=False)
    shutil.copyfile(JOURNEY, root / "journeys" / JOURNEY.name)
    for sid in SURVEYS:  # the journey links these surveys; only their ids matter here
        (root / "surveys" / f"{sid}.yaml").write_text(f"id: {sid}\n", encoding="utf-8")
    store = connect(settings)
    synth.load(store, synth_df)
    yield settings, store
    store.close()


def make_ctx(settings: Any, store: Any) -> Any:
    from cxjourney.query import QueryContext
    from cxjourney.workspace import Workspace

    return QueryContext(store, settings, NOW, Workspace(settings))


@pytest.fixture(scope="session")
def duck_ctx(synth_ws: tuple[Any, Any]) -> Any:
    return make_ctx(*synth_ws)


@pytest.fixture(scope="module")
def spark_ctx(synth_ws: tuple[Any, Any]) -> Iterator[Any]:
    pytest.importorskip("pyspark")
    from cxjourney.analytics.engines import copy_to_spark, spark_session

    session = spark_session(master="local[2]", app_name="cxjourney-tests")
    session.sparkContext.setLogLevel("ERROR")
    settings, store = synth_ws
    yield make_ctx(settings, copy_to_spark(store, session))
    session.stop()
