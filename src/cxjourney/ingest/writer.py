"""The single writer: de-duplicates, stitches identities and commits events in groups.

A caller's events are acknowledged only after the transaction holding them has committed (DuckDB writes
its WAL on commit), so an answered request survives a crash. The server submits from many requests; the
writer thread gathers whatever is waiting (up to ``commit_interval_ms``) into one transaction: group commit.

The persons' activity spans (``first_seen``/``last_seen``, and a row for each new person) are applied by
:func:`cxjourney.ingest.persons.apply_spans` for many commits at once: in the server at most every
``span_interval_s`` (inside a commit's transaction, or alone when the queue is idle) and before every read
(``store.before_read``, called by the query layer), so a reader never sees them behind the events; in
:meth:`EventWriter.write` (imports, tests) in the same transaction as the events.
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

import numpy as np
import pyarrow as pa

from cxjourney.ingest.batch import _ARROW_SCHEMA, EVENT_COLUMNS, EventBatch, batch_from_rows
from cxjourney.ingest.dedup import SeenIds
from cxjourney.ingest.heap import trim_heap
from cxjourney.ingest.persons import apply_spans, stored_span_seq, upsert_persons

__all__ = ["EVENT_COLUMNS", "_ARROW_SCHEMA", "EventBatch", "EventWriter", "WriteResult"]

# At most this many messageIds are remembered for de-duplication (~20 MB, see ingest/dedup.py); within the window,
# the newest win. At 20,000 events/s that is the last 100 s; at 100 events/s, the last 5.5 hours.
DEDUP_MAX_IDS = 2_000_000


@dataclass
class WriteResult:
    accepted: int = 0
    duplicates: int = 0
    message_ids: list[str] = field(default_factory=list)


class EventWriter:
    """Owns all event writes of one store. Use :meth:`write` directly, or :meth:`start` + :meth:`submit`."""

    def __init__(self, store: Any, *, dedup_window: timedelta = timedelta(hours=24), commit_interval_ms: float = 5.0,
                 on_commit: Callable[[pa.Table], None] | None = None, span_interval_s: float = 1.0):
        self.store = store
        self.con = store.con.cursor()  # own cursor: reads elsewhere don't block on us
        self.commit_interval = commit_interval_ms / 1000.0
        self.on_commit = on_commit
        from cxjourney.ingest.identity import IdentityMap

        self.ids = IdentityMap(self.con)
        row = self.con.execute("SELECT coalesce(max(seq), 0) FROM events").fetchall()[0]  # not fetchone: DuckDB 2 keeps it open
        self.next_seq = int(row[0]) + 1 if row else 1
        # Events up to span_seq are reflected in the persons' spans (stored with them by every application;
        # migration v4 records it for workspaces made before). Unknown: apply them for every event again.
        self.span_seq = stored_span_seq(self.con) or 0
        self.span_interval = span_interval_s
        self.traits_cache: dict[str, dict[str, Any]] = {}  # see upsert_persons
        self.last_commit: float | None = None  # time.monotonic() of the last commit with events
        self._span_due = time.monotonic() + span_interval_s
        # messageIds of the de-duplication window (bounded memory: ingest/dedup.py), reloaded from the store.
        self.seen = SeenIds(dedup_window, DEDUP_MAX_IDS)
        newest = self.con.execute("SELECT max(received_at) FROM events").fetchall()[0][0]
        if newest is not None:
            cur = self.con.execute(
                "SELECT message_id, received_at FROM (SELECT message_id, received_at, seq FROM events WHERE received_at >= ? "
                "ORDER BY received_at DESC, seq DESC LIMIT ?) ORDER BY received_at, seq",
                [newest - dedup_window, DEDUP_MAX_IDS],
            )
            while rows := cur.fetchmany(100_000):
                self.seen.add_rows(rows)
        self._queue: queue.Queue[tuple[EventBatch, Future[WriteResult]] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    # ---- synchronous path (imports, demo, tests) -------------------------------------------------
    def write(self, rows: list[dict[str, Any]]) -> WriteResult:
        """Commit canonical row dicts now; each committed row gets its ``seq`` and ``person_id`` set."""
        batch = batch_from_rows(rows, keep_rows=True)
        with self._lock:
            return self._commit([batch], spans=True)[0]

    # ---- group commit (server) -------------------------------------------------------------------
    def start(self) -> None:
        # pyarrow imports pandas on its first table: do it now, not while the first requests wait for a commit.
        pa.table([pa.array([None], pa.string())], names=["warm_up"])
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="cxj-writer", daemon=True)
            self._thread.start()
            self.store.before_read = self.flush_spans

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=30)
            self._thread = None
            if getattr(self.store, "before_read", None) == self.flush_spans:
                self.store.before_read = None
            self.flush_spans()

    def reload(self) -> None:
        """Forget what the writer remembers of stored rows (identity map, traits): after a rollback, or after
        another writer (GDPR erasure) changed them. Call holding ``_lock``."""
        self.ids.rollback(self.con)
        self.traits_cache.clear()

    def flush_spans(self) -> None:
        """Apply the persons' spans of every committed event now (readers call this before they read)."""
        if self.next_seq - 1 <= self.span_seq:  # nothing pending (unlocked peek; re-checked under the lock)
            return
        with self._lock:
            hi = self.next_seq - 1
            if hi <= self.span_seq:
                return
            con = self.con
            con.execute("BEGIN TRANSACTION")
            try:
                apply_spans(con, self.span_seq, hi)
                con.execute("COMMIT")
            except Exception:
                con.execute("ROLLBACK")
                raise
            self.span_seq = hi
            self._span_due = time.monotonic() + self.span_interval

    def submit(self, batch: EventBatch | list[dict[str, Any]]) -> Future[WriteResult]:
        """Queue events for the next group commit. Pass an :class:`EventBatch` built in the caller's thread
        (the writer thread then does only what must be serial)."""
        if not isinstance(batch, EventBatch):
            batch = batch_from_rows(batch)
        fut: Future[WriteResult] = Future()
        self._queue.put((batch, fut))
        return fut

    def _run(self) -> None:
        last_trim = time.monotonic()
        while True:
            pending = self.next_seq - 1 > self.span_seq
            try:
                item = self._queue.get(timeout=max(self._span_due - time.monotonic(), 0.001)) if pending else self._queue.get()
            except queue.Empty:  # idle with spans to apply
                try:
                    self.flush_spans()
                except Exception:  # noqa: BLE001  (kept pending: the next commit or read applies them)
                    self._span_due = time.monotonic() + self.span_interval
                continue
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
                    results = self._commit([batch for batch, _ in jobs], spans=time.monotonic() >= self._span_due)
                for (_, fut), res in zip(jobs, results, strict=True):
                    fut.set_result(res)
            except Exception as exc:  # the transaction rolled back: nobody is told "ok"
                for _, fut in jobs:
                    if not fut.done():
                        fut.set_exception(exc)
            if stop:
                return
            if time.monotonic() - last_trim > 2.0:
                trim_heap()
                last_trim = time.monotonic()

    # ---- the transaction -------------------------------------------------------------------------
    def _commit(self, groups: list[EventBatch], *, spans: bool) -> list[WriteResult]:
        results = [WriteResult() for _ in groups]
        new_ids: dict[str, str] = {}
        merges: list[tuple[str, str]] = []
        traits_updates: list[tuple[str, dict[str, Any]]] = []
        fresh: set[str] = set()
        newest = datetime.min
        persons: list[str] = []  # person of each committed event, in commit order
        parts: list[pa.Table] = []
        kept_rows: list[tuple[int, list[dict[str, Any]]]] = []  # write(): (offset, the caller's dicts)
        resolve = self.ids.resolve
        # Which ids were seen before, for all the commit's batches at once (within it: ``fresh``).
        known_all = self.seen.known([mid for b in groups for mid in b.message_ids]).tolist()
        offset = 0
        for res, b in zip(results, groups, strict=True):
            keep: list[int] | None = None  # row indices, once a duplicate is found
            types, uids, aids = b.types, b.user_ids, b.anonymous_ids
            prev, traits = b.previous_ids, b.traits
            mids = res.message_ids
            base = len(persons)
            known = known_all[offset:offset + len(b.message_ids)]
            offset += len(b.message_ids)
            for i, mid in enumerate(b.message_ids):
                if known[i] or mid in fresh:
                    res.duplicates += 1
                    if keep is None:
                        keep = list(range(i))
                    continue
                if keep is not None:
                    keep.append(i)
                fresh.add(mid)
                mids.append(mid)
                person = resolve(types[i], uids[i], aids[i], prev.get(i) if prev else None, new_ids, merges)
                persons.append(person)
                if traits and i in traits:
                    traits_updates.append((person, traits[i]))
            res.accepted = len(mids)
            if not mids:
                continue
            if b.received_at > newest:
                newest = b.received_at
            parts.append(b.table if keep is None else b.table.take(keep))
            if b.rows is not None:
                kept_rows.append((base, b.rows if keep is None else [b.rows[i] for i in keep]))
        if not persons:
            return results
        if merges:  # a merge later in the batch also moves earlier rows of the same batch
            final = self.ids.person_of
            persons = [final(p) for p in persons]
            traits_updates = [(final(p), t) for p, t in traits_updates]
        seq = self.next_seq
        table = pa.concat_tables(parts) if len(parts) > 1 else parts[0]
        table = table.append_column("seq", pa.array(np.arange(seq, seq + len(persons), dtype=np.int64)))
        table = table.append_column("person_id", pa.array(persons, pa.string()))
        for base, kept in kept_rows:  # the caller's dicts learn their seq and person (responses need it)
            for k, row in enumerate(kept, base):
                row["seq"] = seq + k
                row["person_id"] = persons[k]
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
            upsert_persons(con, traits_updates, moved, self.traits_cache)
            hi = seq + len(persons) - 1
            if spans:
                apply_spans(con, self.span_seq, hi)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            self.reload()
            raise
        self.next_seq = seq + len(persons)
        self.last_commit = time.monotonic()
        if spans:
            self.span_seq = hi
            self._span_due = time.monotonic() + self.span_interval
        self.seen.add(newest, list(fresh))
        if self.on_commit is not None:
            try:
                self.on_commit(table)
            except Exception:
                pass
        return results
