"""The server keeps the rollups up to date as events arrive, and the CLI builds and reports them."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from tests.conftest import start_server


def _batch(person: str, events: list[str], day: int) -> dict[str, Any]:
    return {"batch": [{"type": "track", "userId": person, "event": e, "messageId": f"{person}-{day}-{i}",
                       "timestamp": f"2026-03-{day:02d}T10:{i:02d}:00Z"} for i, e in enumerate(events)]}


def _wait_fresh(c: Any, deadline_s: float = 20) -> dict[str, Any]:
    end = time.time() + deadline_s
    while True:
        st = c.get("/api/v1/admin/rollups").json()
        if st["fresh"]:
            return st
        if time.time() > end:
            raise AssertionError(f"rollups not refreshed in {deadline_s} s: {st}")
        time.sleep(0.2)


_APPS: list[Any] = []  # the app of each server started here (the last is the running one)


@contextmanager
def _server(workspace: Path, **settings: Any) -> Iterator[tuple[Any, Any]]:
    """The real server on loopback: (a client with the write key, a client with an admin token)."""
    server, th, live = start_server(workspace, **settings)
    _APPS.append(live.app)
    try:
        w = live.client()
        w.auth = (live.write_key, "")
        yield w, live.client(live.admin_token)
    finally:
        server.should_exit = True
        th.join(timeout=30)


def test_the_server_refreshes_the_rollups_as_events_arrive_and_queries_read_them(workspace: Path) -> None:
    with _server(workspace, rollup_refresh_seconds=0.5, rollup_inline_events=0) as (w, a):
        assert w.post("/v1/batch", json=_batch("u1", ["Product Viewed", "Product Added"], 2)).status_code == 200
        assert w.post("/v1/batch", json=_batch("u2", ["Product Viewed"], 3)).status_code == 200
        st = _wait_fresh(a)
        assert st["state"]["n_events"] == 3
        paths = a.get("/api/v1/query/paths", params={"top": 5}).json()
        assert paths["meta"]["total"] == 2
        funnel = a.get("/api/v1/query/funnel", params={"steps": "Product Viewed,Product Added", "window": "7d"}).json()
        assert [r["reached"] for r in funnel["rows"]] == [2, 1]
        # u2 comes back: only u2 is recomputed, and the answers follow.
        assert w.post("/v1/batch", json=_batch("u2", ["Product Added"], 4)).status_code == 200
        st = _wait_fresh(a)
        assert st["state"]["n_events"] == 4 and st["state"]["touched"] == 1
        funnel = a.get("/api/v1/query/funnel", params={"steps": "Product Viewed,Product Added", "window": "7d"}).json()
        assert [r["reached"] for r in funnel["rows"]] == [2, 2]
        out = a.post("/api/v1/admin/rollups/refresh").json()
        assert out["mode"] == "none"  # nothing new since the job's last run
        assert a.post("/api/v1/admin/rollups/refresh", params={"full": "true"}).json()["mode"] == "full"


def test_the_cli_builds_and_reports_the_rollups(workspace: Path) -> None:
    from typer.testing import CliRunner

    from cxjourney.cli.main import build
    from cxjourney.config import load_settings
    from cxjourney.ingest import EventWriter, normalize
    from cxjourney.storage import connect

    with connect(load_settings(workspace)) as st:
        rows = [normalize({"type": "page", "userId": f"p{i}", "name": "Home", "messageId": f"m{i}"}, i,
                          received_at=datetime(2026, 3, 1)) for i in range(5)]
        EventWriter(st).write(rows)  # type: ignore[arg-type]
    run = CliRunner()
    r = run.invoke(build(), ["rollups", "status", "-w", str(workspace)])
    assert r.exit_code == 0 and "no rollups yet" in r.output
    r = run.invoke(build(), ["rollups", "refresh", "-w", str(workspace), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["mode"] == "full"
    r = run.invoke(build(), ["rollups", "status", "-w", str(workspace), "--json"])
    out = json.loads(r.output)
    assert out["fresh"] is True and out["state"]["n_events"] == 5 and out["state"]["n_persons"] == 5


def test_between_refreshes_the_server_answers_from_the_last_refresh_and_says_how_many_events_are_newer(workspace: Path) -> None:
    with _server(workspace, rollup_refresh_seconds=3600, rollup_max_lag_seconds=600) as (w, a):
        assert w.post("/v1/batch", json=_batch("u1", ["Product Viewed"], 2)).status_code == 200
        assert a.post("/api/v1/admin/rollups/refresh").json()["mode"] in ("incremental", "full")
        assert w.post("/v1/batch", json=_batch("u2", ["Product Viewed"], 3)).status_code == 200
        paths = a.get("/api/v1/query/paths", params={"top": 5}).json()
        assert paths["meta"]["total"] == 1  # as of the last refresh ...
        assert paths["meta"]["rollups"]["events_since"] == 1  # ... and the answer says one event is newer
        a.post("/api/v1/admin/rollups/refresh")
        paths = a.get("/api/v1/query/paths", params={"top": 5}).json()
        assert paths["meta"]["total"] == 2 and paths["meta"]["rollups"]["events_since"] == 0
        # A query the rollups do not cover says nothing about them.
        assert "rollups" not in a.get("/api/v1/query/paths", params={"top": 5, "per_session": "true"}).json()["meta"]


def test_a_dashboard_answer_from_lagging_rollups_is_reused_only_until_the_next_refresh(workspace: Path) -> None:
    with _server(workspace, rollup_refresh_seconds=3600, rollup_max_lag_seconds=600) as (w, a):

        def total() -> tuple[int, int]:
            r = a.get("/dashboard/paths.json", params={"label": "event"})
            assert r.status_code == 200, r.text
            panel = r.json()["paths"]
            return panel["meta"]["total"], panel["meta"].get("rollups", {}).get("events_since", -1)

        assert w.post("/v1/batch", json=_batch("u1", ["Product Viewed"], 2)).status_code == 200
        a.post("/api/v1/admin/rollups/refresh")
        assert total() == (1, 0)
        assert total() == (1, 0)  # exact: served from the cache
        assert w.post("/v1/batch", json=_batch("u2", ["Product Viewed"], 3)).status_code == 200
        assert total() == (1, 1)  # as of the last refresh, and says one event is newer
        a.post("/api/v1/admin/rollups/refresh")  # no new event: only the rollups' state moves ...
        assert total() == (2, 0)  # ... and the next load shows the refreshed figure


def test_under_sustained_ingestion_the_job_defers_refreshing_until_half_the_accepted_lag(workspace: Path) -> None:
    import time as _time

    from cxjourney.api.rollups_job import refresh_job

    with _server(workspace, rollup_refresh_seconds=3600, rollup_max_lag_seconds=4) as (w, a):
        assert w.post("/v1/batch", json=_batch("u1", ["Product Viewed"], 2)).status_code == 200
        assert a.post("/api/v1/admin/rollups/refresh").json()["mode"] in ("incremental", "full", "none")  # the startup run may have done it
        assert w.post("/v1/batch", json=_batch("u2", ["Product Viewed"], 3)).status_code == 200
        server_app = _APPS[-1]
        # The last refresh took 0.9 s: deferred until 4 x 0.9 = 3.6 s have passed (more than half the lag).
        server_app.state.store.con.execute("UPDATE rx_state SET seconds = 0.9")
        assert refresh_job(server_app)["mode"] == "deferred"
        _time.sleep(2.1)
        assert w.post("/v1/batch", json=_batch("u2b", ["Product Viewed"], 3)).status_code == 200
        assert refresh_job(server_app)["mode"] == "deferred"  # 2.1 s: past half the lag, not past 3.6 s
        # A refresh that took 2 s: the job waits 8 s, past the 4 s the queries accept (they compute from the events
        # meanwhile): collecting events comes first.
        utc_now = datetime.now(UTC).replace(tzinfo=None)
        server_app.state.store.con.execute("UPDATE rx_state SET seconds = 2, refreshed_at = ?", [utc_now - timedelta(seconds=5)])
        assert w.post("/v1/batch", json=_batch("u2c", ["Product Viewed"], 3)).status_code == 200
        assert refresh_job(server_app)["mode"] == "deferred"
        server_app.state.store.con.execute("UPDATE rx_state SET seconds = 0.01, refreshed_at = ?", [datetime.now(UTC).replace(tzinfo=None)])
        assert refresh_job(server_app)["mode"] == "deferred"  # a commit just now, rollups younger than 2 s
        _time.sleep(2.1)
        assert w.post("/v1/batch", json=_batch("u3", ["Product Viewed"], 4)).status_code == 200
        assert refresh_job(server_app)["mode"] == "incremental"  # still busy, but half the lag has passed
        assert a.get("/api/v1/admin/rollups").json()["fresh"] is True
        assert w.post("/v1/batch", json=_batch("u4", ["Product Viewed"], 5)).status_code == 200
        _time.sleep(1.1)  # the writer idle again: no reason to wait
        assert refresh_job(server_app)["mode"] == "incremental"
