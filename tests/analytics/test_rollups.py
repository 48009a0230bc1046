"""The per-person rollups give exactly the numbers computed from the events, and stay exact as events
arrive late, identities merge, a person is erased, a journey changes, or the store is opened read-only."""

from __future__ import annotations

import math
import shutil
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from tests.analytics import synth
from tests.analytics.conftest import JOURNEY, NOW, SURVEYS

STEPS = ["Ad Impression", "Product Viewed", "Product Added", "Checkout Started", "Order Completed"]
QUERIES: list[tuple[str, dict[str, Any]]] = [
    ("journey_overview", {}),
    ("stage_kpis", {}),
    ("journey_score", {}),
    ("funnel", {"steps": STEPS, "window": "30d"}),
    ("funnel", {"steps": STEPS, "window": "30d", "dropoff": False}),
    ("funnel", {"steps": ["Product Viewed", "Product Added", "Order Completed"], "window": "7d", "strict": True, "from": "2024-02-01"}),
    ("paths", {"top": 5}),
    ("sessions_summary", {}),
    ("sessions_summary", {"period": "month", "from": "2024-02-01", "to": "2024-03-31"}),
    ("churn", {}),
    ("churn", {"window_days": 30}),
    ("churn", {"period": "week", "as_of": "2024-03-10T12:30:00"}),
    ("churn", {"period": "month", "window_days": 14, "as_of": "2024-04-01T00:00:00"}),
    ("churn", {"as_of": "2024-02-15T09:00:00"}),
]


def _close(a: Any, b: Any, where: str = "$") -> list[str]:
    """Differences between two results (floats equal to 1e-9: sums may add in another order)."""
    if isinstance(a, float) or isinstance(b, float):
        if a is None or b is None or not math.isclose(a, b, rel_tol=1e-9, abs_tol=1e-9):
            return [f"{where}: {a!r} != {b!r}"]
        return []
    if isinstance(a, dict) and isinstance(b, dict):
        if set(a) != set(b):
            return [f"{where}: keys {sorted(set(a) ^ set(b))}"]
        return [d for k in a for d in _close(a[k], b[k], f"{where}.{k}")]
    if isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return [f"{where}: {len(a)} rows != {len(b)}"]
        return [d for i, (x, y) in enumerate(zip(a, b, strict=True)) for d in _close(x, y, f"{where}[{i}]")]
    return [] if a == b else [f"{where}: {a!r} != {b!r}"]


@pytest.fixture()
def ws(tmp_path: Path, synth_df: Any) -> Iterator[tuple[Any, Any]]:
    from cxjourney.storage import connect
    from cxjourney.workspace import init_workspace

    settings = init_workspace(tmp_path / "ws", with_examples=False)
    shutil.copyfile(JOURNEY, settings.workspace / "journeys" / JOURNEY.name)
    for sid in SURVEYS:
        (settings.workspace / "surveys" / f"{sid}.yaml").write_text(f"id: {sid}\n", encoding="utf-8")
    store = connect(settings)
    synth.load(store, synth_df)
    yield settings, store
    store.close()


def _ctx(settings: Any, store: Any, *, rollups: bool) -> Any:
    from cxjourney.query import QueryContext
    from cxjourney.workspace import Workspace

    return QueryContext(store, settings, NOW, Workspace(settings), rollups=rollups)


def _assert_same_as_events(settings: Any, store: Any) -> None:
    from cxjourney.analytics import rollups
    from cxjourney.query import run_query

    fast, slow = _ctx(settings, store, rollups=True), _ctx(settings, store, rollups=False)
    for name, params in QUERIES:
        a, b = run_query(fast, name, params), run_query(slow, name, params)
        assert a.meta["rollups"]["events_since"] == 0, (name, params)
        diffs = _close([a.rows, {k: v for k, v in a.meta.items() if k not in ("as_of", "rollups")}],
                       [b.rows, {k: v for k, v in b.meta.items() if k != "as_of"}])
        assert not diffs, f"{name} {params}: " + "; ".join(diffs[:5])
    assert rollups.is_fresh(store, settings, fast.workspace.journeys()) is not None
    assert run_query(fast, "store_summary", {}).rows == run_query(slow, "store_summary", {}).rows


