"""Per-person rollups: the expensive per-person work of the journey analytics, kept up to date incrementally.

Every journey measure is a function of each person's own event history (their order, their sessions, the
touchpoints they reached). The rollup tables hold that per-person part, computed by the very same Ibis
measures (``stages.annotated``, ``sessions.sessions``, ``paths``) on the events of the persons concerned:

- ``rx_person``: one row per person: first/last interactive activity, counts of the KPI catalogue's events,
  revenue (and its square) of orders;
- ``rx_paths``: one row per person: the whole-history path (event labels in (timestamp, seq) order);
- ``rx_person_tp``: per journey, person and touchpoint: events, first and last rank among the journey's events;
- ``rx_person_journey``: per journey and person: ``f[i]``/``l[i]`` the first/last rank of stage i (1-based
  lists, NULL when not reached) and ``buyer`` (has an order);
- ``rx_sessions``: one row per session (the ``sessions.sessions`` rows);
- ``rx_events``: one narrow row per event with the person's rank ``rn`` in (timestamp, seq) order, the
  funnel step name (track event name, page/screen name), the path label, and ``pk``: the person's number in
  ``rx_keys`` (joins and groups on an integer are several times cheaper than on the person id text);
- ``rx_person_day``: per person and day with interactive activity, its first and last moment and the first
  moment of the person's next active day ``next_f`` (churn for any period and any moment to look from: the
  next activity after a period is the ``next_f`` of its last day, so no window over persons at query time);
- ``rx_steps``: per person and step name, the list of its occurrences (rank ``r``, epoch seconds ``s``) in
  rank order: a funnel step is then one row per person and a list look-up, not a join over events.

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

VERSION = 6
TABLES = ("rx_person", "rx_paths", "rx_person_tp", "rx_person_journey", "rx_sessions", "rx_events", "rx_steps", "rx_person_day", "rx_keys")
_DDL = {
    "rx_state": """CREATE TABLE IF NOT EXISTS rx_state (name VARCHAR PRIMARY KEY, signature VARCHAR, watermark BIGINT,
        n_events BIGINT, n_persons BIGINT, max_active TIMESTAMP, refreshed_at TIMESTAMP, seconds DOUBLE, touched BIGINT)""",
    "rx_person": """CREATE TABLE IF NOT EXISTS rx_person (person_id VARCHAR, first_active TIMESTAMP, last_active TIMESTAMP,
        {counts}, revenue DOUBLE, revenue_sq DOUBLE)""".replace("{counts}", ", ".join(f"{k} BIGINT" for k in EVENTS)),
    "rx_paths": "CREATE TABLE IF NOT EXISTS rx_paths (person_id VARCHAR, path VARCHAR)",
    "rx_person_tp": """CREATE TABLE IF NOT EXISTS rx_person_tp (journey VARCHAR, person_id VARCHAR, touchpoint VARCHAR,
        stage VARCHAR, stage_idx BIGINT, n BIGINT, f_rn BIGINT, l_rn BIGINT)""",
    "rx_person_journey": """CREATE TABLE IF NOT EXISTS rx_person_journey (journey VARCHAR, person_id VARCHAR, f BIGINT[],
        l BIGINT[], buyer BOOLEAN)""",
    "rx_sessions": """CREATE TABLE IF NOT EXISTS rx_sessions (person_id VARCHAR, session_no BIGINT, start TIMESTAMP,
        "end" TIMESTAMP, duration_s DOUBLE, events BIGINT, pages BIGINT, interactions BIGINT, dim VARCHAR)""",
    "rx_events": """CREATE TABLE IF NOT EXISTS rx_events (person_id VARCHAR, pk BIGINT, timestamp TIMESTAMP, seq BIGINT,
        rn BIGINT, step VARCHAR, label VARCHAR)""",
    "rx_steps": """CREATE TABLE IF NOT EXISTS rx_steps (person_id VARCHAR, pk BIGINT, step VARCHAR,
        occ STRUCT(r BIGINT, s BIGINT)[])""",
    "rx_person_day": "CREATE TABLE IF NOT EXISTS rx_person_day (person_id VARCHAR, pk BIGINT, day DATE, f_ts TIMESTAMP, l_ts TIMESTAMP, next_f TIMESTAMP)",
    "rx_keys": "CREATE TABLE IF NOT EXISTS rx_keys (person_id VARCHAR PRIMARY KEY, pk BIGINT)",
}
STATE = "main"
_LOCKS: dict[str, threading.Lock] = {}
_LOCKS_GUARD = threading.Lock()


@dataclass
class RefreshReport:
    mode: str  # "full", "incremental", "none" (already fresh), "skipped" (read-only store) or "deferred" (server job)
    touched: int
    seconds: float
    watermark: int
    chunks: int = 1  # an incremental refresh computes its persons in chunks of about CHUNK_EVENTS events

    def as_json(self) -> dict[str, Any]:
        return {"mode": self.mode, "touched": self.touched, "seconds": round(self.seconds, 3), "watermark": self.watermark,
                "chunks": self.chunks}


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


def lock_for(path: str) -> threading.Lock:
    """The lock a refresh of the rollups of the store at ``path`` holds (erasure takes it too, so the two
    never write the same rows at once). Lock order: this one first, then ``store.lock`` (a refresh commits
    holding it); only a query's own small refresh (no server job maintaining the rollups) runs inside a
    query, i.e. holding ``store.lock`` already."""
    with _LOCKS_GUARD:
        return _LOCKS.setdefault(path, threading.Lock())


def _events_now(cur: Any) -> tuple[int, int]:
    """(highest seq, number of events): the rollups are derived from the events alone (an identity merge
    arrives as a new event, an erasure removes events), so these two say whether they are up to date."""
    hi, n = cur.execute("SELECT coalesce(max(seq), 0), count(*) FROM events").fetchall()[0]
    return int(hi), int(n)


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


def _state_and_now(store: Any, settings: Any, journeys: list[Any]) -> tuple[dict[str, Any], int, int] | None:
    """The stored state (None when there is none or it was built for other journeys or settings) with the
    store's highest seq and event count now."""
    st = state(store)
    if st is None or st["signature"] != signature(settings, journeys):
        return None
    cur = store.con.cursor()
    try:
        hi, n = _events_now(cur)
    finally:
        cur.close()
    return st, hi, n


