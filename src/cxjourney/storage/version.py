"""The store's data version: a cheap fingerprint that changes whenever the stored data changes.

Result caches (the dashboard's) key their answers by it, so an answer is reused only while nothing in the
store changed. One statement reads every base table of the main schema (temporary tables are a query's own
scratch space and are left out); each table contributes a pair chosen from how that table is written:

- ``events``: ``count(*)`` and ``max(seq)``. ``seq`` comes from the writer's counter, which only grows while
  the store is open, so an insert moves ``max(seq)``; a delete (GDPR erasure) lowers the count; the only
  update (re-pointing ``person_id`` at an identity merge) happens in the same transaction as the insert of
  the identify/alias event that caused it.
- ``persons`` and ``identities``: ``count(*)`` and ``max(updated_at)`` / ``count(*)``. Both are written only in
  the event writer's transaction (so ``events`` moves too) or deleted by an erasure (the count drops).
- ``responses``: ``count(*)`` and the sum of the hashes of the keys ``(response_id, question_id)``. Answers are
  inserted (``INSERT OR IGNORE``) or deleted, never updated, so the set of keys determines the content.
- the analytics rollups (``rx_*``, ``cxjourney.analytics.rollups``) are derived from the events, settings and
  journey files (all in the version), so their data tables are left out; their state row (``rx_state``:
  watermark and time of the last refresh) is in. An answer read from rollups that lag behind the newest
  events (the server allows it for up to ``rollup_max_lag_seconds``) is then reused until the next refresh,
  and no longer; a refresh that finds nothing new writes nothing and keeps the cache.
- every other table (ad costs, customer scores, comment analyses, alerts, keys, users, tables added later):
  ``count(*)`` and the sum of the hashes of whole rows, because those are replaced or updated in place.
  They are small (thousands to tens of thousands of rows): well under a few milliseconds.

A 64-bit hash sum can in principle collide; for anything else two different states give two versions.
"""

from __future__ import annotations

from typing import Any

# Per table: the SQL fingerprint (after ``count(*)``). Tables not listed hash their whole rows.
RULES: dict[str, str] = {
    "events": "max(seq)::VARCHAR",
    "persons": "max(updated_at)::VARCHAR",
    "identities": "NULL",
    "responses": "sum(hash(response_id, question_id))::VARCHAR",
}
WHOLE_ROW = "sum(hash(_t))::VARCHAR"
DERIVED_PREFIXES = ("rx_",)
DERIVED_KEPT = ("rx_state",)


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def data_version(store: Any) -> tuple[tuple[str, int, str | None], ...]:
    """``((table, row count, fingerprint), ...)`` for every base table, in name order.

    Reads through its own cursor, so it sees committed data only and never disturbs a result another
    caller has open on ``store.con``."""
    sync = getattr(store, "sync_for_read", None)
    if sync is not None:
        sync()
    cur = store.con.cursor()
    try:
        names = [r[0] for r in cur.execute(
            "SELECT table_name FROM duckdb_tables() WHERE database_name = current_database() "
            "AND schema_name = 'main' AND NOT temporary ORDER BY table_name").fetchall()
                 if not r[0].startswith(DERIVED_PREFIXES) or r[0] in DERIVED_KEPT]
        if not names:
            return ()
        parts = [f"SELECT {i} AS i, count(*) AS n, {RULES.get(name, WHOLE_ROW)} AS v FROM {_quote(name)} _t"
                 for i, name in enumerate(names)]
        rows = cur.execute(" UNION ALL ".join(parts)).fetchall()
    finally:
        cur.close()
    by_i = {int(i): (int(n), v) for i, n, v in rows}
    return tuple((name, *by_i[i]) for i, name in enumerate(names))
