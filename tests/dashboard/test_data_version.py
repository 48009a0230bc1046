"""The store's data version moves with every kind of write the product makes (and only then), and the
dashboard's result cache serves an answer only for the data version and clock minute it was computed in."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from cxjourney.dashboard.cache import Inputs, ResultCache, watched
from cxjourney.dashboard.data import Panel
from cxjourney.query import run_query
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


def test_a_refresh_of_the_analytics_rollups_moves_the_data_version(store) -> None:
    store.con.execute("CREATE TABLE rx_state (name VARCHAR, watermark BIGINT, refreshed_at TIMESTAMP)")
    store.con.execute("INSERT INTO rx_state VALUES ('main', 10, TIMESTAMP '2026-10-05 10:00:00')")
    before = data_version(store)
    store.con.execute("UPDATE rx_state SET watermark = 11, refreshed_at = TIMESTAMP '2026-10-05 10:00:05'")
    assert data_version(store) != before


def _ctx(store, now: datetime = T0):
    from cxjourney.config import Settings
    from cxjourney.query.registry import QueryContext

    return QueryContext(store=store, settings=Settings(), now=now)


def _cached(store, key: str, rows: list, *, reads: tuple[str, ...] = ("events", "responses", "orders")) -> ResultCache:
    """An answer put in a fresh cache, as computed by a run that opened the tables ``reads``."""
    cache = ResultCache(clock_resolution_s=60)
    run = watched(_ctx(store))
    for name in reads:
        run.store.table(name)
    assert run.reads == set(reads) and not run.read_clock
    cache.put(key, Panel(key, rows=rows), run, Inputs(_ctx(store)))
    return cache


def test_an_answer_is_served_until_a_table_it_read_changes(store) -> None:
    cache = _cached(store, "k", [{"value": 1}])
    assert cache.get("k", Inputs(_ctx(store)), T0 + timedelta(hours=5)).rows == [{"value": 1}]
    store.con.execute(CHANGES["ad cost replaced"])  # a table it did not read
    assert cache.get("k", Inputs(_ctx(store)), T0) is not None
    store.con.execute(CHANGES["answer added"])
    assert cache.get("k", Inputs(_ctx(store)), T0) is None


def test_reading_the_orders_view_counts_as_reading_the_events(store) -> None:
    cache = _cached(store, "k", [{"value": 1}], reads=("orders",))
    store.con.execute(CHANGES["event appended"])
    assert cache.get("k", Inputs(_ctx(store)), T0) is None


def test_an_answer_that_read_the_clock_is_served_only_within_its_minute(store) -> None:
    cache = ResultCache(clock_resolution_s=60)
    run = watched(_ctx(store))
    assert run.now == T0 and run.read_clock  # read here, outside run_query: counts
    cache.put("k", Panel("journey_overview", rows=[{"value": 1}]), run, Inputs(_ctx(store)))
    assert cache.get("k", Inputs(_ctx(store)), T0 + timedelta(seconds=59)) is not None
    assert cache.get("k", Inputs(_ctx(store)), T0 + timedelta(seconds=60)) is None


def test_raw_access_to_the_store_counts_as_reading_every_table(store) -> None:
    run = watched(_ctx(store))
    run.store.con.execute("SELECT 1").fetchall()
    assert run.reads == {"*"}
    cache = ResultCache()
    cache.put("k", Panel("x"), run, Inputs(_ctx(store)))
    store.con.execute(CHANGES["ad cost replaced"])
    assert cache.get("k", Inputs(_ctx(store)), T0) is None


def test_a_cached_answer_cannot_be_changed_through_the_copy_a_page_gets(store) -> None:
    cache = _cached(store, "k", [{"value": 1}])
    got = cache.get("k", Inputs(_ctx(store)), T0)
    got.rows[0]["value"] = 99
    assert cache.get("k", Inputs(_ctx(store)), T0).rows == [{"value": 1}]


def test_run_query_stamping_as_of_does_not_count_as_reading_the_clock(store) -> None:
    run = watched(_ctx(store))
    run_query(run, "store_summary", {})
    assert not run.read_clock
