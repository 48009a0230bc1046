"""The fast path of /v1/batch (msgspec, raw properties/context, parsing worker processes) stores exactly what the
exact path stores, never accepts what the exact path rejects, and loses nothing when a worker dies."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from datetime import datetime
from typing import Any

import httpx
import orjson
import pyarrow as pa
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cxjourney.api.collect import _sizes
from cxjourney.api.parsers import ParserPool
from cxjourney.ingest.batch import BATCH_COLUMNS, batch_from_tuples
from cxjourney.ingest.fastpath import fast_batch
from cxjourney.ingest.normalize import Rejection, normalize_tuple

RECEIVED = datetime(2026, 11, 20, 12, 0, 0)
LIMIT = 32 * 1024


def _exact(raw: bytes) -> tuple[Any, list[Rejection]]:
    """What the exact path makes of a body: (EventBatch of the accepted events, rejections)."""
    body = orjson.loads(raw)
    msgs = body["batch"]
    sizes = _sizes(msgs, LIMIT, len(raw))
    rows, rejected = [], []
    for i, m in enumerate(msgs):
        r = normalize_tuple(m, i, received_at=RECEIVED, sent_at=body.get("sentAt"), max_bytes=LIMIT, raw_size=sizes[i])
        (rejected if isinstance(r, Rejection) else rows).append(r)
    return batch_from_tuples(rows), rejected


def _assert_same(fast: Any, exact: Any, msgs: list[Any]) -> None:
    ft, et = fast.table, exact.table
    assert ft.schema == et.schema
    assert ft.num_rows == et.num_rows == len(msgs)
    for col in BATCH_COLUMNS:
        a, b = ft.column(col).to_pylist(), et.column(col).to_pylist()
        if col in ("properties", "context"):  # stored as sent vs re-serialized: equal as JSON
            a, b = [orjson.loads(x) for x in a], [orjson.loads(x) for x in b]
        if col == "message_id":  # generated when absent (a new uuid on each path)
            a = [x if isinstance(m, dict) and m.get("messageId") else None for x, m in zip(a, msgs, strict=True)]
            b = [x if isinstance(m, dict) and m.get("messageId") else None for x, m in zip(b, msgs, strict=True)]
        assert a == b, col
    assert fast.previous_ids == exact.previous_ids
    assert fast.traits == exact.traits
    assert list(fast.types) == list(exact.types)
    assert list(fast.user_ids) == list(exact.user_ids) and list(fast.anonymous_ids) == list(exact.anonymous_ids)


VALID = [
    {"type": "track", "messageId": "t1", "userId": "u1", "event": " Order Completed ", "timestamp": "2026-11-20T10:00:00Z",
     "properties": {"revenue": "19.90", "currency": "PLN", "opis": "zażółć gęślą jaźń"}},
    {"type": "track", "messageId": "t2", "anonymousId": "a1", "event": "Checkout", "properties": {"total": 42},
     "context": {"campaign": {"name": "jesień", "medium": "Email"}}, "originalTimestamp": "2026-11-20T11:00:00+02:00"},
    {"type": "page", "messageId": "p1", "anonymousId": "a1", "name": "Home",
     "properties": {"url": "https://shop.example/x?utm_campaign=autumn&a=1", "referrer": "https://google.com/"},
     "timestamp": 1795000000000, "sentAt": "2026-11-20T11:59:00Z"},
    {"type": "page", "messageId": "p2", "anonymousId": "a2", "context": {"page": {"url": "https://s.example/p/1", "path": "/p/1"},
     "channel": "Social"}, "timestamp": "2026-11-20T09:00:00.123456"},
    {"type": "screen", "messageId": "s1", "userId": "u2", "name": "Cart", "properties": None, "context": None},
    {"type": "identify", "messageId": "i1", "userId": "u1", "anonymousId": "a1", "traits": {"email": "x@example.com"}},
    {"type": "identify", "messageId": "i2", "userId": "u3", "context": {"traits": {"plan": "pro"}}},
    {"type": "identify", "messageId": "i3", "userId": "u3", "traits": {}},
    {"type": "alias", "messageId": "al1", "userId": "u1", "previousId": "old-1", "properties": {"k": [1, 2, {"z": None}]}},
    {"type": "group", "messageId": "g1", "userId": "u1", "groupId": "acme", "traits": {"size": 10}},
    {"type": "track", "userId": "", "anonymousId": "a9", "event": "No id given", "timestamp": None, "integrations": {"All": True}},
    {"type": "track", "messageId": "t3", "userId": "u1", "event": "E", "properties": {"revenue": 12, "channel": "Ads"},
     "timestamp": "2026-11-20T10:00:00-05:00", "sentAt": None},
]

INVALID = [  # each is rejected by the exact path, so the fast path must leave the batch to it
    "not an object", {"type": "bogus", "userId": "u"}, {"type": "track", "event": "E"},
    {"type": "track", "userId": "u"}, {"type": "track", "userId": "u", "event": "   "},
    {"type": "track", "userId": "   ", "anonymousId": "a", "event": "E"},
    {"type": "track", "userId": "u", "event": "E", "properties": [1]}, {"type": "track", "userId": "u", "event": "E", "context": "x"},
    {"type": "track", "userId": "u", "event": "E", "traits": 5}, {"type": "track", "userId": "u", "event": "E", "timestamp": "yesterday"},
    {"type": "track", "userId": "u", "event": "E", "timestamp": "2030-01-01T00:00:00Z"},
    {"type": "track", "userId": "u", "event": "E", "sentAt": "nope", "timestamp": "2026-11-20T10:00:00Z"},
    {"type": "track", "userId": "u", "event": "E", "messageId": ""}, {"type": "track", "userId": "u", "event": "E", "messageId": 7},
    {"type": "page", "userId": "u", "name": 3}, {"type": "alias", "userId": "u"}, {"type": "alias", "previousId": "p", "anonymousId": "a"},
    {"type": "group", "userId": "u"}, {"type": "identify", "userId": "u", "context": {"traits": [1]}},
    {"type": "track", "userId": "u", "event": "E", "properties": {"big": "x" * (LIMIT + 10)}},
]


def test_valid_events_of_every_kind_take_the_fast_path_and_are_stored_as_the_exact_path_stores_them() -> None:
    raw = orjson.dumps({"batch": VALID, "sentAt": "2026-11-20T11:59:30Z"})
    fast = fast_batch(raw, received_at=RECEIVED, max_event_bytes=LIMIT)
    assert fast is not None
    exact, rejected = _exact(raw)
    assert rejected == []
    _assert_same(fast[0], exact, VALID)


@pytest.mark.parametrize("bad", INVALID, ids=range(len(INVALID)))
def test_one_invalid_event_sends_the_whole_batch_to_the_exact_path(bad: Any) -> None:
    raw = orjson.dumps({"batch": [VALID[0], bad, VALID[3]]})
    assert fast_batch(raw, received_at=RECEIVED, max_event_bytes=LIMIT) is None
    _, rejected = _exact(raw)
    assert [r.index for r in rejected] == [1]


def test_bodies_the_exact_path_cannot_read_are_left_to_it() -> None:
    for raw in (b"{", b"[]", b'{"batch": {}}', b'{"batch": []}', b'{"batch": [{"type": "track", "userId": "u", "event": "\xff"}]}',
                b'{"batch": [{"type": "track", "userId": "u", "event": "E", "properties": {"t": "\xff"}}]}',
                b'{"batch": [{"type": "track", "userId": "u", "event": "E", "properties": {"t": "\\ud800"}}]}'):
        assert fast_batch(raw, received_at=RECEIVED, max_event_bytes=LIMIT) is None, raw


_json_scalar = st.one_of(st.none(), st.booleans(), st.integers(-(2**53), 2**53), st.floats(allow_nan=False, allow_infinity=False),
                         st.sampled_from(["", " ", "x", "Email", "cpc", "https://a.example/p?utm_campaign=c", "12.5", "  id  "]))
_json = st.recursive(_json_scalar, lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
                     max_leaves=6)
_time = st.one_of(st.none(), st.sampled_from(["2026-11-20T10:00:00Z", "2026-11-20T10:00:00+01:00", "2026-11-20 10:00:00", "bad", "",
                                              "2026-11-22T10:00:00Z", "1969-01-01T00:00:00Z"]),
                  st.integers(0, 2_000_000_000_000), st.floats(0, 2e12, allow_nan=False), st.booleans())
_id = st.one_of(st.none(), st.sampled_from(["", " ", "u1", " a b ", "x" * 201]), st.integers(-5, 5), st.floats(allow_nan=False), st.booleans())
_props = st.one_of(st.none(), _json, st.fixed_dictionaries({}, optional={
    k: _json for k in ("url", "path", "referrer", "campaign", "channel", "revenue", "total", "title", "previous_id")}))
_page = st.one_of(_json, st.fixed_dictionaries({}, optional={k: _json for k in ("url", "path", "referrer")}))
_campaign = st.one_of(_json, st.fixed_dictionaries({}, optional={k: _json for k in ("name", "medium", "source")}))
_context = st.one_of(st.none(), _json, st.fixed_dictionaries({}, optional={
    "page": _page, "campaign": _campaign, "channel": _json, "traits": _json, "userAgent": st.just("UA")}))
_message = st.fixed_dictionaries({}, optional={
    "type": st.one_of(st.sampled_from(["track", "page", "screen", "identify", "alias", "group", "other"]), _json_scalar),
    "messageId": _id, "userId": _id, "anonymousId": _id, "event": _id, "name": _id, "timestamp": _time,
    "originalTimestamp": _time, "sentAt": _time, "properties": _props, "context": _context, "traits": st.one_of(_json, _props),
    "previousId": _id, "groupId": _id, "integrations": _json})


_good_id = st.sampled_from(["u1", "anon-2", " padded ", "Ż-3", "x" * 200])
_good_time = st.sampled_from(["2026-11-20T10:00:00Z", "2026-11-20T10:00:00.5+01:00", "2026-11-20 10:00:00", "2026-11-19T00:00:00-08:00",
                              1795000000, 1795000000000, 1795000000.25])


@st.composite
def _mostly_valid(draw: Any) -> dict[str, Any]:
    """A valid message of a random type, with optional fields, then perhaps one field set to any value at all."""
    kind = draw(st.sampled_from(["track", "page", "screen", "identify", "alias", "group"]))
    m: dict[str, Any] = {"type": kind}
    if draw(st.booleans()):
        m["messageId"] = draw(st.sampled_from(["m1", "m2", "m3", "é" * 50]))
    ids = draw(st.sampled_from(["user", "anon", "both"]))
    if ids != "anon" or kind == "alias":
        m["userId"] = draw(_good_id)
    if ids != "user":
        m["anonymousId"] = draw(_good_id)
    if kind == "track":
        m["event"] = draw(st.sampled_from(["Order Completed", " Viewed ", "Ł"]))
    if kind in ("page", "screen") and draw(st.booleans()):
        m["name"] = draw(st.one_of(st.none(), st.just("Home")))
    if kind == "alias":
        m["previousId"] = draw(_good_id)
    if kind == "group":
        m["groupId"] = draw(_good_id)
    for key in ("timestamp", "originalTimestamp", "sentAt"):
        if draw(st.booleans()):
            m[key] = draw(st.one_of(st.none(), _good_time))
    if draw(st.booleans()):
        m["properties"] = draw(st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            k: _json for k in ("url", "path", "referrer", "campaign", "channel", "revenue", "total", "title")})))
    if draw(st.booleans()):
        m["context"] = draw(st.one_of(st.none(), st.fixed_dictionaries({}, optional={
            "page": _page, "campaign": _campaign, "channel": _json, "userAgent": st.just("UA"),
            "traits": st.one_of(st.none(), st.dictionaries(st.text(max_size=4), _json_scalar, max_size=2))})))
    if kind in ("identify", "group") and draw(st.booleans()):
        m["traits"] = draw(st.one_of(st.none(), st.dictionaries(st.text(max_size=4), _json, max_size=3)))
    if draw(st.integers(0, 3)) == 0:  # one field with any value at all
        key = draw(st.sampled_from(sorted(set(m) | {"traits", "previousId", "groupId", "name", "event"})))
        m[key] = draw(st.one_of(_json, _id, _time))
    return m


def test_the_fast_path_never_accepts_what_the_exact_path_rejects_and_otherwise_stores_the_same() -> None:
    accepted: list[int] = []

    @settings(max_examples=int(os.environ.get("CXJ_FASTPATH_EXAMPLES", "600")), deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(msgs=st.lists(st.one_of(_mostly_valid(), _mostly_valid(), _mostly_valid(), _message, _json_scalar), min_size=1, max_size=4),
           sent=st.one_of(_good_time, _time))
    def check(msgs: list[Any], sent: Any) -> None:
        raw = orjson.dumps({"batch": msgs, "sentAt": sent})
        fast = fast_batch(raw, received_at=RECEIVED, max_event_bytes=LIMIT)
        exact, rejected = _exact(raw)
        if fast is not None:
            assert rejected == []
            _assert_same(fast[0], exact, msgs)
            accepted.append(len(msgs))

    check()
    assert len(accepted) >= 50  # the comparison really ran on accepted batches, not only on rejected ones


# ---- the worker processes ---------------------------------------------------------------------------------------

def _big_batch(tag: str, n: int = 60) -> dict[str, Any]:
    """A body above the pool's in-server threshold (16 KB), so a worker parses it."""
    return {"batch": [{"type": "track", "messageId": f"{tag}-{i}", "anonymousId": f"a-{i % 7}", "event": "Product Viewed",
                       "timestamp": f"2026-11-20T10:00:{i:02d}Z",
                       "properties": {"sku": f"sku-{i}", "revenue": i, "text": "ą" * 200},
                       "context": {"page": {"url": f"https://shop.example/p/{i}?utm_campaign=zima"}}} for i in range(n)]}