def _write(store: Any, messages: list[dict[str, Any]]) -> None:
    from cxjourney.ingest import EventWriter, normalize

    rows = [normalize(m, i, received_at=datetime(2024, 9, 1)) for i, m in enumerate(messages)]
    res = EventWriter(store).write(rows)  # type: ignore[arg-type]
    assert res.accepted == len(messages)


def _rows(store: Any, table: str, person: str) -> int:
    return int(store.con.execute(f"SELECT count(*) FROM {table} WHERE person_id = ?", [person]).fetchone()[0])


def test_every_rollup_answer_equals_the_answer_computed_from_the_events(ws: tuple[Any, Any]) -> None:
    from cxjourney.analytics import rollups

    settings, store = ws
    rep = rollups.refresh(store, settings, _ctx(settings, store, rollups=True).workspace.journeys())
    assert rep.mode == "full"
    n_persons = store.con.execute("SELECT count(DISTINCT person_id) FROM events").fetchone()[0]
    assert store.con.execute("SELECT count(*) FROM rx_person").fetchone()[0] == n_persons
    assert store.con.execute("SELECT count(*) FROM rx_events").fetchone()[0] == store.con.execute("SELECT count(*) FROM events").fetchone()[0]
    _assert_same_as_events(settings, store)


def test_late_events_new_persons_and_merges_refresh_only_the_persons_concerned(ws: tuple[Any, Any]) -> None:
    from cxjourney.analytics import rollups

    settings, store = ws
    journeys = _ctx(settings, store, rollups=True).workspace.journeys()
    rollups.refresh(store, settings, journeys)
    _write(store, [
        # A late event: earlier than p0001's other events, so every rank of that person moves.
        {"type": "track", "userId": "p0001", "event": "Order Completed", "timestamp": "2023-12-01T10:00:00Z",
         "properties": {"revenue": 50}, "messageId": "late-1"},
        # A new anonymous visitor who then identifies as p0002: their history joins p0002.
        {"type": "page", "anonymousId": "anon-9", "name": "Home", "timestamp": "2024-03-03T10:00:00Z", "messageId": "anon-1"},
        {"type": "track", "anonymousId": "anon-9", "event": "Product Viewed", "timestamp": "2024-03-03T10:01:00Z", "messageId": "anon-2"},
    ])
    rep = rollups.refresh(store, settings, journeys)
    assert rep.mode == "incremental" and rep.touched == 2  # p0001 and the new visitor
    _assert_same_as_events(settings, store)
    _write(store, [{"type": "identify", "userId": "p0002", "anonymousId": "anon-9", "timestamp": "2024-03-03T10:02:00Z",
                    "messageId": "id-1"}])
    rep = rollups.refresh(store, settings, journeys)
    assert rep.mode == "incremental" and rep.touched == 2  # p0002, and anon-9 who is no more
    assert _rows(store, "rx_person", "anon-9") == 0 and _rows(store, "rx_events", "p0002") > 0
    _assert_same_as_events(settings, store)


def test_an_erased_person_leaves_no_rollup_row_and_the_rest_stays_exact(ws: tuple[Any, Any]) -> None:
    from cxjourney.analytics import rollups
    from cxjourney.ingest.erase import erase_person

    settings, store = ws
    rollups.refresh(store, settings, _ctx(settings, store, rollups=True).workspace.journeys())
    _write(store, [{"type": "identify", "userId": "p0003", "traits": {"email": "x@example.com"}, "messageId": "e-1",
                    "timestamp": "2024-03-05T10:00:00Z"}])
    out = erase_person(store, "p0003")
    assert out["removed"]["rx_person"] == 1 and out["removed"]["rx_events"] > 0
    assert all(_rows(store, t, "p0003") == 0 for t in rollups.TABLES)
    _assert_same_as_events(settings, store)


