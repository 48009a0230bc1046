"""The generator's contract: deterministic, ordered, unique ids, refuses to overwrite, validates options."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

import pytest

from cxjourney.demo import generate
from cxjourney.errors import ValidationFailed
from cxjourney.storage import memory_store


def q(store: Any, sql: str) -> list[tuple[Any, ...]]:
    return store.con.execute(sql).fetchall()


def events_hash(store: Any) -> str:
    h = hashlib.sha256()
    for row in q(store, "SELECT * FROM events ORDER BY timestamp, seq"):
        h.update(repr(row).encode())
    for table, key in (("responses", "response_id, question_id"), ("ad_costs", "date, campaign"), ("persons", "person_id")):
        for row in q(store, f"SELECT * FROM {table} ORDER BY {key}"):
            h.update(repr(row).encode())
    return h.hexdigest()


def test_same_seed_and_options_give_identical_tables():
    opts = {"customers": 120, "events": 8_000, "start": date(2026, 1, 5), "months": 3}
    a, b, c = memory_store(), memory_store(), memory_store()
    generate(a, seed=3, **opts)
    generate(b, seed=3, **opts)
    generate(c, seed=4, **opts)
    assert events_hash(a) == events_hash(b)
    assert events_hash(a) != events_hash(c)


def test_event_target_is_reached_without_overshooting_much(small_demo):
    store, counts = small_demo
    assert counts["events"] == q(store, "SELECT count(*) FROM events")[0][0]
    assert 30_000 <= counts["events"] < 30_000 * 1.15
    assert counts["customers"] == 300
    assert counts["persons"] > counts["customers"]  # anonymous visitors who never signed up


def test_seq_follows_time_order_and_message_ids_are_unique(small_demo):
    store, counts = small_demo
    n = counts["events"]
    seqs = [r[0] for r in q(store, "SELECT seq FROM events ORDER BY timestamp, seq")]
    assert seqs == list(range(1, n + 1))
    assert q(store, "SELECT count(DISTINCT message_id), count(*) FILTER (WHERE received_at <> timestamp), "
                    "count(*) FILTER (WHERE source <> 'demo') FROM events")[0] == (n, 0, 0)


def test_events_stay_inside_the_period(small_demo):
    store, _ = small_demo
    lo, hi = q(store, "SELECT min(timestamp), max(timestamp) FROM events")[0]
    assert str(lo) >= "2026-05-01" and str(hi) < "2026-11-01"


def test_refuses_a_store_with_events_unless_forced():
    store = memory_store()
    first = generate(store, seed=5, customers=50, events=3_000)
    with pytest.raises(ValidationFailed, match="--force"):
        generate(store, seed=5, customers=50, events=3_000)
    again = generate(store, seed=5, customers=50, events=3_000, force=True)
    assert again == first


@pytest.mark.parametrize(("option", "value"), [("events", 10), ("months", 0), ("customers", 1), ("seed", -1)])
def test_bad_options_are_named(option, value):
    opts: dict[str, Any] = {"seed": 1, "customers": 50, "events": 3_000, option: value}
    with pytest.raises(ValidationFailed) as exc:
        generate(memory_store(), **opts)
    assert exc.value.errors[0]["field"] == option
