"""The Python API: every registered query is a method; same numbers locally and through a running server."""

from __future__ import annotations

from datetime import date, datetime

import httpx
import pytest

import cxjourney
from cxjourney.errors import NotFound, ValidationFailed

from .conftest import ServerProcess

EVENTS = [
    {"type": "page", "anonymousId": "a-1", "name": "Home", "messageId": "p1", "timestamp": "2026-01-05T10:00:00Z"},
    {"type": "track", "anonymousId": "a-1", "event": "Product Viewed", "messageId": "p2", "timestamp": "2026-01-05T10:01:00Z"},
    {"type": "identify", "userId": "u-1", "anonymousId": "a-1", "traits": {"email": "u1@example.com"}, "messageId": "p3",
     "timestamp": "2026-01-05T10:02:00Z"},
    {"type": "track", "userId": "u-1", "event": "Order Completed", "properties": {"order_id": "o-1", "revenue": 50},
     "messageId": "p4", "timestamp": "2026-01-05T10:03:00Z"},
    {"type": "track", "anonymousId": "a-2", "event": "Product Viewed", "messageId": "p5", "timestamp": "2026-01-06T09:00:00Z"},
]


def test_python_api_runs_queries_through_the_server_and_then_locally_with_the_same_rows(server_process: ServerProcess) -> None:
    httpx.post(server_process.url + "/v1/batch", auth=(server_process.write_key, ""), json={"batch": EVENTS}).raise_for_status()
    with cxjourney.connect(server_process.workspace) as cx:
        assert cx.mode == "server"  # the server holds the DuckDB file
        remote_summary = cx.store_summary().rows
        remote_history = cx.person_history(person="a-1").rows
        names = cx.query("event_names").to_pandas()
    with cxjourney.connect(server_process.workspace, now=datetime(2026, 2, 1, 12, 0)) as cx:
        assert cx.store_summary().meta["as_of"] == "2026-02-01T12:00:00"  # "as of" travels to the server
    server_process.stop()
    with cxjourney.connect(server_process.workspace) as cx:
        assert cx.mode == "local"
        assert cx.store_summary().rows == remote_summary
        assert cx.person_history(person="u1@example.com").rows == remote_history
        assert "nps" in dir(cx) and "funnel" in cx.queries()
    assert remote_summary[0]["events"] == 5
    assert [r["message_id"] for r in remote_history] == ["p1", "p2", "p3", "p4"]
    counts = dict(zip(names["event"], names["count"], strict=True)) if "event" in names else {}
    assert counts.get("Product Viewed") == 2, names


def test_python_keywords_and_dates_are_accepted_and_bad_parameters_name_the_field(workspace) -> None:  # type: ignore[no-untyped-def]
    with cxjourney.connect(workspace) as cx:
        res = cx.nps(by=["touchpoint"], from_=date(2026, 1, 1), to=date(2026, 1, 31))
        assert res.rows == [] or all("n" in r for r in res.rows)
        assert res.meta["params"]["from"] == "2026-01-01"
        with pytest.raises(ValidationFailed) as bad:
            cx.nps(period="fortnight")
        assert bad.value.errors[0]["field"] == "period"
        with pytest.raises(NotFound):
            cx.query("no_such_query")
        with pytest.raises(AttributeError):
            cx.no_such_query  # noqa: B018
