"""How pages get numbers: only through :func:`cxjourney.query.run_query`.

A page asks for a query with the dashboard's filters; :func:`fetch` passes only the parameters that the
query's params model declares, and returns a :class:`Panel` that is either the result or a clear reason it
is not available (query not registered yet, not enough data, bad filter). Nothing is ever made up."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from cxjourney.dashboard.cache import ResultCache, inputs, watched
from cxjourney.errors import CXJError
from cxjourney.metrics.stats import INSUFFICIENT
from cxjourney.query import registry, run_query
from cxjourney.query.registry import QueryContext

__all__ = ["Panel", "ResultCache", "fetch"]

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


def fetch(ctx: QueryContext, name: str, filters: dict[str, Any] | None = None, **extra: Any) -> Panel:
    """Run one registered query for a page. The same query with the same parameters runs once per page
    build; across requests the shared cache (:mod:`cxjourney.dashboard.cache`) answers while everything
    the answer was computed from is unchanged."""
    if not available(name):
        return Panel(name, "missing", reason="not_available")
    params, ignored = adapt(name, filters or {}, extra)
    key = json.dumps([name, params, ctx.role], sort_keys=True, default=str)
    memo: dict[str, Panel] = ctx.extra.setdefault("memo", {})
    if key in memo:
        return memo[key].copy()
    cache: ResultCache | None = ctx.extra.get("cache")
    seen = inputs(ctx) if cache is not None else None
    if cache is not None and seen is not None and (hit := cache.get(key, seen, ctx.now)) is not None:
        memo[key] = hit
        return hit.copy()
    run = watched(ctx)
    panel = _run(run, name, params, ignored)
    memo[key] = panel
    if cache is not None and seen is not None and panel.status != "error":
        cache.put(key, panel, run, seen)
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
