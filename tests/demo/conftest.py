"""Demo stores shared by the demo tests: a small one (fast checks) and a larger one (statistics)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from cxjourney.demo import generate
from cxjourney.storage import memory_store


def build(**options: Any) -> tuple[Any, dict[str, Any]]:
    store = memory_store()
    counts = generate(store, **options)
    return store, counts


@pytest.fixture(scope="session")
def small_demo() -> Iterator[tuple[Any, dict[str, Any]]]:
    store, counts = build(seed=7, customers=300, events=30_000)
    yield store, counts
    store.close()


@pytest.fixture(scope="session")
def stats_demo() -> Iterator[tuple[Any, dict[str, Any]]]:
    """Big enough for significance tests (a few seconds)."""
    store, counts = build(seed=11, customers=2_000, events=200_000)
    yield store, counts
    store.close()

