"""How pages get numbers: only through :func:`cxjourney.query.run_query`.

A page asks for a query with the dashboard's filters; :func:`fetch` passes only the parameters that the
query's params model declares, and returns a :class:`Panel` that is either the result or a clear reason it
is not available (query not registered yet, not enough data, bad filter). Nothing is ever made up."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import sys
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from cxjourney.errors import CXJError
from cxjourney.metrics.stats import INSUFFICIENT
from cxjourney.query import registry, run_query
from cxjourney.query.registry import QueryContext
from cxjourney.storage.version import data_version

_registry_module = sys.modules[QueryContext.__module__]

# The dashboard's date filters and the parameter names a query may use for them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "start": ("start", "date_from", "since", "from_date", "start_date"),
    "end": ("end", "date_to", "until", "to_date", "end_date"),
    "journey": ("journey", "journey_id"),
}


@dataclass
class Panel:
    """One query's answer for a page: rows + meta, or ``status`` 'missing' / 'insufficient' / 'error'."""

    query: str
    status: str = "ok"
    rows: list[dict[str, Any]] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    reason: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "ok"

    def copy(self) -> Panel:
        """A copy a page may change (rows and meta one level deep) without touching a cached answer."""
        return Panel(self.query, self.status, [dict(r) for r in self.rows], dict(self.meta), self.reason)

    def to_json(self) -> dict[str, Any]:
        return {"query": self.query, "status": self.status, "reason": self.reason, "rows": self.rows, "meta": self.meta}


def available(name: str) -> bool:
    return name in registry()


def _fields(name: str) -> dict[str, str]:
    spec = registry().get(name)
    return {k: str(f.annotation) for k, f in spec.params.model_fields.items()} if spec else {}


def adapt(name: str, filters: dict[str, Any], extra: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[str]]:
    """The filters (and extra params) this query accepts, under the names it uses, and the filters it
    cannot apply (shown on the page, so a number is never mistaken for a filtered one).

    Channel and segment go to a ``channel``/``segment`` parameter when the query has one, else into its
    ``where``: a list of ``key=value`` strings (survey queries) or a mapping of event columns (analytics,
    which can filter by channel but not by a person's trait)."""
    fields = _fields(name)
    out: dict[str, Any] = {}
    ignored: list[str] = []
    for key, value in filters.items():
        if value in (None, ""):
            continue
        if key in SYNONYMS:
            cand = next((c for c in SYNONYMS[key] if c in fields), None)
            if cand:
                out[cand] = value
            else:
                ignored.append(key)
            continue
        if key in fields:
            out[key] = [value] if "list" in fields[key] else value
        elif "where" in fields and fields["where"].startswith("list"):
            out.setdefault("where", []).append(f"{key}={value}")
        elif "where" in fields and fields["where"].startswith("dict") and key == "channel":
            out.setdefault("where", {})[key] = value
        else:
            ignored.append(key)
    for key, value in (extra or {}).items():
        if key in fields and value is not None:
            out[key] = value
    return out, ignored


