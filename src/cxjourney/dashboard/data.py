"""How pages get numbers: only through :func:`cxjourney.query.run_query`.

A page asks for a query with the dashboard's filters; :func:`fetch` passes only the parameters that the
query's params model declares, and returns a :class:`Panel` that is either the result or a clear reason it
is not available (query not registered yet, not enough data, bad filter). Nothing is ever made up."""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from cxjourney.errors import CXJError
from cxjourney.query import registry, run_query
from cxjourney.query.registry import QueryContext
from cxjourney.metrics.stats import INSUFFICIENT

# The dashboard's filter names and the parameter names a query may use for them.
SYNONYMS: dict[str, tuple[str, ...]] = {
    "start": ("start", "since", "date_from", "from_date", "start_date"),
    "end": ("end", "until", "date_to", "to_date", "end_date"),
    "journey": ("journey", "journey_id"),
    "segment": ("segment",),
    "channel": ("channel",),
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


def param_names(name: str) -> set[str]:
    spec = registry().get(name)
    return set(spec.params.model_fields) if spec else set()


def adapt(name: str, filters: dict[str, Any], extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """The filters (and extra params) this query accepts, under the names it uses."""
    names = param_names(name)
    out: dict[str, Any] = {}
    for key, value in filters.items():
        if value in (None, ""):
            continue
        for cand in SYNONYMS.get(key, (key,)):
            if cand in names:
                out[cand] = value
                break
    for key, value in (extra or {}).items():
        if key in names and value is not None:
            out[key] = value
    return out


def fetch(ctx: QueryContext, name: str, filters: dict[str, Any] | None = None, **extra: Any) -> Panel:
    if not available(name):
        return Panel(name, "missing", reason="not_available")
    try:
        res = run_query(ctx, name, adapt(name, filters or {}, extra))
    except CXJError as exc:
        status = "insufficient" if exc.code == "insufficient_data" else "error"
        return Panel(name, status, reason=exc.message, meta={"errors": exc.errors})
    return Panel(name, "ok", rows=[clean(r) for r in res.rows], meta=clean(res.meta))


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
    with_period = sorted((r for r in rows if r.get("period") is not None), key=lambda r: str(r["period"]))
    without = [r for r in rows if r.get("period") is None]
    headline = without[0] if without else (with_period[-1] if with_period else rows[0])
    return headline, with_period