def describe(store: Any, settings: Any, journeys: list[Any]) -> dict[str, Any]:
    """``{"fresh": bool, "state": {...} | None}`` as the CLI and ``GET /api/v1/admin/rollups`` show it."""
    found = _state_and_now(store, settings, journeys)
    st = found[0] if found is not None else state(store)  # built for other journeys or settings: shown, not fresh
    return {"fresh": _fresh(found) is not None,
            "state": {k: (str(v) if v is not None and k in ("max_active", "refreshed_at") else v)
                      for k, v in (st or {}).items()} or None}


def is_fresh(store: Any, settings: Any, journeys: list[Any]) -> dict[str, Any] | None:
    """The state when the rollups describe exactly the events in the store now, else None."""
    return _fresh(_state_and_now(store, settings, journeys))


def _fresh(found: tuple[dict[str, Any], int, int] | None) -> dict[str, Any] | None:
    if found is None:
        return None
    st, hi, n = found
    return st if (st["watermark"], st["n_events"]) == (hi, n) else None


def ensure_fresh(ctx: Any) -> dict[str, Any] | None:
    """For queries: the fresh state, or None when the rollups cannot answer now (then the query computes from
    the events). Stale rollups are brought up to date here when the store is writable, they were built for
    the same journeys and settings, and at most ``rollup_inline_events`` events are new; a first build or a
    big catch-up is left to ``cxjourney rollups refresh``, the demo, and the server's refresh job.

    Decided once per query run (``run_query`` clears ``ctx.extra["rollups_checked"]``): the parts of one
    answer read the same rollups, and the check (state, signature, store counts) is not repeated."""
    extra = ctx.extra if isinstance(getattr(ctx, "extra", None), dict) else {}
    if "rollups_checked" not in extra:
        extra["rollups_checked"] = _check(ctx)
    found = extra["rollups_checked"]
    return None if found is None else _used(ctx, *found)