class ResultCache:
    """Query answers shared by the server's dashboards, each kept with the data version it was computed
    from (:func:`data_token`): an answer is served only while the store, the journey and survey files and
    the settings are exactly as they were, so a page never shows a number older than the data behind it.

    An answer whose query read the clock (``ctx.now``, e.g. a churn window that ends now) is also tied to
    the minute it was computed in (``clock_resolution_s``). ``max_age_s`` only bounds memory: correctness
    never depends on it. Only the answers of the newest few data versions are kept."""

    def __init__(self, max_age_s: float = 3600.0, max_entries: int = 1024, clock_resolution_s: float = 60.0,
                 versions_kept: int = 2):
        self.max_age_s = max_age_s
        self.max_entries = max_entries
        self.clock_resolution_s = clock_resolution_s
        self.versions_kept = versions_kept
        self._d: dict[str, dict[str, tuple[float, int | None, Panel]]] = {}  # token -> key -> entry
        self._lock = threading.Lock()

    def clock_bucket(self, now: datetime) -> int:
        return int(now.replace(tzinfo=UTC).timestamp() // self.clock_resolution_s)

    def get(self, token: str, key: str, now: datetime) -> Panel | None:
        with self._lock:
            hit = self._d.get(token, {}).get(key)
        if hit is None:
            return None
        at, bucket, p = hit
        if time.monotonic() - at > self.max_age_s or (bucket is not None and bucket != self.clock_bucket(now)):
            return None
        return p.copy()

    def put(self, token: str, key: str, panel: Panel, *, now: datetime, read_clock: bool) -> None:
        bucket = self.clock_bucket(now) if read_clock else None
        with self._lock:
            entries = self._d.pop(token, None) or {}
            self._d[token] = entries  # the most recently used version last
            while len(self._d) > self.versions_kept:
                self._d.pop(next(iter(self._d)))
            if len(entries) >= self.max_entries:
                entries.pop(next(iter(entries)))
            entries[key] = (time.monotonic(), bucket, panel)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()

    def __len__(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._d.values())


def file_stamp(*dirs: Path) -> tuple[Any, ...]:
    """What the files in ``dirs`` look like now (name, size, mtime): a changed file changes the stamp."""
    out: list[Any] = []
    for d in dirs:
        if d.exists():
            for p in sorted(d.iterdir()):
                st = p.stat()
                out.append((str(p), st.st_size, st.st_mtime_ns))
    return tuple(out)


def data_token(ctx: QueryContext) -> str | None:
    """The version of everything a query may read, once per request (kept in ``ctx.extra``): the store's
    :func:`~cxjourney.storage.version.data_version`, the journey and survey files, and the settings.
    None when the store cannot say (another engine): then nothing is cached."""
    if "data_token" not in ctx.extra:
        token: str | None
        try:
            ws = ctx.workspace
            files = file_stamp(ws.journeys_dir, ws.surveys_dir) if ws is not None else ()
            settings = ctx.settings.model_dump_json() if hasattr(ctx.settings, "model_dump_json") else repr(ctx.settings)
            raw = repr((data_version(ctx.store), files, settings))
            token = hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()
        except Exception:  # noqa: BLE001  (no version, no cache: the page is still computed)
            token = None
        ctx.extra["data_token"] = token
    return ctx.extra["data_token"]


_RUN_QUERY = _registry_module.run_query.__code__


class _ClockWatch(QueryContext):
    """The request's context for one query run, noting whether the query read ``now`` (run_query's own
    read, for the answer's ``as_of``, does not count)."""

    @property  # type: ignore[override]
    def now(self) -> datetime:
        if sys._getframe(1).f_code is not _RUN_QUERY:
            self.__dict__["read_clock"] = True
        return self.__dict__["_now"]

    @now.setter
    def now(self, value: datetime) -> None:
        self.__dict__["_now"] = value


def _watched(ctx: QueryContext) -> _ClockWatch:
    return _ClockWatch(**{f.name: getattr(ctx, f.name) for f in dataclasses.fields(ctx) if f.init})


def fetch(ctx: QueryContext, name: str, filters: dict[str, Any] | None = None, **extra: Any) -> Panel:
    """Run one registered query for a page. The same query with the same parameters runs once per page
    build; across requests the shared cache answers while the data it was computed from is unchanged."""
    if not available(name):
        return Panel(name, "missing", reason="not_available")
    params, ignored = adapt(name, filters or {}, extra)
    key = json.dumps([name, params, ctx.role], sort_keys=True, default=str)
    memo: dict[str, Panel] = ctx.extra.setdefault("memo", {})
    if key in memo:
        p = memo[key]
        return p.copy()
    cache: ResultCache | None = ctx.extra.get("cache")
    token = data_token(ctx) if cache is not None else None
    if cache is not None and token is not None and (hit := cache.get(token, key, ctx.now)) is not None:
        memo[key] = hit
        return hit.copy()
    watched = _watched(ctx)
    panel = _run(watched, name, params, ignored)
    memo[key] = panel
    if cache is not None and token is not None and panel.status != "error":
        cache.put(token, key, panel, now=ctx.now, read_clock=bool(watched.__dict__.get("read_clock")))
    return panel.copy()


def _run(ctx: QueryContext, name: str, params: dict[str, Any], ignored: list[str]) -> Panel:
    try:
        res = run_query(ctx, name, params)
    except CXJError as exc:
        status = "insufficient" if exc.code == "insufficient_data" else "error"
        return Panel(name, status, reason=exc.message, meta={"errors": clean(exc.errors), "ignored_filters": ignored})
    meta = clean(res.meta)
    meta["ignored_filters"] = ignored
    meta["computed_at"] = datetime.now(UTC).replace(tzinfo=None).isoformat(timespec="seconds")
    return Panel(name, "ok", rows=[clean(r) for r in res.rows], meta=meta)


def clean(v: Any) -> Any:
    """JSON-safe: NaN -> None, dates -> ISO strings, numpy scalars -> Python."""
    if isinstance(v, dict):
        return {str(k): clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    if isinstance(v, float) and (math.isnan(v) or math.isinf(v)):
        return None
    if isinstance(v, (datetime, date)):
        return v.isoformat()
    if hasattr(v, "item") and not isinstance(v, (str, bytes)):
        try:
            return clean(v.item())
        except (ValueError, AttributeError):
            return str(v)
    return v


def is_flagged(row: dict[str, Any]) -> bool:
    return INSUFFICIENT in (row.get("flags") or [])


def metric_rows(panel: Panel) -> list[dict[str, Any]]:
    """Rows that carry a metric value (``value`` with interval and n)."""
    return [r for r in panel.rows if "value" in r]


def overall_and_trend(panel: Panel) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
    """The headline row (the one without a period, else the latest period) and the per-period trend."""
    rows = metric_rows(panel)
    if not rows:
        return None, []
    with_period = sorted((r for r in rows if r.get("period") not in (None, "all")), key=lambda r: str(r["period"]))
    without = [r for r in rows if r.get("period") in (None, "all")]
    headline = without[0] if without else (with_period[-1] if with_period else rows[0])
    return headline, with_period
