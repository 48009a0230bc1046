"""How pages get numbers: only through :func:`cxjourney.query.run_query`.

A page asks for a query with the dashboard's filters; :func:`fetch` passes only the parameters that the
query's params model declares, and returns a :class:`Panel` that is either the result or a clear reason it
is not available (query not registered yet, not enough data, bad filter). Nothing is ever made up."""

from __future__ import annotations

import json
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cxjourney.errors import CXJError
from cxjourney.metrics.stats import INSUFFICIENT
from cxjourney.query import registry, run_query
from cxjourney.query.registry import QueryContext

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
    """Query answers kept for ``ttl_s`` seconds (the server's dashboards share it). A page built from the
    cache says when its figures were computed; new events still appear at once in the live feed."""

    def __init__(self, ttl_s: float = 60.0, max_entries: int = 1024):
        self.ttl_s = ttl_s
        self.max_entries = max_entries
        self._d: dict[str, tuple[float, Panel]] = {}
        self._lock = threading.Lock()

    def get(self, key: str) -> Panel | None:
        with self._lock:
            hit = self._d.get(key)
        if hit is None or time.monotonic() - hit[0] > self.ttl_s:
            return None
        p = hit[1]
        return Panel(p.query, p.status, list(p.rows), dict(p.meta), p.reason)

    def put(self, key: str, panel: Panel) -> None:
        with self._lock:
            if len(self._d) >= self.max_entries:
                self._d.pop(next(iter(self._d)))
            self._d[key] = (time.monotonic(), panel)

    def clear(self) -> None:
        with self._lock:
            self._d.clear()


# Queries never answered from the cache: cheap, and their rows change by a person's action (a case followed up).
UNCACHED = {"alerts"}


def fetch(ctx: QueryContext, name: str, filters: dict[str, Any] | None = None, **extra: Any) -> Panel:
    """Run one registered query for a page (through the shared cache when the context carries one)."""
    if not available(name):
        return Panel(name, "missing", reason="not_available")
    params, ignored = adapt(name, filters or {}, extra)
    cache: ResultCache | None = None if name in UNCACHED else ctx.extra.get("cache")
    key = json.dumps([name, params, ctx.role], sort_keys=True, default=str)
    if cache is not None and (hit := cache.get(key)) is not None:
        return hit
    panel = _run(ctx, name, params, ignored)
    if cache is not None and panel.status != "error":
        cache.put(key, panel)
    return panel


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