def _ready_workers(live: Any, client: httpx.Client) -> Any:
    """The server's parsing pool, once its worker is ready: the first large batch starts it (and is parsed in the
    server meanwhile)."""
    parsers = live.app.state.parsers
    assert parsers.workers == 1 and parsers._all == []  # nothing started before a large batch came
    assert client.post("/v1/batch", json=_big_batch("boot")).status_code == 200
    deadline = time.time() + 60
    while not parsers._all:
        assert time.time() < deadline, "the parsing worker did not start"
        time.sleep(0.05)
    return parsers


def test_a_large_batch_is_parsed_by_a_worker_process_and_stored_like_the_exact_path(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, auth=(live_server.write_key, ""), timeout=30) as c:
        parsers = _ready_workers(live_server, c)
    assert len(parsers._all) == 1
    body = _big_batch("w")
    before = parsers.remote
    with httpx.Client(base_url=live_server.url, auth=(live_server.write_key, ""), timeout=30) as c:
        r = c.post("/v1/batch", content=orjson.dumps(body), headers={"Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["accepted"] == 60
    assert parsers.remote == before + 1
    cols = [c for c in BATCH_COLUMNS if c != "received_at"]
    st_ = live_server.app.state.store
    with st_.lock:
        rows = st_.con.execute(f"SELECT {', '.join(cols)} FROM events WHERE message_id LIKE 'w-%' ORDER BY seq").fetchall()
    stored = dict(zip(cols, (list(c) for c in zip(*rows, strict=True)), strict=True))
    exact, _ = _exact(orjson.dumps(body))
    for col in cols:
        a, b = stored[col], exact.table.column(col).to_pylist()
        if col in ("properties", "context"):
            a, b = [orjson.loads(x) for x in a], [orjson.loads(x) for x in b]
        assert a == b, col
    assert stored["campaign"] == ["zima"] * 60


def test_a_killed_worker_loses_no_event_and_is_replaced(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url, auth=(live_server.write_key, ""), timeout=30) as c:
        parsers = _ready_workers(live_server, c)
        remote = parsers.remote
        assert c.post("/v1/batch", json=_big_batch("k0")).status_code == 200
        assert parsers.remote == remote + 1
        old = parsers._all[0].proc.pid
        os.kill(old, signal.SIGKILL)
        time.sleep(0.2)
        local = parsers.local
        r = c.post("/v1/batch", json=_big_batch("k1"))
        assert r.status_code == 200 and r.json()["accepted"] == 60, r.text
        assert parsers.local == local + 1  # parsed in the server while the worker was replaced
        assert len(parsers._all) == 1 and parsers._all[0].proc.pid != old
        remote = parsers.remote
        assert c.post("/v1/batch", json=_big_batch("k2")).status_code == 200
        assert parsers.remote == remote + 1  # the new worker parses the next one
    st_ = live_server.app.state.store
    with st_.lock:
        n = st_.con.execute("SELECT count(*) FROM events WHERE message_id LIKE 'k_-%' OR message_id LIKE 'boot-%'").fetchall()[0][0]
    assert n == 180 + 60  # and the batch that started the worker


def test_an_invalid_event_in_a_large_batch_is_named_and_the_valid_ones_are_kept(live_server: Any) -> None:
    body = _big_batch("inv")
    body["batch"][17]["timestamp"] = "not a time"
    with httpx.Client(base_url=live_server.url, auth=(live_server.write_key, ""), timeout=30) as c:
        r = c.post("/v1/batch", json=body)
    assert r.status_code == 400
    out = r.json()
    assert out["accepted"] == 59
    assert [(e["index"], e["field"], e["value"]) for e in out["errors"]] == [(17, "timestamp", "not a time")]


def test_a_cancelled_request_does_not_leave_its_answer_for_the_next_one() -> None:
    async def scenario() -> None:
        pool = ParserPool(1, min_bytes=0)
        await pool.start()
        try:
            first = orjson.dumps({"batch": [{**VALID[0], "messageId": f"big-{i}"} for i in range(5000)]})  # ~70 ms
            second = orjson.dumps({"batch": [VALID[3], VALID[4]]})
            task = asyncio.create_task(pool.parse(first, received_at=RECEIVED, max_event_bytes=LIMIT))
            await asyncio.sleep(0.01)  # the body is with the worker, its answer not back yet
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
            got = await pool.parse(second, received_at=RECEIVED, max_event_bytes=LIMIT)
            assert got is not None
            assert list(got[0].message_ids) == ["p2", "s1"]
            assert pool.remote == 1
        finally:
            await pool.close()

    asyncio.run(scenario())


def test_without_workers_batches_are_parsed_in_the_server(workspace: Any) -> None:
    from tests.conftest import start_server

    server, th, live = start_server(workspace, ingest_workers=0)
    try:
        with httpx.Client(base_url=live.url, auth=(live.write_key, ""), timeout=30) as c:
            for k in range(3):
                assert c.post("/v1/batch", json=_big_batch(f"nw{k}")).status_code == 200
        assert live.app.state.parsers.local == 3 and live.app.state.parsers.remote == 0
        assert live.app.state.parsers._all == [] and live.app.state.parsers._boot is None
    finally:
        server.should_exit = True
        th.join(timeout=30)


def test_an_arrow_batch_round_trips_through_the_worker_protocol() -> None:
    import pickle

    fast = fast_batch(orjson.dumps({"batch": VALID}), received_at=RECEIVED, max_event_bytes=LIMIT)
    assert fast is not None
    back = pickle.loads(pickle.dumps(fast, protocol=5))
    assert back[0].table.equals(fast[0].table)
    assert back[0].table.schema.field("properties").type == pa.json_(pa.string())