def _check(ctx: Any) -> tuple[dict[str, Any], int] | None:
    """(state, events newer than it) when the rollups can answer, else None (see ``ensure_fresh``)."""
    store = ctx.store
    if not hasattr(store, "con") or ctx.workspace is None:
        return None
    journeys = ctx.workspace.journeys()
    found = _state_and_now(store, ctx.settings, journeys)
    if found is None:
        return None
    st, hi, n = found
    if (st["watermark"], st["n_events"]) == (hi, n):
        return st, 0
    if getattr(store, "rollups_maintained", False):
        # The server refreshes them in the background: use them while their last refresh is recent enough;
        # the result says how many events arrived since (meta "rollups").
        lag = (datetime.now(UTC).replace(tzinfo=None) - st["refreshed_at"]).total_seconds()
        if lag <= float(getattr(ctx.settings, "rollup_max_lag_seconds", 30)):
            return st, max(0, n - int(st["n_events"]))
        return None
    if store.read_only or hi - int(st["watermark"]) > int(getattr(ctx.settings, "rollup_inline_events", 50_000)):
        return None
    refresh(store, ctx.settings, journeys)
    fresh = is_fresh(store, ctx.settings, journeys)
    return (fresh, 0) if fresh is not None else None


def _used(ctx: Any, st: dict[str, Any], pending: int) -> dict[str, Any]:
    """Note in the query context that the answer comes from the rollups (``run_query`` puts it in the meta)."""
    extra = getattr(ctx, "extra", None)
    if isinstance(extra, dict):
        prev = extra.get("rollups")
        if prev and prev.get("events_since", 0) > pending:  # one answer from several reads: say the largest lag
            return st
        extra["rollups"] = {"as_of_seq": int(st["watermark"]), "refreshed_at": st["refreshed_at"].isoformat(),
                            "events_since": pending}
    return st


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


def _journey_rows(tp: Any, person: Any, journey: Any) -> Any:
    """Per person, from their ``rx_person_tp`` rows: first and last rank of each stage, and whether they bought."""
    k = len(journey.stages)
    aggs: dict[str, Any] = {}
    for i in range(k):
        aggs[f"f{i}"] = tp.f_rn.min(where=tp.stage_idx == i)
        aggs[f"l{i}"] = tp.l_rn.max(where=tp.stage_idx == i)
    per = tp.filter(tp.journey == journey.id).group_by("person_id").aggregate(**aggs)
    buyers = person.filter(person.orders > 0).select(_b=person.person_id)
    per = per.left_join(buyers, per.person_id == buyers._b)
    return per.select(journey=ibis.literal(journey.id), person_id=per.person_id,
                      f=ibis.array([per[f"f{i}"] for i in range(k)]), l=ibis.array([per[f"l{i}"] for i in range(k)]),
                      buyer=per._b.notnull())


def _event_rows(ev: Any, keys: Any) -> Any:
    w = ibis.window(group_by=ev.person_id, order_by=[ev.timestamp, ev.seq])
    step = ibis.cases((ev.type == "track", ev.event), (ev.type.isin(["page", "screen"]), ev.name), else_=ibis.null("string"))
    t = ev.select("person_id", "timestamp", "seq", rn=ibis.row_number().over(w) + 1, step=step, label=label(ev))
    k = keys.select(_kp=keys.person_id, pk=keys.pk)
    return t.join(k, t.person_id == k._kp).drop("_kp")


# An incremental refresh computes the touched persons in chunks of about this many events (see _refresh_in).
CHUNK_EVENTS = 250_000


def _run(cur: Any, sql: str, params: list[Any] | None = None) -> list[Any]:
    """Execute and fetch everything (a pending result would block Ibis on the same connection)."""
    return cur.execute(sql, params or []).fetchall()


def _day_rows(ev: Any, keys: Any) -> Any:
    a = ev.filter(ev.type.isin(list(INTERACTIVE_TYPES)))
    a = a.mutate(day=a.timestamp.date())
    d = a.group_by(["person_id", "day"]).aggregate(f_ts=a.timestamp.min(), l_ts=a.timestamp.max())
    d = d.mutate(next_f=d.f_ts.lead().over(ibis.window(group_by=d.person_id, order_by=d.day)))
    k = keys.select(_kp=keys.person_id, pk=keys.pk)
    d = d.join(k, d.person_id == k._kp)
    return d.select("person_id", "pk", "day", "f_ts", "l_ts", "next_f")


