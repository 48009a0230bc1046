"""The persons table follows the committed events: in the server the activity spans (and rows of new persons)
are applied for many commits at once, yet a reader never sees them behind the events, a restart after a
crash carries on where the last application stopped, and an identify that repeats known traits rewrites
nothing."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

from cxjourney.config import load_settings
from cxjourney.ingest import EventWriter, normalize
from cxjourney.ingest.batch import batch_from_rows
from cxjourney.ingest.persons import stored_span_seq
from cxjourney.query import run_query
from cxjourney.query.registry import QueryContext
from cxjourney.storage import connect, memory_store
from cxjourney.storage.version import data_version

NOW = datetime(2026, 3, 1, 12, 0)


def _rows(*msgs: dict[str, Any]) -> list[dict[str, Any]]:
    rows = [normalize(m, i, received_at=NOW) for i, m in enumerate(msgs)]
    assert all(isinstance(r, dict) for r in rows), rows
    return rows  # type: ignore[return-value]


def _track(uid: str, mid: str, ts: str) -> dict[str, Any]:
    return {"type": "track", "userId": uid, "event": "Product Viewed", "messageId": mid, "timestamp": ts}


def _persons(store: Any) -> dict[str, tuple[Any, ...]]:
    rows = store.con.execute("SELECT person_id, first_seen, last_seen, email FROM persons").fetchall()
    return {r[0]: tuple(r[1:]) for r in rows}


def test_server_commits_defer_the_spans_but_every_read_sees_them(tmp_path: Path) -> None:
    st = memory_store()
    w = EventWriter(st, span_interval_s=3600)  # never on its own during this test
    w.start()
    try:
        w.submit(batch_from_rows(_rows(_track("a", "1", "2026-02-01T10:00:00Z"), _track("b", "2", "2026-02-03T10:00:00Z")))).result(10)
        w.submit(batch_from_rows(_rows(_track("a", "3", "2026-02-05T10:00:00Z")))).result(10)
        assert _persons(st) == {}  # deferred: not applied by the commits themselves
        # A query applies them first (run_query calls store.sync_for_read).
        ctx = QueryContext(st, load_settings(tmp_path), NOW)
        assert run_query(ctx, "store_summary", {}).rows[0]["persons"] == 2
        assert _persons(st) == {"a": (datetime(2026, 2, 1, 10), datetime(2026, 2, 5, 10), None),
                                "b": (datetime(2026, 2, 3, 10), datetime(2026, 2, 3, 10), None)}
        assert stored_span_seq(st.con) == 3
        # So does the dashboard's data version; an earlier event widens first_seen.
        w.submit(batch_from_rows(_rows(_track("b", "4", "2026-01-20T08:00:00Z")))).result(10)
        before = dict((t, (n, v)) for t, n, v in data_version(st))["persons"]
        assert _persons(st)["b"][0] == datetime(2026, 1, 20, 8)
        assert before[0] == 2
    finally:
        w.stop()


def test_a_restart_applies_the_spans_a_crash_left_pending(tmp_path: Path) -> None:
    from cxjourney.workspace import init_workspace

    init_workspace(tmp_path / "ws")
    settings = load_settings(tmp_path / "ws")
    st = connect(settings)
    w = EventWriter(st, span_interval_s=3600)
    w.start()
    w.submit(batch_from_rows(_rows(_track("a", "1", "2026-02-01T10:00:00Z")))).result(10)
    w.submit(batch_from_rows(_rows(_track("c", "2", "2026-02-02T10:00:00Z")))).result(10)
    # The process dies here: the events are committed, their spans are not (no stop(), no read).
    w._queue.put(None)
    w._thread.join(10)  # type: ignore[union-attr]
    assert _persons(st) == {} and (stored_span_seq(st.con) or 0) == 0
    st.close()
    st = connect(settings)
    w2 = EventWriter(st)
    assert w2.span_seq == 0
    w2.write(_rows(_track("a", "3", "2026-02-04T10:00:00Z")))  # the next commit carries the pending ones along
    assert _persons(st) == {"a": (datetime(2026, 2, 1, 10), datetime(2026, 2, 4, 10), None),
                            "c": (datetime(2026, 2, 2, 10), datetime(2026, 2, 2, 10), None)}
    assert stored_span_seq(st.con) == 3
    st.close()


def test_an_identify_repeating_known_traits_rewrites_nothing_and_an_erasure_is_not_undone() -> None:
    from cxjourney.ingest.erase import erase_person

    st = memory_store()
    w = EventWriter(st)
    ident = {"type": "identify", "userId": "u1", "traits": {"email": "u1@example.com", "plan": "free"},
             "timestamp": "2026-02-01T10:00:00Z"}
    w.write(_rows({**ident, "messageId": "i1"}))
    stamp = st.con.execute("SELECT updated_at, traits FROM persons WHERE person_id = 'u1'").fetchall()[0]
    w.write(_rows({**ident, "messageId": "i2"}))  # the same traits again, at the same time: nothing changes
    assert st.con.execute("SELECT updated_at, traits FROM persons WHERE person_id = 'u1'").fetchall()[0] == stamp
    w.write(_rows({**ident, "messageId": "i3", "traits": {"plan": "pro"}}))
    traits = st.con.execute("SELECT traits FROM persons WHERE person_id = 'u1'").fetchall()[0][0]
    assert '"plan":"pro"' in traits.replace(" ", "") and "u1@example.com" in traits
    erase_person(st, "u1", writer=w)
    assert _persons(st) == {}
    # The writer forgot what it knew of u1: the same identify after the erasure makes the row again.
    w.write(_rows({**ident, "messageId": "i4"}))
    assert _persons(st)["u1"][2] == "u1@example.com"
