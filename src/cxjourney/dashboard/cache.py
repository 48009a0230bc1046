"""The dashboard's shared result cache: an answer is reused only while everything it was computed from is
unchanged.

Each query run records what it read (:class:`Watched`): the store tables it opened with ``store.table`` (any
use of the raw connection or Ibis backend counts as reading every table), and whether it read the clock
(``ctx.now``). The answer is kept with a token of exactly those inputs: the versions of those tables
(:func:`cxjourney.storage.version.data_version`, read once per request), the journey and survey files and the
settings. A later request gets the answer only when its own token for the same inputs is equal; an answer
that read the clock is also tied to the minute it was computed in. So a new event recomputes the answers
that read events, and not the survey scores, which read only the answers.

Determinism makes this exact: a query's path (and so the set of tables it reads) depends only on its
parameters and on what it read; if none of that changed, it would read the same tables and give the same
answer. ``max_age_s`` only bounds memory."""

from __future__ import annotations

import dataclasses
import hashlib
import sys
import threading
import time
from collections import OrderedDict
from datetime import UTC, datetime
from typing import Any

from cxjourney.query.registry import QueryContext
from cxjourney.storage.version import data_version

ALL = "*"
VIEWS = {"orders": "events", "tickets": "events"}  # views of the schema -> the table they read
_RUN_QUERY = sys.modules[QueryContext.__module__].run_query.__code__


class Inputs:
    """What one request sees, read once: table versions, journey and survey files, settings."""

    def __init__(self, ctx: QueryContext):
        ws = ctx.workspace
        files = ws.files_stamp() if ws is not None else ()
        settings = ctx.settings.model_dump_json() if hasattr(ctx.settings, "model_dump_json") else repr(ctx.settings)
        self.common = repr((files, settings))
        self.tables: dict[str, tuple[int, str | None]] = {n: (c, v) for n, c, v in data_version(ctx.store)}

    def token(self, reads: frozenset[str]) -> str:
        names = {VIEWS.get(t, t) for t in reads}
        if ALL in names or not names <= self.tables.keys():  # raw access or a table outside the version
            part = sorted(self.tables.items())
        else:
            part = sorted((n, self.tables[n]) for n in names)
        return hashlib.blake2b(repr((part, self.common)).encode(), digest_size=16).hexdigest()


def inputs(ctx: QueryContext) -> Inputs | None:
    """The request's :class:`Inputs` (kept in ``ctx.extra``); None when the store cannot say (not DuckDB)."""
    if "inputs" not in ctx.extra:
        try:
            ctx.extra["inputs"] = Inputs(ctx)
        except Exception:  # noqa: BLE001  (no version, no cache: the page is still computed)
            ctx.extra["inputs"] = None
    return ctx.extra["inputs"]


class ReadsOf:
    """The store as one query run sees it, noting the tables read (``*``: the raw connection or backend)."""

    def __init__(self, store: Any):
        object.__setattr__(self, "_store", store)
        object.__setattr__(self, "reads", set())

    def table(self, name: str) -> Any:
        self.reads.add(name)
        return self._store.table(name)

    def __getattr__(self, name: str) -> Any:
        if name in ("con", "ibis"):
            self.reads.add(ALL)
        return getattr(self._store, name)

    def __setattr__(self, name: str, value: Any) -> None:
        setattr(self._store, name, value)


class Watched(QueryContext):
    """The request's context for one query run: its store notes the tables read, and reading ``now`` is
    noted (run_query's own read, for the answer's ``as_of``, does not count)."""

    @property  # type: ignore[override]
    def now(self) -> datetime:
        if sys._getframe(1).f_code is not _RUN_QUERY:
            self.__dict__["read_clock"] = True
        return self.__dict__["_now"]

    @now.setter
    def now(self, value: datetime) -> None:
        self.__dict__["_now"] = value

    @property
    def read_clock(self) -> bool:
        return bool(self.__dict__.get("read_clock"))

    @property
    def reads(self) -> frozenset[str]:
        store = self.__dict__["store"]
        return frozenset(store.reads) if isinstance(store, ReadsOf) else frozenset({ALL})


def watched(ctx: QueryContext) -> Watched:
    args = {f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx) if f.init}
    args["store"] = ReadsOf(ctx.store)
    return Watched(**args)


@dataclasses.dataclass
class Entry:
    at: float
    reads: frozenset[str]
    token: str
    bucket: int | None
    panel: Any


class ResultCache:
    """Answers shared by the server's dashboards, one per (query, parameters, role), each with the token
    of what it read. ``clock_resolution_s``: how long an answer that read the clock is reused."""

    def __init__(self, max_age_s: float = 3600.0, max_entries: int = 2048, clock_resolution_s: float = 60.0):
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self.clock_resolution_s = clock_resolution_s
        self._d: OrderedDict[str, Entry] = OrderedDict()
        self._lock = threading.Lock()

    def clock_bucket(self, now: datetime) -> int:
        return int(now.replace(tzinfo=UTC).timestamp() // self.clock_resolution_s)

    def get(self, key: str, seen: Inputs, now: datetime) -> Any | None:
        with self._lock:
            e = self._d.get(key)
        if e is None or time.monotonic() - e.at > self.max_age_s:
            return None
        if e.bucket is not None and e.bucket != self.clock_bucket(now):
            return None
        if seen.token(e.reads) != e.token:
            return None
        return e.panel.copy()

    def put(self, key: str, panel: Any, run: Watched, seen: Inputs) -> None:
        clock = run.read_clock
        e = Entry(time.monotonic(), run.reads, seen.token(run.reads),
                  self.clock_bucket(run.__dict__["_now"]) if clock else None, panel)
        with self._lock:
            self._d.pop(key, None)
            self._d[key] = e
            while len(self._d) > self.max_entries:
                self._d.popitem(last=False)

    def reads(self, key: str) -> frozenset[str] | None:
        with self._lock:
            e = self._d.get(key)
        return e.reads if e else None

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def __len__(self) -> int:
        with self._lock:
            return len(self._d)
