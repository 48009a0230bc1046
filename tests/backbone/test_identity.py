"""Identity stitching: anonymous ids join the user on identify, alias merges people, traits land on the
person, and one person's whole history is readable under any of their ids."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import httpx

from cxjourney.ingest import EventWriter, normalize
from cxjourney.storage import memory_store

NOW = datetime(2026, 3, 1, 12, 0)


def _write(writer: EventWriter, *msgs: dict[str, Any]) -> None:
    rows = [normalize(m, i, received_at=NOW) for i, m in enumerate(msgs)]
    assert all(isinstance(r, dict) for r in rows), rows
    writer.write(rows)  # type: ignore[arg-type]


def _people(store: Any) -> dict[str, list[str]]:
    rows = store.con.execute("SELECT person_id, message_id FROM events ORDER BY timestamp, seq").fetchall()
    out: dict[str, list[str]] = {}
    for pid, mid in rows:
        out.setdefault(pid, []).append(mid)
    return out


def test_identify_moves_the_anonymous_history_to_the_user() -> None:
    st = memory_store()
    w = EventWriter(st)
    _write(w, {"type": "page", "anonymousId": "anon-1", "messageId": "p1", "timestamp": "2026-02-01T10:00:00Z"},
           {"type": "track", "anonymousId": "anon-1", "event": "Product Viewed", "messageId": "t1", "timestamp": "2026-02-01T10:01:00Z"})
    _write(w, {"type": "identify", "userId": "user-1", "anonymousId": "anon-1", "messageId": "i1",
               "traits": {"email": "ann@example.com", "plan": "free"}, "timestamp": "2026-02-01T10:02:00Z"})
    # later events under the anonymous id alone still belong to the user
    _write(w, {"type": "track", "anonymousId": "anon-1", "event": "Checkout Started", "messageId": "t2", "timestamp": "2026-02-01T10:03:00Z"})
    assert _people(st) == {"user-1": ["p1", "t1", "i1", "t2"]}
    assert dict(st.con.execute("SELECT id, person_id FROM identities").fetchall()) == {"anon-1": "user-1", "user-1": "user-1"}


def test_alias_merges_two_people_and_their_traits() -> None:
    st = memory_store()
    w = EventWriter(st)
    _write(w, {"type": "identify", "userId": "crm-7", "traits": {"email": "old@example.com", "tier": "gold"}, "messageId": "a",
               "timestamp": "2026-01-01T00:00:00Z"},
           {"type": "track", "anonymousId": "phone-1", "event": "App Opened", "messageId": "b", "timestamp": "2026-01-02T00:00:00Z"})
    _write(w, {"type": "identify", "userId": "web-7", "traits": {"email": "new@example.com"}, "messageId": "c",
               "timestamp": "2026-01-03T00:00:00Z"},
           {"type": "alias", "previousId": "crm-7", "userId": "web-7", "messageId": "d", "timestamp": "2026-01-04T00:00:00Z"},
           {"type": "alias", "previousId": "phone-1", "userId": "web-7", "messageId": "e", "timestamp": "2026-01-05T00:00:00Z"})
    assert _people(st) == {"web-7": ["a", "b", "c", "d", "e"]}
    persons = st.con.execute("SELECT person_id, email, traits, first_seen, last_seen FROM persons").fetchall()
    assert len(persons) == 1
    pid, email, traits, first, last = persons[0]
    import json

    # the person who stays keeps their own e-mail; traits only the merged person had are kept
    assert (pid, email) == ("web-7", "new@example.com")
    assert json.loads(traits) == {"email": "new@example.com", "tier": "gold"}
    assert (first, last) == (datetime(2026, 1, 1), datetime(2026, 1, 5))


def test_stitching_within_one_commit_and_after_a_restart_agree() -> None:
    msgs = [
        {"type": "track", "anonymousId": "x", "event": "A", "messageId": "1", "timestamp": "2026-01-01T00:00:00Z"},
        {"type": "identify", "userId": "U", "anonymousId": "x", "messageId": "2", "timestamp": "2026-01-01T00:01:00Z"},
        {"type": "track", "anonymousId": "y", "event": "B", "messageId": "3", "timestamp": "2026-01-01T00:02:00Z"},
        {"type": "alias", "previousId": "y", "userId": "U", "messageId": "4", "timestamp": "2026-01-01T00:03:00Z"},
    ]
    one = memory_store()
    _write(EventWriter(one), *msgs)
    two = memory_store()
    for m in msgs:  # a fresh writer each time: the identity map is rebuilt from the table
        _write(EventWriter(two), m)
    assert _people(one) == _people(two) == {"U": ["1", "2", "3", "4"]}


def test_an_anonymous_id_already_owned_by_another_user_is_not_stolen() -> None:
    st = memory_store()
    w = EventWriter(st)
    _write(w, {"type": "identify", "userId": "alice", "anonymousId": "shared-pc", "messageId": "1"})
    _write(w, {"type": "identify", "userId": "bob", "anonymousId": "shared-pc", "messageId": "2"})
    assert _people(st) == {"alice": ["1"], "bob": ["2"]}


def test_person_history_api_returns_the_stitched_history_in_order(live_server: Any) -> None:
    c = httpx.Client(base_url=live_server.url, auth=(live_server.write_key, ""))
    c.post("/v1/batch", json={"batch": [
        {"type": "page", "anonymousId": "web-anon", "name": "Home", "messageId": "h1", "timestamp": "2026-01-01T10:00:00Z"},
        {"type": "track", "anonymousId": "web-anon", "event": "Product Added", "messageId": "h2", "timestamp": "2026-01-01T10:05:00Z"},
        {"type": "identify", "userId": "cust-42", "anonymousId": "web-anon", "traits": {"email": "c42@example.com", "name": "Ola"},
         "messageId": "h3", "timestamp": "2026-01-01T10:06:00Z"},
        # same timestamp as h3: the tie is broken by arrival order
        {"type": "track", "userId": "cust-42", "event": "Order Completed", "properties": {"order_id": "o-1", "revenue": 99},
         "messageId": "h4", "timestamp": "2026-01-01T10:06:00Z"},
        {"type": "track", "anonymousId": "someone-else", "event": "Product Viewed", "messageId": "x1"},
    ]}).raise_for_status()
    r = live_server.client(live_server.admin_token)
    for any_id in ("web-anon", "cust-42", "c42@example.com"):
        body = r.get(f"/api/v1/persons/{any_id}/events").json()
        assert [e["message_id"] for e in body["rows"]] == ["h1", "h2", "h3", "h4"], any_id
        assert body["meta"]["person_id"] == "cust-42"
        assert sorted(body["meta"]["ids"]) == ["cust-42", "web-anon"]
        assert body["meta"]["person"]["traits"] == {"email": "c42@example.com", "name": "Ola"}
    missing = r.get("/api/v1/persons/nobody/events")
    assert missing.status_code == 404
    assert missing.json()["errors"][0]["field"] == "person"