def _step_rows(ix: Any) -> Any:
    t = ix.filter(ix.step.notnull())
    occ = ibis.struct({"r": t.rn, "s": t.timestamp.epoch_seconds().cast("int64")})
    return t.group_by(["person_id", "pk", "step"]).aggregate(occ=occ.collect(order_by=[t.rn]))


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
    with lock_for(str(store.path)):
        cur = store.con.cursor()
        _run(cur, _DDL["rx_state"])
        limit = _raise_memory_limit(cur, settings, sig)
        try:
            be = ibis.duckdb.from_connection(cur)
            _run(cur, "BEGIN TRANSACTION")
            try:
                rep = _refresh_in(cur, be, sig, journeys, settings, full=full, t0=t0)
                # Commit while no query runs (queries hold ``store.lock`` from start to end), so no query
                # reads some rollup tables before the commit and others after it.
                with store.lock:
                    _run(cur, "COMMIT")
            except BaseException:
                _run(cur, "ROLLBACK")
                raise
        finally:
            if limit is not None:
                _run(cur, f"SET memory_limit = '{limit}'")
            cur.close()
    return rep


def _raise_memory_limit(cur: Any, settings: Any, sig: str) -> str | None:
    """A full build orders and collects every person's events; some of that cannot spill to disk, so under a
    small server memory limit (``server_db_memory_mb``) the limit is raised to ``rollup_build_memory_mb`` for
    the build and restored after it. Returns the limit to restore (None: unchanged)."""
    want = int(getattr(settings, "rollup_build_memory_mb", 2048))
    found = _run(cur, "SELECT signature FROM rx_state WHERE name = ?", [STATE])
    if found and found[0][0] == sig:
        return None  # incremental: only the persons with new events
    current = str(_run(cur, "SELECT current_setting('memory_limit')")[0][0])
    mb = _to_mb(current)
    if mb is None or mb >= want:
        return None
    _run(cur, f"SET memory_limit = '{want}MB'")
    return current


def _to_mb(text: str) -> float | None:
    units = {"KiB": 1 / 1024, "MiB": 1, "GiB": 1024, "TiB": 1024 * 1024, "KB": 1 / 1000, "MB": 1, "GB": 1000, "TB": 1e6}
    t = text.strip()
    for u, f in units.items():
        if t.endswith(u):
            try:
                return float(t[: -len(u)].strip()) * f
            except ValueError:
                return None
    return None


