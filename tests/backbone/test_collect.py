"""The Segment HTTP Tracking API on a real server: every call type, auth, de-duplication, clock skew,
size limits, CORS, and rejections that name the event and the field while valid events are kept."""

from __future__ import annotations

import base64
import gzip
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest
from tests.backbone.conftest import assert_error_shape


def _stored(live: Any, where: str = "TRUE", params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    st = live.app.state.store
    with st.lock:
        return st.con.execute(
            f"SELECT message_id, type, event, name, user_id, anonymous_id, person_id, timestamp, properties "
            f"FROM events WHERE {where} ORDER BY seq", params or []
        ).fetchall()


@pytest.fixture
def collect(live_server: Any) -> httpx.Client:
    """A client that authenticates like the Segment SDKs: write key as the HTTP Basic username."""
    return httpx.Client(base_url=live_server.url, auth=(live_server.write_key, ""), timeout=30)


CALLS = {
    "track": {"userId": "u-1", "event": "Product Viewed", "properties": {"sku": "A1"}},
    "page": {"anonymousId": "anon-1", "name": "Home", "properties": {"url": "https://shop.example/?utm_campaign=x"}},
    "screen": {"userId": "u-1", "name": "Cart"},
    "identify": {"userId": "u-1", "anonymousId": "anon-1", "traits": {"email": "one@example.com"}},
    "alias": {"userId": "u-1", "previousId": "old-1"},
    "group": {"userId": "u-1", "groupId": "acme", "traits": {"plan": "pro"}},
}


@pytest.mark.parametrize("kind", list(CALLS))
def test_each_segment_call_type_is_stored_with_its_type(kind: str, live_server: Any, collect: httpx.Client) -> None:
    mid = f"mid-{kind}"
    r = collect.post(f"/v1/{kind}", json={**CALLS[kind], "messageId": mid})
    assert r.status_code == 200, r.text
    assert r.json()["ok"] is True and r.json()["accepted"] == 1
    rows = _stored(live_server, "message_id = ?", [mid])
    assert [(row[0], row[1]) for row in rows] == [(mid, kind)]


def test_batch_stores_mixed_types_and_answers_after_commit(live_server: Any, collect: httpx.Client) -> None:
    batch = [{**body, "type": kind, "messageId": f"b-{kind}"} for kind, body in CALLS.items()]
    r = collect.post("/v1/batch", json={"batch": batch})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == len(CALLS)
    # The answer came after the commit: the events are readable the moment the answer arrives.
    assert {row[0] for row in _stored(live_server, "message_id LIKE 'b-%'")} == {f"b-{k}" for k in CALLS}


def test_write_key_may_come_in_the_body_instead_of_basic_auth(live_server: Any) -> None:
    r = httpx.post(live_server.url + "/v1/track", json={"writeKey": live_server.write_key, "userId": "u", "event": "E",
                                                         "messageId": "wk-body"})
    assert r.status_code == 200, r.text
    r = httpx.post(live_server.url + "/v1/batch", json={"writeKey": live_server.write_key,
                                                         "batch": [{"type": "track", "userId": "u", "event": "E", "messageId": "wk-batch"}]})
    assert r.status_code == 200, r.text
    assert len(_stored(live_server, "message_id IN ('wk-body', 'wk-batch')")) == 2
    # writeKey is an auth field, not a property of the event
    assert b"writeKey" not in str(_stored(live_server, "message_id = 'wk-body'")).encode()


@pytest.mark.parametrize("auth", [None, ("wk_not_a_key", ""), "token"])
def test_missing_unknown_or_read_credentials_cannot_send_events(auth: Any, live_server: Any) -> None:
    if auth == "token":
        auth = (live_server.admin_token, "")  # a read token is not a write key
    r = httpx.post(live_server.url + "/v1/track", json={"userId": "u", "event": "E", "messageId": "nope"}, auth=auth)
    assert r.status_code == 401
    assert_error_shape(r.json(), 401)
    assert r.json()["errors"][0]["field"] == "writeKey"
    assert _stored(live_server, "message_id = 'nope'") == []


def test_same_message_id_is_stored_once_across_requests_and_within_a_batch(live_server: Any, collect: httpx.Client) -> None:
    ev = {"type": "track", "userId": "u", "event": "Order Completed", "messageId": "dup-1"}
    first = collect.post("/v1/batch", json={"batch": [ev, ev]}).json()
    again = collect.post("/v1/track", json=ev).json()
    assert (first["accepted"], first["duplicates"]) == (1, 1)
    assert (again["accepted"], again["duplicates"]) == (0, 1)
    assert len(_stored(live_server, "message_id = 'dup-1'")) == 1


def test_sent_at_corrects_a_device_clock_that_runs_fast(live_server: Any, collect: httpx.Client) -> None:
    # The device clock is 2 hours fast: it stamps the event 10:00 (device) and sends at 10:05 (device).
    # Segment's rule: timestamp = receivedAt - (sentAt - originalTimestamp), i.e. 5 minutes before arrival.
    dev_now = datetime.now(UTC) + timedelta(hours=2)
    ev = {"type": "track", "userId": "u", "event": "E", "messageId": "skew-1",
          "timestamp": (dev_now - timedelta(minutes=5)).isoformat()}
    before = datetime.now(UTC).replace(tzinfo=None)
    r = collect.post("/v1/batch", json={"batch": [ev], "sentAt": dev_now.isoformat()})
    after = datetime.now(UTC).replace(tzinfo=None)
    assert r.status_code == 200, r.text
    ts = _stored(live_server, "message_id = 'skew-1'")[0][7]
    assert before - timedelta(minutes=5, seconds=2) <= ts <= after - timedelta(minutes=5) + timedelta(seconds=2)


def test_timestamp_without_sent_at_is_kept_as_given(live_server: Any, collect: httpx.Client) -> None:
    r = collect.post("/v1/track", json={"userId": "u", "event": "E", "messageId": "ts-1", "timestamp": "2025-03-01T12:00:00+02:00"})
    assert r.status_code == 200
    assert _stored(live_server, "message_id = 'ts-1'")[0][7] == datetime(2025, 3, 1, 10, 0)


def test_invalid_events_are_rejected_by_index_and_field_while_valid_ones_are_kept(live_server: Any, collect: httpx.Client) -> None:
    batch = [
        {"type": "track", "userId": "u", "event": "Good 1", "messageId": "ok-1"},
        {"type": "track", "event": "No id", "messageId": "bad-noid"},                      # no userId/anonymousId
        {"type": "track", "userId": {"x": 1}, "event": "E", "messageId": "bad-type"},       # wrong type
        {"type": "track", "userId": "u", "event": "E", "timestamp": "yesterday-ish", "messageId": "bad-ts"},
        {"type": "track", "userId": "u", "messageId": "bad-noevent"},                       # track without event
        {"type": "track", "userId": "u", "event": "E", "properties": [1, 2], "messageId": "bad-props"},
        {"type": "bogus", "userId": "u", "messageId": "bad-kind"},
        "not an object",
        {"type": "track", "anonymousId": "a", "event": "Good 2", "messageId": "ok-2"},
    ]
    r = collect.post("/v1/batch", json={"batch": batch})
    assert r.status_code == 400
    body = r.json()
    assert_error_shape(body, 400)
    assert body["accepted"] == 2
    got = {(e["index"], e["field"]) for e in body["errors"]}
    assert got == {(1, "userId"), (2, "userId"), (3, "timestamp"), (4, "event"), (5, "properties"), (6, "type"), (7, "")}
    by_index = {e["index"]: e for e in body["errors"]}
    assert by_index[3]["value"] == "yesterday-ish" and by_index[3]["messageId"] == "bad-ts"
    assert all(e["message"] for e in body["errors"])
    assert [r[0] for r in _stored(live_server)] == ["ok-1", "ok-2"]


@pytest.mark.parametrize(
    ("path", "content", "field"),
    [
        ("/v1/track", b'{"userId": "u", "event": ', "body"),      # malformed JSON
        ("/v1/batch", b'{"batch": {"not": "a list"}}', "batch"),  # batch is not an array
        ("/v1/batch", b"[1, 2]", "batch"),
        ("/v1/track", b'{"userId": "u", "event": "E", "timestamp": 12.5e99}', "timestamp"),
        ("/v1/identify", b'{"traits": {"a": 1}}', "userId"),
        ("/v1/track", b'{"userId": "u", "event": "E", "sentAt": "whenever", "timestamp": "2025-01-01T00:00:00Z"}', "sentAt"),
        # epoch milliseconds of year 4052: out of range (was a 500 from the date arithmetic)
        ("/v1/track", b'{"userId": "u", "event": "E", "sentAt": 65725941601000.0, "timestamp": "2025-01-01T00:00:00Z"}', "sentAt"),
        ("/v1/batch", b'{"batch": [{"userId": "u", "type": "track", "event": "E", "timestamp": 1e15}]}', "timestamp"),
        ("/v1/alias", b'{"userId": "u"}', "previousId"),
        ("/v1/group", b'{"userId": "u"}', "groupId"),
        ("/v1/page", b'{"type": "track", "userId": "u", "event": "E"}', "type"),
    ],
)
def test_bad_input_gets_a_400_naming_the_field(path: str, content: bytes, field: str, live_server: Any, collect: httpx.Client) -> None:
    r = collect.post(path, content=content, headers={"Content-Type": "application/json"})
    assert r.status_code == 400, r.text
    body = r.json()
    assert_error_shape(body, 400)
    assert field in [e.get("field") for e in body["errors"]], body
    assert _stored(live_server) == []


def test_event_over_32_kb_is_413_and_batch_keeps_the_small_ones(live_server: Any, collect: httpx.Client) -> None:
    big = {"type": "track", "userId": "u", "event": "Big", "messageId": "big", "properties": {"blob": "x" * 33_000}}
    r = collect.post("/v1/track", json=big)
    assert r.status_code == 413
    assert_error_shape(r.json(), 413)
    small = {"type": "track", "userId": "u", "event": "Small", "messageId": "small"}
    r = collect.post("/v1/batch", json={"batch": [big, small]})
    assert r.status_code == 400
    assert r.json()["accepted"] == 1
    assert r.json()["errors"][0]["index"] == 0 and "32768" in r.json()["errors"][0]["message"]
    assert [row[0] for row in _stored(live_server)] == ["small"]


def test_oversized_event_amid_a_large_batch_is_named_with_its_exact_size(live_server: Any, collect: httpx.Client) -> None:
    small = [{"type": "track", "userId": f"u{i}", "event": "S", "messageId": f"s-{i}", "properties": {"pad": "y" * 500}}
             for i in range(200)]
    big = {"type": "track", "userId": "u", "event": "Big", "messageId": "big-mid", "properties": {"blob": "x" * 33_000}}
    edge = {"type": "track", "userId": "u", "event": "Edge", "messageId": "edge-mid", "properties": {"blob": ""}}
    edge["properties"]["blob"] = "x" * (32 * 1024 - len(orjson.dumps(edge)))  # exactly at the limit: accepted
    r = collect.post("/v1/batch", json={"batch": [*small[:117], big, *small[117:150], edge, *small[150:]]})
    assert r.status_code == 400
    assert r.json()["accepted"] == 201
    [err] = r.json()["errors"]
    assert err["index"] == 117 and err["message"].startswith(f"event is {len(orjson.dumps(big))} bytes")
    assert {row[0] for row in _stored(live_server)} == {m["messageId"] for m in [*small, edge]}


def test_event_just_under_32_kb_is_accepted(live_server: Any, collect: httpx.Client) -> None:
    ev = {"userId": "u", "event": "Edge", "messageId": "edge", "properties": {"blob": ""}}
    ev["properties"]["blob"] = "x" * (32 * 1024 - len(orjson.dumps({**ev, "type": "track"})) - 1)
    r = collect.post("/v1/track", json=ev)
    assert r.status_code == 200, r.text


def test_batch_over_500_kb_is_413_and_stores_nothing(live_server: Any, collect: httpx.Client) -> None:
    batch = [{"type": "track", "userId": "u", "event": "E", "messageId": f"m{i}", "properties": {"pad": "y" * 20_000}}
             for i in range(30)]  # each event is fine, the request is ~600 KB
    r = collect.post("/v1/batch", json={"batch": batch})
    assert r.status_code == 413
    assert_error_shape(r.json(), 413)
    assert r.json()["errors"][0]["field"] == "body" and "512000" in r.json()["error"]
    assert _stored(live_server) == []


def test_gzip_bodies_are_accepted_and_a_gzip_bomb_is_cut_at_the_limit(live_server: Any, collect: httpx.Client) -> None:
    body = orjson.dumps({"batch": [{"type": "track", "userId": "u", "event": "Zipped", "messageId": "gz-1"}]})
    r = collect.post("/v1/batch", content=gzip.compress(body), headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    bomb = gzip.compress(b'{"batch": [' + b" " * 5_000_000 + b"]}")
    r = collect.post("/v1/batch", content=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert r.status_code == 413
    assert [row[0] for row in _stored(live_server)] == ["gz-1"]


def test_browser_preflight_from_another_origin_is_allowed(live_server: Any) -> None:
    r = httpx.options(live_server.url + "/v1/batch", headers={
        "Origin": "https://shop.example",
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization,content-type",
    })
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://shop.example")
    assert "POST" in r.headers["access-control-allow-methods"]
    allowed = r.headers["access-control-allow-headers"].lower()
    assert "authorization" in allowed and "content-type" in allowed
    # and the actual cross-origin POST carries the CORS header too
    auth = "Basic " + base64.b64encode(f"{live_server.write_key}:".encode()).decode()
    r = httpx.post(live_server.url + "/v1/track", json={"userId": "u", "event": "E"},
                   headers={"Origin": "https://shop.example", "Authorization": auth})
    assert r.status_code == 200
    assert r.headers["access-control-allow-origin"] in ("*", "https://shop.example")


def test_healthz_answers_without_credentials(live_server: Any) -> None:
    r = httpx.get(live_server.url + "/healthz")
    assert r.status_code == 200
    body = r.json()
    assert body["ok"] is True and body["schema_version"] >= 1 and body["version"]


def test_channel_and_campaign_are_derived_from_context(live_server: Any, collect: httpx.Client) -> None:
    collect.post("/v1/page", json={"anonymousId": "a", "messageId": "utm", "properties": {"url": "https://s.example/?utm_campaign=spring"},
                                   "context": {"campaign": {"medium": "cpc"}}})
    st = live_server.app.state.store
    with st.lock:
        row = st.con.execute("SELECT channel, campaign, path FROM events WHERE message_id = 'utm'").fetchone()
    assert row == ("ads", "spring", "/")


def test_future_timestamps_more_than_a_day_ahead_are_rejected(live_server: Any, collect: httpx.Client) -> None:
    future = (datetime.now(UTC) + timedelta(days=3)).isoformat()
    r = collect.post("/v1/track", json={"userId": "u", "event": "E", "timestamp": future})
    assert r.status_code == 400
    assert r.json()["errors"][0]["field"] == "timestamp"


def test_concurrent_requests_are_all_committed(live_server: Any) -> None:
    from concurrent.futures import ThreadPoolExecutor

    def send(i: int) -> dict[str, Any]:
        with httpx.Client(base_url=live_server.url, auth=(live_server.write_key, "")) as c:
            return c.post("/v1/batch", json={"batch": [{"type": "track", "userId": f"u{i % 7}", "event": "E", "messageId": f"c{i}-{j}"}
                                                       for j in range(20)]}).json()

    with ThreadPoolExecutor(8) as pool:
        answers = list(pool.map(send, range(40)))
    assert sum(a["accepted"] for a in answers) == 800
    st = live_server.app.state.store
    with st.lock:
        assert st.con.execute("SELECT count(*), count(DISTINCT seq) FROM events").fetchone() == (800, 800)
