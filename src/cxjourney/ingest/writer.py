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
        row = self.con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchone()
        self.next_seq = int(row[0]) + 1 if row else 1
        self.seen: dict[str, datetime] = {}
        newest = self.con.execute("SELECT max(received_at) FROM events").fetchone()[0]
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

    # ---- the transaction -------------------------------------------------------------------------
    def _commit(self, groups: list[list[dict[str, Any]]]) -> list[WriteResult]:
        results = [WriteResult() for _ in groups]
        cols: dict[str, list[Any]] = {c: [] for c in EVENT_COLUMNS}
        new_ids: dict[str, str] = {}
        merges: list[tuple[str, str]] = []
        traits_updates: list[tuple[str, dict[str, Any], datetime]] = []
        touched: dict[str, tuple[datetime, datetime]] = {}
        fresh: dict[str, datetime] = {}
        seq = self.next_seq
        committed_rows: list[dict[str, Any]] = []
        for res, rows in zip(results, groups, strict=True):
            for row in rows:
                mid = row["message_id"]
                if mid in self.seen or mid in fresh:
                    res.duplicates += 1
                    continue
                fresh[mid] = row["received_at"]
                person = self.ids.resolve(row, new_ids, merges)
                row["person_id"] = person
                row["seq"] = seq
                seq += 1
                for c in EVENT_COLUMNS:
                    v = row.get(c)
                    if c in ("properties", "context"):
                        v = orjson.dumps(v or {}).decode()
                    cols[c].append(v)
                if row.get("traits"):
                    traits_updates.append((person, row["traits"], row["timestamp"]))
                lo, hi = touched.get(person, (row["timestamp"], row["timestamp"]))
                touched[person] = (min(lo, row["timestamp"]), max(hi, row["timestamp"]))
                res.accepted += 1
                res.message_ids.append(mid)
                committed_rows.append(row)
        if not cols["seq"]:
            return results
        if merges:  # a merge later in the batch also moves earlier rows of the same batch
            final = self.ids.person_of
            cols["person_id"] = [final(p) for p in cols["person_id"]]
            for row in committed_rows:
                row["person_id"] = final(row["person_id"])
            merged: dict[str, tuple[datetime, datetime]] = {}
            for pid, (lo, hi) in touched.items():
                tgt = final(pid)
                a, b = merged.get(tgt, (lo, hi))
                merged[tgt] = (min(a, lo), max(b, hi))
            touched = merged
            traits_updates = [(final(p), t, ts) for p, t, ts in traits_updates]
        table = pa.table(cols, schema=_ARROW_SCHEMA)
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            for old, new in merges:
                con.execute("UPDATE events SET person_id = ? WHERE person_id = ?", [new, old])
                self._merge_person(old, new)
            con.register("_cxj_batch", table)
            try:
                con.execute(f"INSERT INTO events SELECT {', '.join(EVENT_COLUMNS)} FROM _cxj_batch")
            finally:
                con.unregister("_cxj_batch")
            if new_ids:
                con.executemany("INSERT OR REPLACE INTO identities VALUES (?, ?)", list(new_ids.items()))
            self._upsert_persons(touched, traits_updates)
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

    def _merge_person(self, old: str, new: str) -> None:
        con = self.con
        o = con.execute("SELECT traits, first_seen, last_seen, email FROM persons WHERE person_id = ?", [old]).fetchone()
        if o is None:
            return
        n = con.execute("SELECT traits, first_seen, last_seen, email FROM persons WHERE person_id = ?", [new]).fetchone()
        traits = {**orjson.loads(o[0] or "{}"), **(orjson.loads(n[0] or "{}") if n else {})}
        first = min(x for x in [o[1], n[1] if n else None] if x is not None)
        last = max(x for x in [o[2], n[2] if n else None] if x is not None)
        email = (n[3] if n else None) or o[3]
        con.execute("DELETE FROM persons WHERE person_id IN (?, ?)", [old, new])
        con.execute(
            "INSERT INTO persons VALUES (?, ?, ?, ?, ?, now()::TIMESTAMP)",
            [new, email, orjson.dumps(traits).decode(), first, last],
        )

    def _upsert_persons(self, touched: dict[str, tuple[datetime, datetime]],
                        traits_updates: list[tuple[str, dict[str, Any], datetime]]) -> None:
        if not touched:
            return
        con = self.con
        pids = list(touched)
        existing = {
            r[0]: r
            for r in con.execute(
                "SELECT person_id, email, traits, first_seen, last_seen FROM persons WHERE person_id IN (SELECT unnest(?))", [pids]
            ).fetchall()
        }
        new_traits: dict[str, dict[str, Any]] = {}
        for pid, traits, _ in traits_updates:
            new_traits.setdefault(pid, {}).update(traits)
        rows = []
        for pid, (lo, hi) in touched.items():
            ex = existing.get(pid)
            traits = orjson.loads(ex[2]) if ex and ex[2] else {}
            if pid in new_traits:
                traits.update(new_traits[pid])
            email = traits.get("email") if isinstance(traits.get("email"), str) else (ex[1] if ex else None)
            first = min(lo, ex[3]) if ex and ex[3] else lo
            last = max(hi, ex[4]) if ex and ex[4] else hi
            rows.append((pid, email, orjson.dumps(traits).decode(), first, last))
        tbl = pa.table(
            {
                "person_id": [r[0] for r in rows], "email": [r[1] for r in rows], "traits": [r[2] for r in rows],
                "first_seen": [r[3] for r in rows], "last_seen": [r[4] for r in rows],
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