def _refresh_in(cur: Any, be: Any, sig: str, journeys: list[Any], settings: Any, *, full: bool, t0: float) -> RefreshReport:
    hi, n_events = _events_now(cur)
    found = _run(cur, "SELECT signature, watermark, n_events FROM rx_state WHERE name = ?", [STATE])
    row: Any = found[0] if found else None
    rebuild = full or row is None or row[0] != sig
    if not rebuild and (row[1], row[2]) == (hi, n_events):
        return RefreshReport("none", 0, time.perf_counter() - t0, hi)
    events = be.table("events")
    if rebuild:  # tables made afresh: their layout may have changed with the rollup version
        for t in TABLES:
            _run(cur, f"DROP TABLE IF EXISTS {t}")
    for name, ddl in _DDL.items():
        if name != "rx_state":
            _run(cur, ddl)
    n_chunks = 1
    if rebuild:
        _compute(cur, be, events, None, journeys, settings)
    else:
        # Persons with a new event, and persons merged into another one (their id now maps to another person;
        # erasure deletes a person's rollup rows itself, like every row naming them).
        _run(cur, "CREATE OR REPLACE TEMP TABLE _rx_all_touched AS "
                    "SELECT DISTINCT person_id FROM events WHERE seq > ? AND seq <= ? "
                    "UNION SELECT r.person_id FROM rx_person r JOIN identities i ON i.id = r.person_id "
                    "AND i.person_id <> r.person_id", [row[1], hi])
        touched = int(cur.execute("SELECT count(*) FROM _rx_all_touched").fetchall()[0][0])
        for t in TABLES:
            if t != "rx_keys":
                _run(cur, f"DELETE FROM {t} WHERE person_id IN (SELECT person_id FROM _rx_all_touched)")
        # The touched persons in chunks of about CHUNK_EVENTS events: a refresh after heavy ingestion touches
        # most persons' whole histories, and the paths and step lists cannot all spill to disk under the
        # server's small memory limit. Each chunk is computed like a refresh of its persons alone.
        _run(cur, "CREATE OR REPLACE TEMP TABLE _rx_chunks AS SELECT person_id, "
                  "(sum(n) OVER (ORDER BY person_id) - n) // ? AS chunk FROM "
                  "(SELECT e.person_id, count(*) AS n FROM events e JOIN _rx_all_touched t ON t.person_id = e.person_id "
                  "GROUP BY e.person_id)", [CHUNK_EVENTS])
        chunks = [int(r[0]) for r in _run(cur, "SELECT DISTINCT chunk FROM _rx_chunks ORDER BY 1")]
        n_chunks = len(chunks)
        for c in chunks:
            _run(cur, "CREATE OR REPLACE TEMP TABLE _rx_touched AS SELECT person_id FROM _rx_chunks WHERE chunk = ?", [c])
            # The chunk's persons' events, read once (every rollup below is computed from them).
            _run(cur, "CREATE OR REPLACE TEMP TABLE _rx_events AS SELECT * EXCLUDE (message_id, user_id, anonymous_id, "
                      "received_at, referrer, context) FROM events WHERE person_id IN (SELECT person_id FROM _rx_touched)")
            _compute(cur, be, be.table("_rx_events"), be.table("_rx_touched"), journeys, settings)
    max_active, n_persons = cur.execute("SELECT max(last_active), count(*) FROM rx_person").fetchall()[0]
    if rebuild:
        touched = int(n_persons)  # every person
    secs = time.perf_counter() - t0
    _run(cur, "INSERT OR REPLACE INTO rx_state VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [STATE, sig, hi, n_events, n_persons, max_active, datetime.now(UTC).replace(tzinfo=None), secs, touched])
    return RefreshReport("full" if rebuild else "incremental", touched, secs, hi, n_chunks)


def _compute(cur: Any, be: Any, ev: Any, tt: Any, journeys: list[Any], settings: Any) -> None:
    """Insert the rollup rows of the persons whose events are ``ev``: every person (``tt`` None, a full build) or
    the persons of table ``tt`` (``_rx_touched``; their old rows are already deleted)."""
    _insert(cur, "rx_person", _person_rows(ev), ["person_id", "first_active", "last_active", *EVENTS, "revenue", "revenue_sq"])
    _insert(cur, "rx_paths", _path_rows(ev), ["person_id", "path"])
    tp_t, person_t = be.table("rx_person_tp"), be.table("rx_person")
    if tt is not None:
        tp_t = tp_t.semi_join(tt, tp_t.person_id == tt.person_id)
        person_t = person_t.semi_join(tt, person_t.person_id == tt.person_id)
    for j in journeys:
        _insert(cur, "rx_person_tp", _tp_rows(ev, j), ["journey", "person_id", "touchpoint", "stage", "stage_idx", "n", "f_rn", "l_rn"])
        _insert(cur, "rx_person_journey", _journey_rows(tp_t, person_t, j), ["journey", "person_id", "f", "l", "buyer"])
    s = sessions_mod.sessions(ev, timeout_minutes=settings.session_timeout_minutes)
    _insert(cur, "rx_sessions", s, ["person_id", "session_no", "start", "end", "duration_s", "events", "pages", "interactions", "dim"])
    # Numbers for persons not numbered yet (a number is never reused; erasure removes the person's).
    src = "_rx_touched" if tt is not None else "(SELECT DISTINCT person_id FROM events)"
    _run(cur, f"""INSERT INTO rx_keys SELECT person_id, (SELECT coalesce(max(pk), 0) FROM rx_keys) + row_number() OVER (ORDER BY person_id)
                 FROM {src} s WHERE NOT EXISTS (SELECT 1 FROM rx_keys k WHERE k.person_id = s.person_id)""")
    _insert(cur, "rx_person_day", _day_rows(ev, be.table("rx_keys")), ["person_id", "pk", "day", "f_ts", "l_ts", "next_f"])
    _insert(cur, "rx_events", _event_rows(ev, be.table("rx_keys")), ["person_id", "pk", "timestamp", "seq", "rn", "step", "label"])
    ix = be.table("rx_events")
    if tt is not None:
        # The rows just inserted: a person's events are all recomputed together, so filter on the new ones.
        ix = ix.filter(ix.person_id.isin(tt.person_id))
    _insert(cur, "rx_steps", _step_rows(ix), ["person_id", "pk", "step", "occ"])