def test_a_changed_journey_matcher_rebuilds_and_a_stale_read_only_store_computes_from_events(ws: tuple[Any, Any]) -> None:
    from cxjourney.analytics import rollups
    from cxjourney.storage import connect

    settings, store = ws
    ctx = _ctx(settings, store, rollups=True)
    rollups.refresh(store, settings, ctx.workspace.journeys())
    path = settings.workspace / "journeys" / JOURNEY.name
    path.write_text(path.read_text(encoding="utf-8").replace("Product Viewed", "Product Added", 1), encoding="utf-8")
    assert rollups.is_fresh(store, settings, ctx.workspace.journeys()) is None
    assert rollups.refresh(store, settings, ctx.workspace.journeys()).mode == "full"
    _assert_same_as_events(settings, store)
    # New events, then the store reopened read-only: the rollups are stale and cannot be refreshed, so the
    # queries compute from the events (same numbers) and nothing is written.
    _write(store, [{"type": "track", "userId": "p0004", "event": "Order Completed", "messageId": "ro-1",
                    "timestamp": "2024-03-06T10:00:00Z"}])
    store.close()
    ro = connect(settings, read_only=True)
    try:
        assert rollups.is_fresh(ro, settings, ctx.workspace.journeys()) is None
        _assert_same_as_events_read_only(settings, ro)
    finally:
        ro.close()


def _assert_same_as_events_read_only(settings: Any, store: Any) -> None:
    from cxjourney.analytics import fast
    from cxjourney.analytics.params import Scope

    ctx = _ctx(settings, store, rollups=True)
    assert not fast.usable(ctx, Scope())  # stale and read-only: not used
    from cxjourney.query import run_query

    a = run_query(ctx, "paths", {"top": 5})
    b = run_query(_ctx(settings, store, rollups=False), "paths", {"top": 5})
    assert a.rows == b.rows and a.meta["total"] == b.meta["total"]


def test_a_full_build_under_a_small_memory_limit_raises_it_for_the_build_and_restores_it(ws: tuple[Any, Any]) -> None:
    from cxjourney.analytics import rollups

    settings, store = ws
    store.con.execute("SET memory_limit = '100MB'")
    before = store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    seen: list[str] = []
    orig = rollups._refresh_in

    def spy(cur: Any, *a: Any, **kw: Any) -> Any:
        seen.append(cur.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])
        return orig(cur, *a, **kw)

    rollups._refresh_in = spy  # type: ignore[assignment]
    try:
        assert rollups.refresh(store, settings, _ctx(settings, store, rollups=True).workspace.journeys()).mode == "full"
    finally:
        rollups._refresh_in = orig  # type: ignore[assignment]
    assert seen and seen[0] != before  # raised during the build (rollup_build_memory_mb)
    after = store.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0]
    assert abs(rollups._to_mb(after) - rollups._to_mb(before)) < 0.5  # type: ignore[operator]  # (shown rounded)


def test_an_incremental_refresh_in_many_chunks_equals_the_answer_from_the_events(ws: tuple[Any, Any],
                                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """After heavy ingestion a refresh touches most persons' whole histories: it computes them in chunks of about
    CHUNK_EVENTS events (so it fits the server's memory limit), with the same result as one pass."""
    from cxjourney.analytics import rollups

    settings, store = ws
    journeys = _ctx(settings, store, rollups=True).workspace.journeys()
    rollups.refresh(store, settings, journeys)
    persons = [r[0] for r in store.con.execute("SELECT DISTINCT person_id FROM events ORDER BY 1 LIMIT 40").fetchall()]
    _write(store, [{"type": "track", "userId": p, "event": "Product Viewed", "timestamp": "2024-02-02T10:00:00Z",
                    "messageId": f"chunk-{p}"} for p in persons])
    monkeypatch.setattr(rollups, "CHUNK_EVENTS", 200)
    n_events = store.con.execute("SELECT count(*) FROM events WHERE person_id IN (SELECT unnest(?))", [persons]).fetchall()[0][0]
    rep = rollups.refresh(store, settings, journeys)
    assert rep.mode == "incremental" and rep.touched == 40
    assert rep.chunks >= min(40, n_events // 200) >= 3
    _assert_same_as_events(settings, store)
