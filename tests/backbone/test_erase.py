"""GDPR erasure: everything about a person goes, under every stitched id; nobody else loses anything."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

import httpx

from .conftest import ServerProcess, assert_error_shape, run_cli

BATCH = [
    {"type": "page", "anonymousId": "anon-1", "name": "Home", "messageId": "e1", "timestamp": "2026-03-01T10:00:00Z"},
    {"type": "identify", "userId": "user-1", "anonymousId": "anon-1", "traits": {"email": "Ala@Example.com"},
     "messageId": "e2", "timestamp": "2026-03-01T10:01:00Z"},
    {"type": "track", "userId": "user-1", "event": "Order Completed", "properties": {"order_id": "o1", "revenue": 80},
     "messageId": "e3", "timestamp": "2026-03-01T10:02:00Z"},
    {"type": "alias", "previousId": "crm-77", "userId": "user-1", "messageId": "e4", "timestamp": "2026-03-01T10:03:00Z"},
    {"type": "track", "userId": "user-2", "event": "Order Completed", "properties": {"order_id": "o2", "revenue": 20},
     "messageId": "e5", "timestamp": "2026-03-01T11:00:00Z"},
]


def _answers(store_path: Path) -> None:
    from cxjourney.config import load_settings
    from cxjourney.ingest.responses import store_responses
    from cxjourney.ingest.writer import EventWriter
    from cxjourney.storage import connect

    with connect(load_settings(store_path)) as st:
        answers = [
            {"response_id": f"r-{who}", "question_id": "nps", "survey_id": "post-purchase", "kind": "nps", "score": s,
             "comment": f"comment of {who}", "user_id": who, "touchpoint": "checkout", "journey": "online-store",
             "stage": "purchase", "channel": "web", "language": "en", "timestamp": datetime(2026, 3, 2)}
            for who, s in (("user-1", 3), ("user-2", 9))
        ]
        store_responses(st, EventWriter(st), answers, received_at=datetime(2026, 3, 2), source="test")
        st.con.execute("INSERT INTO comment_analysis (response_id, question_id, sentiment) VALUES ('r-user-1', 'nps', -0.8), ('r-user-2', 'nps', 0.9)")


def _count(ws: Path, sql: str) -> int:
    from cxjourney.config import load_settings
    from cxjourney.storage import connect

    with connect(load_settings(ws), read_only=True) as st:
        return int(st.con.execute(sql).fetchall()[0][0])


def test_erase_through_the_server_removes_every_trace_under_any_id_and_keeps_others(workspace: Path) -> None:
    from .conftest import start_server_process

    _answers(workspace)
    sp: ServerProcess = start_server_process(workspace)
    try:
        httpx.post(sp.url + "/v1/batch", auth=(sp.write_key, ""), json={"batch": BATCH}).raise_for_status()
        ws = str(workspace)
        dry = run_cli("erase", "ala@example.com", "--dry-run", "--json", "-w", ws)
        assert dry.returncode == 0, dry.stderr
        plan = json.loads(dry.stdout)
        assert plan["person_id"] == "user-1" and set(plan["ids"]) == {"user-1", "anon-1", "crm-77"}
        assert plan["removed"]["events"] == 5  # the 4 sent under its ids + its answer's "Survey Responded" event
        assert plan["removed"]["responses"] == 1 and plan["removed"]["comment_analysis"] == 1 and plan["removed"]["persons"] == 1
        done = run_cli("erase", "crm-77", "--yes", "--json", "-w", ws)  # any stitched id finds the person
        assert done.returncode == 0, done.stderr
        assert json.loads(done.stdout)["removed"] == plan["removed"]
        again = run_cli("erase", "user-1", "--yes", "-w", ws)
        assert again.returncode == 2 and "user-1" in again.stderr and "Traceback" not in again.stderr
        # a new visit under an erased anonymous id starts an empty person
        httpx.post(sp.url + "/v1/track", auth=(sp.write_key, ""), json={
            "anonymousId": "anon-1", "event": "Product Viewed", "messageId": "e6", "timestamp": "2026-03-05T10:00:00Z"}).raise_for_status()
        hist = run_cli("events", "--person", "anon-1", "--json", "-w", ws)
        assert [r["message_id"] for r in json.loads(hist.stdout)["rows"]] == ["e6"]
        r = httpx.delete(sp.url + "/api/v1/admin/persons/nobody", headers={"Authorization": f"Bearer {_token(workspace)}"})
        assert_error_shape(r.json(), 404)
    finally:
        sp.stop()
    ids = "('user-1', 'anon-1', 'crm-77')"
    assert _count(workspace, f"SELECT count(*) FROM events WHERE (person_id IN {ids} OR user_id IN {ids} OR message_id IN ('e1','e2','e3','e4')) AND message_id <> 'e6'") == 0
    assert _count(workspace, "SELECT count(*) FROM responses WHERE person_id = 'user-1'") == 0
    assert _count(workspace, "SELECT count(*) FROM comment_analysis WHERE response_id = 'r-user-1'") == 0
    assert _count(workspace, "SELECT count(*) FROM persons WHERE person_id = 'user-1' OR email ILIKE 'ala@%'") == 0
    assert _count(workspace, "SELECT count(*) FROM identities WHERE id IN ('user-1', 'crm-77') OR person_id = 'user-1'") == 0
    # the other customer keeps everything
    assert _count(workspace, "SELECT count(*) FROM events WHERE person_id = 'user-2'") == 2
    assert _count(workspace, "SELECT count(*) FROM responses WHERE person_id = 'user-2'") == 1
    assert _count(workspace, "SELECT count(*) FROM comment_analysis WHERE response_id = 'r-user-2'") == 1


def _token(ws: Path) -> str:
    from cxjourney.config import load_settings
    from cxjourney.workspace import Workspace

    tok = Workspace(load_settings(ws)).cli_token()
    assert tok
    return tok


def test_erase_locally_without_yes_asks_and_a_no_keeps_everything(workspace: Path) -> None:
    _answers(workspace)
    out = run_cli("erase", "user-2", "-w", str(workspace))  # stdin is empty: the confirmation is answered "no"
    assert out.returncode == 1
    assert _count(workspace, "SELECT count(*) FROM responses WHERE person_id = 'user-2'") == 1
    out = run_cli("erase", "user-2", "--yes", "-w", str(workspace))
    assert out.returncode == 0, out.stderr
    assert "removed" in out.stdout and "responses" in out.stdout
    assert _count(workspace, "SELECT count(*) FROM responses WHERE person_id = 'user-2'") == 0
