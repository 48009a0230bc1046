"""The store's data version moves with every kind of write the product makes (and only then), and the
dashboard's result cache serves an answer only for the data version and clock minute it was computed in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cxjourney.dashboard.data import Panel, ResultCache
from cxjourney.storage import memory_store
from cxjourney.storage.version import data_version

T0 = datetime(2026, 10, 1, 12, 0, 0)


@pytest.fixture()
def store():
    st = memory_store()
    con = st.con
    con.execute("INSERT INTO events (seq, message_id, type, event, person_id, timestamp, received_at) "
                "SELECT i, 'm' || i, 'track', 'Product Viewed', 'p' || (i % 3), TIMESTAMP '2026-10-01' + INTERVAL (i) MINUTE, now() "
                "FROM range(1, 11) t(i)")
    con.execute("INSERT INTO persons VALUES ('p0', NULL, '{}', TIMESTAMP '2026-10-01', TIMESTAMP '2026-10-02', TIMESTAMP '2026-10-02')")
    con.execute("INSERT INTO responses (response_id, question_id, survey_id, kind, score, person_id, timestamp, received_at) "
                "VALUES ('r1', 'nps', 's', 'nps', 9, 'p0', TIMESTAMP '2026-10-01', TIMESTAMP '2026-10-01')")
    con.execute("INSERT INTO ad_costs VALUES (DATE '2026-10-01', 'c', 'web', 100, 10, 1, 'PLN', 'import')")
    con.execute("INSERT INTO customer_scores (person_id, computed_at, model, clv) VALUES ('p0', TIMESTAMP '2026-10-05', 'bgnbd', 10)")
    con.execute("INSERT INTO comment_analysis VALUES ('r1', 'nps', 'en', 0.5, 'positive', 't1', 'ok', 'lex', TIMESTAMP '2026-10-05')")
    con.execute("INSERT INTO alerts (kind, dedupe_key, created_at, title, updated_at) "
                "VALUES ('detractor', 'k1', TIMESTAMP '2026-10-05', 'x', TIMESTAMP '2026-10-05')")
    yield st
    st.close()


CHANGES = {
    "event appended": "INSERT INTO events (seq, message_id, type, person_id, timestamp, received_at) VALUES (11, 'm11', 'page', 'p1', TIMESTAMP '2026-10-03', now())",
    "events erased": "DELETE FROM events WHERE person_id = 'p2'",
    "person erased": "DELETE FROM persons WHERE person_id = 'p0'",
    "answer added": "INSERT INTO responses (response_id, question_id, survey_id, kind, score, timestamp, received_at) VALUES ('r2', 'nps', 's', 'nps', 3, TIMESTAMP '2026-10-01', TIMESTAMP '2026-10-01')",
    "answer erased": "DELETE FROM responses WHERE response_id = 'r1'",
    "ad cost replaced": "UPDATE ad_costs SET cost = 900",
    "scores refit (same rows, new values)": "UPDATE customer_scores SET clv = 11",
    "comments re-analysed": "UPDATE comment_analysis SET theme = 't2'",
    "alert followed up at the same clock time": "UPDATE alerts SET status = 'contacted'",
    "alert delivered": "UPDATE alerts SET delivered_at = TIMESTAMP '2026-10-06'",
    "a new table with rows": "CREATE TABLE person_rollup AS SELECT 'p0' AS person_id, 3 AS n",
}


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_every_kind_of_write_moves_the_data_version(store, change: str) -> None:
    before = data_version(store)
    assert data_version(store) == before  # reading changes nothing
    store.con.execute(CHANGES[change])
    assert data_version(store) != before


def test_temporary_scratch_tables_and_the_analytics_rollups_do_not_move_the_data_version(store) -> None:
    before = data_version(store)
    store.con.execute("CREATE TEMP TABLE _cxj_scratch AS SELECT 1 AS x")
    store.con.execute("CREATE TABLE rx_person AS SELECT 'p0' AS person_id, 3 AS n")  # derived from the events
    assert data_version(store) == before


def test_a_cached_answer_is_served_only_for_its_own_data_version() -> None:
    cache = ResultCache()
    cache.put("v1", "k", Panel("nps", rows=[{"value": 1}]), now=T0, read_clock=False)
    assert cache.get("v1", "k", T0 + timedelta(hours=5)).rows == [{"value": 1}]  # no clock: no expiry by time
    assert cache.get("v2", "k", T0) is None


def test_an_answer_that_read_the_clock_is_served_only_within_its_minute() -> None:
    cache = ResultCache(clock_resolution_s=60)
    cache.put("v1", "k", Panel("journey_overview", rows=[{"value": 1}]), now=T0, read_clock=True)
    assert cache.get("v1", "k", T0 + timedelta(seconds=59)) is not None
    assert cache.get("v1", "k", T0 + timedelta(seconds=60)) is None


def test_a_cached_answer_cannot_be_changed_through_the_copy_a_page_gets() -> None:
    cache = ResultCache()
    cache.put("v1", "k", Panel("nps", rows=[{"value": 1}]), now=T0, read_clock=False)
    got = cache.get("v1", "k", T0)
    got.rows[0]["value"] = 99
    assert cache.get("v1", "k", T0).rows == [{"value": 1}]


def test_only_a_query_that_reads_the_clock_itself_is_marked_as_reading_it(store) -> None:
    from cxjourney.config import Settings
    from cxjourney.dashboard.data import _watched
    from cxjourney.query import run_query
    from cxjourney.query.registry import QueryContext

    ctx = QueryContext(store=store, settings=Settings(), now=T0)
    plain = _watched(ctx)
    run_query(plain, "store_summary", {})  # run_query stamps as_of from now: that does not count
    assert "read_clock" not in plain.__dict__ and plain.now == T0
    looks = _watched(ctx)
    assert (lambda c: c.now)(looks) == T0 and looks.__dict__.get("read_clock") is True
