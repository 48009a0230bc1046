"""The CLI (locally and through the running server), the API routes with their roles, and the server's
periodic check delivering to a real webhook."""

from __future__ import annotations

import json
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from tests.alerts.conftest import NOW
from tests.alerts.conftest import build as build_data
from tests.conftest import start_server
from typer.testing import CliRunner

from cxjourney.cli.main import build


def cli(*args: str) -> Any:
    return CliRunner().invoke(build(), ["alerts", *args])


def _fill(ws: Path, now: datetime = NOW) -> None:
    from cxjourney.config import load_settings
    from cxjourney.storage import connect

    with connect(load_settings(ws)) as st:
        build_data(st.con, now)


def test_cli_checks_lists_and_follows_up_locally(workspace: Path) -> None:
    _fill(workspace)
    ws = str(workspace)
    res = cli("check", "--as-of", NOW.isoformat(), "-w", ws, "--json")
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["created"] == {"score_drop": 1, "detractor": 2} and out["current_window"] == "2026-06-24..2026-06-30"
    res = cli("check", "--as-of", NOW.isoformat(), "-w", ws)
    assert res.exit_code == 0 and "0 new drop alert(s) (1 found), 0 new detractor case(s) (2 found)" in res.stdout
    listed = json.loads(cli("list", "--kind", "detractor", "-w", ws, "--json").stdout)
    case = listed["rows"][0]["alert_id"]
    res = cli("update", str(case), "--status", "contacted", "--assignee", "ania", "--note", "called", "-w", ws)
    assert res.exit_code == 0 and f"alert {case} is contacted, assigned to ania" in res.stdout
    loop = json.loads(cli("closed-loop", "-w", ws, "--json").stdout)
    fu = next(r for r in loop["rows"] if r["metric"] == "followed_up")
    assert (fu["k"], fu["n"]) == (1, 2)
    # User mistakes: a clear message and exit 2, no traceback.
    bad = cli("update", str(case), "--status", "closed", "-w", ws)
    assert bad.exit_code == 2 and "--status must be one of" in bad.output
    missing = cli("update", "9999", "--status", "contacted", "-w", ws)
    assert missing.exit_code == 2 and "no alert 9999" in missing.output


def test_api_routes_follow_roles_and_name_errors(workspace: Path) -> None:
    _fill(workspace)
    server, th, live = start_server(workspace)
    try:
        with live.client(live.admin_token) as admin:
            agent_token = admin.post("/api/v1/admin/keys", json={"kind": "token", "role": "agent", "name": "agent"}).json()["secret"]
            r = admin.post("/api/v1/alerts/check", json={"as_of": NOW.isoformat()})
            assert r.status_code == 200 and r.json()["created"] == {"score_drop": 1, "detractor": 2}
        with live.client(agent_token) as agent:
            assert agent.post("/api/v1/alerts/check", json={}).status_code == 403
            rows = agent.get("/api/v1/alerts", params={"kind": "detractor"}).json()["rows"]
            assert len(rows) == 2 and rows[0]["alert_id"] > rows[1]["alert_id"]
            r = agent.patch(f"/api/v1/alerts/{rows[0]['alert_id']}", json={"status": "resolved"})
            assert r.status_code == 400 and r.json()["ok"] is False and r.json()["errors"][0]["field"] == "status"
            r = agent.patch(f"/api/v1/alerts/{rows[0]['alert_id']}", json={"status": "contacted", "note": "called"})
            assert r.status_code == 200 and r.json()["alert"]["status"] == "contacted" and r.json()["alert"]["contacted_at"]
            assert agent.patch("/api/v1/alerts/9999", json={"status": "contacted"}).status_code == 404
            assert agent.get("/api/v1/alerts").status_code == 200
    finally:
        server.should_exit = True
        th.join(timeout=30)


def test_the_cli_goes_through_the_server_that_holds_the_workspace(workspace: Path) -> None:
    from tests.backbone.conftest import start_server_process

    _fill(workspace)
    sp = start_server_process(workspace)  # another process owns the file, as in real use
    try:
        ws = str(workspace)
        res = cli("check", "--as-of", NOW.isoformat(), "-w", ws, "--json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["created"] == {"score_drop": 1, "detractor": 2}
        listed = json.loads(cli("list", "--kind", "detractor", "-w", ws, "--json").stdout)
        case = listed["rows"][0]["alert_id"]
        res = cli("update", str(case), "--status", "contacted", "--note", "called", "-w", ws, "--json")
        assert res.exit_code == 0, res.output
        assert json.loads(res.stdout)["status"] == "contacted"
        bad = cli("update", str(case), "--status", "open", "-w", ws)
        assert bad.exit_code == 2 and "cannot go from contacted to open" in bad.output
        loop = json.loads(cli("closed-loop", "--by", "touchpoint", "-w", ws, "--json").stdout)
        assert loop["meta"]["by_status"] == {"open": 1, "contacted": 1}
        assert [r["touchpoint"] for r in loop["rows"] if r["metric"] == "followed_up"] == ["support"]
    finally:
        sp.stop()


@pytest.mark.timeout(120)
def test_the_server_checks_periodically_and_delivers(workspace: Path, receiver: Any) -> None:
    _fill(workspace, datetime.now(UTC).replace(tzinfo=None))
    server, th, live = start_server(workspace, alert_interval_minutes=0.01, alert_webhooks=[receiver.url])
    try:
        deadline = time.time() + 60
        while len(receiver.bodies) < 3 and time.time() < deadline:
            time.sleep(0.1)
        assert sorted(b["alert"]["kind"] for b in receiver.bodies) == ["detractor", "detractor", "score_drop"]
        time.sleep(1.5)  # further runs create and send nothing twice
        assert len(receiver.bodies) == 3
        with live.client(live.admin_token) as admin:
            rows = admin.get("/api/v1/alerts").json()["rows"]
        assert len(rows) == 3 and all(r["delivered_at"] for r in rows)
    finally:
        server.should_exit = True
        th.join(timeout=30)
