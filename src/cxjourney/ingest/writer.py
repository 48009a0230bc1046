"""The single writer: de-duplicates, stitches identities and commits events in groups.

A caller's events are acknowledged only after the transaction holding them has committed (DuckDB writes
its WAL on commit), so an answered request survives a crash. The server submits from many requests; the
writer thread gathers whatever is waiting (up to ``commit_interval_ms``) into one transaction: group commit.
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson
import pyarrow as pa

EVENT_COLUMNS = [
    "seq", "message_id", "type", "event", "name", "user_id", "anonymous_id", "person_id", "timestamp",
    "received_at", "url", "path", "referrer", "channel", "campaign", "revenue", "properties", "context", "source",
]
_ARROW_SCHEMA = pa.schema(
    [
        ("seq", pa.int64()), ("message_id", pa.string()), ("type", pa.string()), ("event", pa.string()),
        ("name", pa.string()), ("user_id", pa.string()), ("anonymous_id", pa.string()), ("person_id", pa.string()),
        ("timestamp", pa.timestamp("us")), ("received_at", pa.timestamp("us")), ("url", pa.string()),
        ("path", pa.string()), ("referrer", pa.string()), ("channel", pa.string()), ("campaign", pa.string()),
        ("revenue", pa.float64()), ("properties", pa.string()), ("context", pa.string()), ("source", pa.string()),
    ]
)


@dataclass
class WriteResult:
    accepted: int = 0
    duplicates: int = 0
    message_ids: list[str] = field(default_factory=list)


def _load_malloc_trim() -> Callable[[int], int] | None:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim  # type: ignore[no-any-return]
    except (OSError, AttributeError):  # not glibc (macOS, Windows, musl): nothing to do
        return None


_MALLOC_TRIM = _load_malloc_trim()


def _trim_heap() -> None:
    """Give freed heap memory back to the OS. Under ingestion load, request bodies and Arrow buffers are
    freed in between long-lived objects, and glibc keeps the freed pages: without this the server's resident
    memory grows with the amount ingested rather than with what it holds."""
    if _MALLOC_TRIM is not None:
        _MALLOC_TRIM(0)


class EventWriter:
    """Owns all event writes of one store. Use :meth:`write` directly, or :meth:`start` + :meth:`submit`."""

    def __init__(self, store: Any, *, dedup_window: timedelta = timedelta(hours=24), commit_interval_ms: float = 5.0,
                 on_commit: Callable[[list[dict[str, Any]]], None] | None = None):
        self.store = store
        self.con = store.con.cursor()  # own cursor: reads elsewhere don't block on us
        self.dedup_window = dedup_window
        self.commit_interval = commit_interval_ms / 1000.0
        self.on_commit = on_commit
        from cxjourney.ingest.identity import IdentityMap

        self.ids = IdentityMap(self.con)
        row = self.con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchall()[0]  # not fetchone: DuckDB 2 keeps it open
        self.next_seq = int(row[0]) + 1 if row else 1
        self.seen: dict[str, datetime] = {}
        newest = self.con.execute("SELECT max(received_at) FROM events").fetchall()[0][0]
        if newest is not None:
            since = newest - dedup_window
            for mid, rec in self.con.execute(
                "SELECT message_id, received_at FROM events WHERE received_at >= ?", [since]
            ).fetchall():
                self.seen[mid] = rec
        self._queue: queue.Queue[tuple[list[dict[str, Any]], Future[WriteResult]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ---- synchronous path (imports, demo, tests) -------------------------------------------------
    def write(self, rows: list[dict[str, Any]]) -> WriteResult:
        with self._lock:
            return self._commit([rows])[0]

    # ---- group commit (server) -------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cxj-writer", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None

    def submit(self, rows: list[dict[str, Any]]) -> Future[WriteResult]:
        fut: Future[WriteResult] = Future()
        self._queue.put((rows, fut))
        return fut

    def _run(self) -> None:
        last_trim = time.monotonic()
        while True:
            item = self._queue.get()
            if item is None:
                return
            jobs = [item]
            deadline = time.monotonic() + self.commit_interval
            stop = False
            while len(jobs) < 512:
                timeout = deadline - time.monotonic()
                try:
                    nxt = self._queue.get(timeout=max(timeout, 0)) if timeout > 0 else self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is None:
                    stop = True
                    break
                jobs.append(nxt)
            try:
                with self._lock:
                    results = self._commit([rows for rows, _ in jobs])
                for (_, fut), res in zip(jobs, results, strict=True):
                    fut.set_result(res)
            except Exception as exc:  # the transaction rolled back: nobody is told "ok"
                for _, fut in jobs:
                    if not fut.done():
                        fut.set_exception(exc)
            if stop:
                return
            if time.monotonic() - last_trim > 2.0:
                _trim_heap()
                last_trim = time.monotonic()

    # ---- the transaction -------------------------------------------------------------------------
    def _commit(self, groups: list[list[dict[str, Any]]]) -> list[WriteResult]:
        results = [WriteResult() for _ in groups]
        new_ids: dict[str, str] = {}
        merges: list[tuple[str, str]] = []
        traits_updates: list[tuple[str, dict[str, Any], datetime]] = []
        touched: dict[str, tuple[datetime, datetime]] = {}
        fresh: dict[str, datetime] = {}
        seq = self.next_seq
        committed_rows: list[dict[str, Any]] = []
        seen = self.seen
        resolve = self.ids.resolve
        for res, rows in zip(results, groups, strict=True):
            for row in rows:
                mid = row["message_id"]
                if mid in seen or mid in fresh:
                    res.duplicates += 1
                    continue
                fresh[mid] = row["received_at"]
                person = resolve(row, new_ids, merges)
                row["person_id"] = person
                row["seq"] = seq
                seq += 1
                ts = row["timestamp"]
                span = touched.get(person)
                if span is None:
                    touched[person] = (ts, ts)
                elif ts < span[0] or ts > span[1]:
                    touched[person] = (min(span[0], ts), max(span[1], ts))
                if row.get("traits"):
                    traits_updates.append((person, row["traits"], ts))
                res.accepted += 1
                res.message_ids.append(mid)
                committed_rows.append(row)
        if not committed_rows:
            return results
        if merges:  # a merge later in the batch also moves earlier rows of the same batch
            final = self.ids.person_of
            for row in committed_rows:
                row["person_id"] = final(row["person_id"])
            merged: dict[str, tuple[datetime, datetime]] = {}
            for pid, (lo, hi) in touched.items():
                tgt = final(pid)
                a, b = merged.get(tgt, (lo, hi))
                merged[tgt] = (min(a, lo), max(b, hi))
            touched = merged
            traits_updates = [(final(p), t, ts) for p, t, ts in traits_updates]
        dumps = orjson.dumps
        cols = {c: [r.get(c) for r in committed_rows] for c in EVENT_COLUMNS if c not in ("properties", "context")}
        cols["properties"] = [dumps(r["properties"] or {}) for r in committed_rows]  # bytes: Arrow takes UTF-8 as is
        cols["context"] = [dumps(r["context"] or {}) for r in committed_rows]
        table = pa.table([cols[c] for c in EVENT_COLUMNS], schema=_ARROW_SCHEMA)
        # Every merged-away person -> the person it ends in (set-based: one UPDATE per commit, not per merge).
        moved = {old: self.ids.person_of(old) for old, _ in merges}
        moved = {old: new for old, new in moved.items() if old != new}
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            if moved:
                con.register("_cxj_moved", pa.table({"old": list(moved), "new": list(moved.values())}))
                try:
                    con.execute("UPDATE events SET person_id = m.new FROM _cxj_moved m WHERE events.person_id = m.old")
                finally:
                    con.unregister("_cxj_moved")
            con.register("_cxj_batch", table)
            try:
                con.execute(f"INSERT INTO events SELECT {', '.join(EVENT_COLUMNS)} FROM _cxj_batch")
            finally:
                con.unregister("_cxj_batch")
            if new_ids:
                con.register("_cxj_ids", pa.table({"id": list(new_ids), "person_id": list(new_ids.values())}))
                try:
                    con.execute("INSERT OR REPLACE INTO identities SELECT id, person_id FROM _cxj_ids")
                finally:
                    con.unregister("_cxj_ids")
            self._upsert_persons(touched, traits_updates, moved)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            self.ids.rollback(con)
            raise
        self.next_seq = seq
        self.seen.update(fresh)
        self._evict()
        if self.on_commit is not None:
            try:
                self.on_commit(committed_rows)
            except Exception:
                pass
        return results

    def _upsert_persons(self, touched: dict[str, tuple[datetime, datetime]],
                        traits_updates: list[tuple[str, dict[str, Any], datetime]], moved: dict[str, str]) -> None:
        """Keep ``persons`` in step with the commit. Persons whose traits change or who absorbed a merged-away
        person are read and rewritten (the joining person's own traits win over the merged-away ones); every
        other touched person only widens first_seen/last_seen, in one set-based upsert."""
        if not touched and not moved:
            return
        con = self.con
        new_traits: dict[str, dict[str, Any]] = {}
        for pid, traits, _ in traits_updates:
            new_traits.setdefault(pid, {}).update(traits)
        heavy = set(new_traits) | set(moved.values())
        light = [pid for pid in touched if pid not in heavy]
        if light:
            tbl = pa.table({
                "person_id": light,
                "first_seen": pa.array([touched[p][0] for p in light], pa.timestamp("us")),
                "last_seen": pa.array([touched[p][1] for p in light], pa.timestamp("us")),
            })
            con.register("_cxj_seen", tbl)
            try:
                con.execute(
                    "INSERT INTO persons SELECT person_id, NULL, '{}'::JSON, first_seen, last_seen, now()::TIMESTAMP "
                    "FROM _cxj_seen ON CONFLICT (person_id) DO UPDATE SET "
                    "first_seen = least(persons.first_seen, excluded.first_seen), "
                    "last_seen = greatest(persons.last_seen, excluded.last_seen), updated_at = excluded.updated_at"
                )
            finally:
                con.unregister("_cxj_seen")
        if not heavy and not moved:
            return
        existing = {
            r[0]: r
            for r in con.execute(
                "SELECT person_id, email, traits, first_seen, last_seen FROM persons WHERE person_id IN (SELECT unnest(?))",
                [sorted(heavy | set(moved))],
            ).fetchall()
        }
        folded: dict[str, list[tuple[Any, ...]]] = {}
        for old, new in moved.items():
            if old in existing:
                folded.setdefault(new, []).append(existing[old])
        rows = []
        for pid in sorted(heavy):
            parts = [*folded.get(pid, []), *([existing[pid]] if pid in existing else [])]
            traits: dict[str, Any] = {}
            email = None
            firsts = [p[3] for p in parts if p[3] is not None]
            lasts = [p[4] for p in parts if p[4] is not None]
            for p in parts:
                if p[2]:
                    traits.update(orjson.loads(p[2]))
                email = p[1] or email
            if pid in new_traits:
                traits.update(new_traits[pid])
            if isinstance(traits.get("email"), str):
                email = traits["email"]
            if pid in touched:
                firsts.append(touched[pid][0])
                lasts.append(touched[pid][1])
            if not firsts:
                continue
            rows.append((pid, email, orjson.dumps(traits).decode(), min(firsts), max(lasts)))
        gone = sorted(set(moved) & set(existing))
        if gone:
            con.execute("DELETE FROM persons WHERE person_id IN (SELECT unnest(?))", [gone])
        if not rows:
            return
        tbl = pa.table(
            {
                "person_id": [r[0] for r in rows], "email": [r[1] for r in rows], "traits": [r[2] for r in rows],
                "first_seen": pa.array([r[3] for r in rows], pa.timestamp("us")),
                "last_seen": pa.array([r[4] for r in rows], pa.timestamp("us")),
            }
        )
        con.register("_cxj_persons", tbl)
        try:
            con.execute("DELETE FROM persons WHERE person_id IN (SELECT person_id FROM _cxj_persons)")
            con.execute(
                "INSERT INTO persons SELECT person_id, email, traits::JSON, first_seen, last_seen, now()::TIMESTAMP "
                "FROM _cxj_persons"
            )
        finally:
            con.unregister("_cxj_persons")

    def _evict(self) -> None:
        if len(self.seen) < 200_000:
            return
        newest = max(self.seen.values())
        cutoff = newest - self.dedup_window
        self.seen = {k: v for k, v in self.seen.items() if v >= cutoff}
