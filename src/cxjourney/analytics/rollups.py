"""Per-person rollups: the expensive per-person work of the journey analytics, kept up to date incrementally.

Every journey measure is a function of each person's own event history (their order, their sessions, the
touchpoints they reached). The rollup tables hold that per-person part, computed by the very same Ibis
measures (``stages.annotated``, ``sessions.sessions``, ``paths``) on the events of the persons concerned:

- ``rx_person``: one row per person: first/last interactive activity, counts of the KPI catalogue's events,
  revenue (and its square) of orders;
- ``rx_paths``: one row per person: the whole-history path (event labels in (timestamp, seq) order);
- ``rx_person_tp``: per journey, person and touchpoint: events, first and last rank among the journey's events;
- ``rx_sessions``: one row per session (the ``sessions.sessions`` rows);
- ``rx_events``: one narrow row per event with the person's rank ``rn`` in (timestamp, seq) order and the
  funnel step name (track event name, page/screen name).

**Refresh** (``refresh``): the persons whose rows change are those with an event newer than the stored
watermark (``seq``: arrival order; identity merges and late events always arrive as new events) and those
that no longer exist (merged into another person, or erased). Their rows are deleted and recomputed from
all their events, in one transaction, so a reader sees either the old or the new state. A changed journey
matcher, session timeout or rollup version rebuilds everything. Queries use the rollups only when they are
exactly up to date (``is_fresh``); otherwise they compute from the events (the same numbers, slower).
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import ibis

from cxjourney.analytics import paths as paths_mod
from cxjourney.analytics import sessions as sessions_mod
from cxjourney.analytics import stages
from cxjourney.analytics.engines import PATH_SEP
from cxjourney.analytics.kpis import EVENTS
from cxjourney.analytics.prep import INTERACTIVE_TYPES, label

VERSION = 1
TABLES = ("rx_person", "rx_paths", "rx_person_tp", "rx_sessions", "rx_events")
_DDL = {
    "rx_state": """CREATE TABLE IF NOT EXISTS rx_state (name VARCHAR PRIMARY KEY, signature VARCHAR, watermark BIGINT,
        n_events BIGINT, n_persons BIGINT, max_active TIMESTAMP, refreshed_at TIMESTAMP, seconds DOUBLE, touched BIGINT)""",
    "rx_person": """CREATE TABLE IF NOT EXISTS rx_person (person_id VARCHAR, first_active TIMESTAMP, last_active TIMESTAMP,
        {counts}, revenue DOUBLE, revenue_sq DOUBLE)""".replace("{counts}", ", ".join(f"{k} BIGINT" for k in EVENTS)),
    "rx_paths": "CREATE TABLE IF NOT EXISTS rx_paths (person_id VARCHAR, path VARCHAR)",
    "rx_person_tp": """CREATE TABLE IF NOT EXISTS rx_person_tp (journey VARCHAR, person_id VARCHAR, touchpoint VARCHAR,
        stage VARCHAR, stage_idx BIGINT, n BIGINT, f_rn BIGINT, l_rn BIGINT)""",
    "rx_sessions": """CREATE TABLE IF NOT EXISTS rx_sessions (person_id VARCHAR, session_no BIGINT, start TIMESTAMP,
        "end" TIMESTAMP, duration_s DOUBLE, events BIGINT, pages BIGINT, interactions BIGINT, dim VARCHAR)""",
    "rx_events": """CREATE TABLE IF NOT EXISTS rx_events (person_id VARCHAR, timestamp TIMESTAMP, seq BIGINT, rn BIGINT,
        step VARCHAR)""",
}
STATE = "main"
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@dataclass
class RefreshReport:
    mode: str  # "full", "incremental", "none" (already fresh) or "skipped" (read-only store)
    touched: int
    seconds: float
    watermark: int


def signature(settings: Any, journeys: list[Any]) -> str:
    """What the rollups depend on besides the events: their version, the session timeout, each journey's
    stage order and touchpoint matchers (targets and texts do not matter)."""
    spec = {
        "version": VERSION,
        "timeout": settings.session_timeout_minutes,
        "journeys": [[j.id, [[s.id, [[t.id, t.match.model_dump(mode="json")] for t in s.touchpoints]] for s in j.stages]]
                     for j in journeys],
    }
    return hashlib.sha256(json.dumps(spec, sort_keys=True).encode()).hexdigest()[:32]


def _lock_for(path: str) -> threading.Lock:
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


def _events_now(cur: Any) -> tuple[int, int, int]:
    hi, n = cur.execute("SELECT coalesce(max(seq), 0), count(*) FROM events").fetchall()[0]
    (np_,) = cur.execute("SELECT count(*) FROM persons").fetchall()[0]
    return int(hi), int(n), int(np_)


def _has_state(cur: Any) -> bool:
    return bool(cur.execute("SELECT count(*) FROM information_schema.tables WHERE table_name = 'rx_state'").fetchall()[0][0])


def state(store: Any) -> dict[str, Any] | None:
    """The stored refresh state, or None when the rollups were never built."""
    cur = store.con.cursor()
    try:
        if not _has_state(cur):
            return None
        found = _run(cur, "SELECT signature, watermark, n_events, n_persons, max_active, refreshed_at, seconds, touched "
                     "FROM rx_state WHERE name = ?", [STATE])
        row = found[0] if found else None
    finally:
        cur.close()
    if row is None:
        return None
    keys = ("signature", "watermark", "n_events", "n_persons", "max_active", "refreshed_at", "seconds", "touched")
    return dict(zip(keys, row, strict=True))


def is_fresh(store: Any, settings: Any, journeys: list[Any]) -> dict[str, Any] | None:
    """The state when the rollups describe exactly the events in the store now, else None."""
    st = state(store)
    if st is None or st["signature"] != signature(settings, journeys):
        return None
    cur = store.con.cursor()
    try:
        hi, n, np_ = _events_now(cur)
    finally:
        cur.close()
    return st if (st["watermark"], st["n_events"], st["n_persons"]) == (hi, n, np_) else None


def ensure_fresh(ctx: Any) -> dict[str, Any] | None:
    """For queries: bring the rollups up to date when the store is writable (cheap when nothing changed),
    and return the fresh state, or None when the rollups cannot be used (read-only and stale, or not DuckDB)."""
    store = ctx.store
    if not hasattr(store, "con") or ctx.workspace is None:
        return None
    journeys = ctx.workspace.journeys()
    st = is_fresh(store, ctx.settings, journeys)
    if st is not None or store.read_only:
        return st
    refresh(store, ctx.settings, journeys)
    return is_fresh(store, ctx.settings, journeys)


def _person_rows(ev: Any) -> Any:
    inter = ev.type.isin(list(INTERACTIVE_TYPES))
    is_track = ev.type == "track"
    is_order = is_track & (ev.event == EVENTS["orders"])
    rev = ev.revenue.fill_null(0)
    aggs: dict[str, Any] = {"first_active": ev.timestamp.min(where=inter), "last_active": ev.timestamp.max(where=inter)}
    aggs.update({k: (is_track & (ev.event == v)).fill_null(False).cast("int64").sum() for k, v in EVENTS.items()})
    aggs["revenue"] = rev.sum(where=is_order)
    aggs["revenue_sq"] = (rev * rev).sum(where=is_order)
    return ev.group_by("person_id").aggregate(**aggs)


def _path_rows(ev: Any) -> Any:
    t = paths_mod.labelled(ev, label(ev))
    w = ibis.window(group_by=t.person_id, order_by=[t.timestamp, t.seq])
    t = t.mutate(_r=ibis.row_number().over(w))
    return t.group_by("person_id").aggregate(path=t.step.collect(order_by=[t._r]).join(PATH_SEP))


def _tp_rows(ev: Any, journey: Any) -> Any:
    t = stages.annotated(ev, journey)
    g = t.group_by(["person_id", "touchpoint", "stage", "stage_idx"]).aggregate(n=t.count(), f_rn=t.rn.min(), l_rn=t.rn.max())
    return g.select(journey=ibis.literal(journey.id), person_id=g.person_id, touchpoint=g.touchpoint, stage=g.stage,
                    stage_idx=g.stage_idx, n=g.n, f_rn=g.f_rn, l_rn=g.l_rn)


def _event_rows(ev: Any) -> Any:
    w = ibis.window(group_by=ev.person_id, order_by=[ev.timestamp, ev.seq])
    step = ibis.cases((ev.type == "track", ev.event), (ev.type.isin(["page", "screen"]), ev.name), else_=ibis.null("string"))
    return ev.select("person_id", "timestamp", "seq", rn=ibis.row_number().over(w) + 1, step=step)


def _run(cur: Any, sql: str, params: list[Any] | None = None) -> list[Any]:
    """Execute and fetch everything (a pending result would block Ibis on the same connection)."""
    return cur.execute(sql, params or []).fetchall()


def _insert(cur: Any, table: str, expr: Any, columns: list[str]) -> None:
    sql = ibis.to_sql(expr, dialect="duckdb")
    cols = ", ".join(f'"{c}"' for c in columns)
    _run(cur, f"INSERT INTO {table} ({cols}) SELECT {cols} FROM ({sql})")


def refresh(store: Any, settings: Any, journeys: list[Any], *, full: bool = False) -> RefreshReport:
    """Bring the rollups up to date (see the module docstring). Safe to call from several threads."""
    if store.read_only:
        return RefreshReport("skipped", 0, 0.0, 0)
    t0 = time.perf_counter()
    sig = signature(settings, journeys)
    with _lock_for(str(store.path)):
        cur = store.con.cursor()
        try:
            for ddl in _DDL.values():
                _run(cur, ddl)
            be = ibis.duckdb.from_connection(cur)
            _run(cur, "BEGIN TRANSACTION")
            try:
                rep = _refresh_in(cur, be, sig, journeys, settings, full=full, t0=t0)
                _run(cur, "COMMIT")
            except BaseException:
                _run(cur, "ROLLBACK")
                raise
        finally:
            cur.close()
    return rep


def _refresh_in(cur: Any, be: Any, sig: str, journeys: list[Any], settings: Any, *, full: bool, t0: float) -> RefreshReport:
    hi, n_events, n_persons = _events_now(cur)
    found = _run(cur, "SELECT signature, watermark, n_events, n_persons FROM rx_state WHERE name = ?", [STATE])
    row = found[0] if found else None
    rebuild = full or row is None or row[0] != sig
    if not rebuild and (row[1], row[2], row[3]) == (hi, n_events, n_persons):
        return RefreshReport("none", 0, time.perf_counter() - t0, hi)
    events = be.table("events")
    if rebuild:
        for t in TABLES:
            _run(cur, f"DELETE FROM {t}")
        ev = events
        touched = n_persons
    else:
        # Persons with a new event, and persons merged into another one (their id now maps to another person;
        # erasure deletes a person's rollup rows itself, like every row naming them).
        _run(cur, "CREATE OR REPLACE TEMP TABLE _rx_touched AS "
                    "SELECT DISTINCT person_id FROM events WHERE seq > ? AND seq <= ? "
                    "UNION SELECT r.person_id FROM rx_person r JOIN identities i ON i.id = r.person_id "
                    "AND i.person_id <> r.person_id", [row[1], hi])
        touched = int(cur.execute("SELECT count(*) FROM _rx_touched").fetchall()[0][0])
        for t in TABLES:
            _run(cur, f"DELETE FROM {t} WHERE person_id IN (SELECT person_id FROM _rx_touched)")
        tt = be.table("_rx_touched")
        ev = events.semi_join(tt, events.person_id == tt.person_id)
    _insert(cur, "rx_person", _person_rows(ev), ["person_id", "first_active", "last_active", *EVENTS, "revenue", "revenue_sq"])
    _insert(cur, "rx_paths", _path_rows(ev), ["person_id", "path"])
    for j in journeys:
        _insert(cur, "rx_person_tp", _tp_rows(ev, j), ["journey", "person_id", "touchpoint", "stage", "stage_idx", "n", "f_rn", "l_rn"])
    s = sessions_mod.sessions(ev, timeout_minutes=settings.session_timeout_minutes)
    _insert(cur, "rx_sessions", s, ["person_id", "session_no", "start", "end", "duration_s", "events", "pages", "interactions", "dim"])
    _insert(cur, "rx_events", _event_rows(ev), ["person_id", "timestamp", "seq", "rn", "step"])
    (max_active,) = cur.execute("SELECT max(last_active) FROM rx_person").fetchall()[0]
    secs = time.perf_counter() - t0
    _run(cur, "INSERT OR REPLACE INTO rx_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [STATE, sig, hi, n_events, n_persons, max_active, datetime.now(UTC).replace(tzinfo=None), secs, touched])
    return RefreshReport("full" if rebuild else "incremental", touched, secs, hi)

