"""Helpers shared by the page builders: panels as JSON, journey targets, a KPI tile."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard import charts
from cxjourney.dashboard.data import Panel, fetch, is_flagged, overall_and_trend
from cxjourney.dashboard.filters import Filters
from cxjourney.query.registry import QueryContext


def journeys_of(ctx: QueryContext) -> list[Any]:
    try:
        return ctx.workspace.journeys() if ctx.workspace is not None else []
    except Exception:  # an invalid journey directory must not take the dashboard down
        return []


def current_journey(ctx: QueryContext, f: Filters) -> Any | None:
    js = journeys_of(ctx)
    for j in js:
        if j.id == f.journey:
            return j
    return js[0] if js else None


def target_for(journey: Any | None, metric: str) -> dict[str, Any] | None:
    """The first target the journey file sets for ``metric`` (stage or touchpoint), with where it is set."""
    if journey is None:
        return None
    for s in journey.stages:
        if metric in s.targets:
            return {"value": s.targets[metric], "stage": s.id, "benchmark": s.benchmarks.get(metric)}
        for t in s.touchpoints:
            if metric in t.targets:
                return {"value": t.targets[metric], "stage": s.id, "touchpoint": t.id, "benchmark": None}
    return None


def against_target(value: Any, target: dict[str, Any] | None, better: str) -> str | None:
    """'good' / 'bad' / None: how a value compares with its target in the direction that is better."""
    if value is None or target is None:
        return None
    t = float(target["value"])
    ok = float(value) >= t if better == "higher" else float(value) <= t
    return "good" if ok else "bad"


def panel_json(p: Panel, chart: dict[str, Any] | None = None) -> dict[str, Any]:
    out = p.to_json()
    out["chart"] = chart
    return out


def rows_for_metric(p: Panel, metric: str | None) -> Panel:
    """Long-format results (rows with a ``metric`` column) narrowed to one metric."""
    if metric is None or not p.ok or not any("metric" in r for r in p.rows):
        return p
    rows = [r for r in p.rows if r.get("metric") == metric and r.get("touchpoint") is None]
    return Panel(p.query, p.status, rows, p.meta, p.reason)


# Queries with no weekly breakdown of their headline (asking again by week would only cost time).
NO_WEEKLY = {"journey_overview", "clv_summary"}


def kpi_tile(ctx: QueryContext, f: Filters, *, key: str, query: str, kind: str, better: str, journey: Any | None,
             target_metric: str | None = None, metric: str | None = None, label: str = "", small: str = "n too small",
             extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """One KPI: headline value with interval and n (or the insufficient-sample flag), target, trend."""
    extra = extra or {}
    p = rows_for_metric(fetch(ctx, query, f.as_params(), **extra), metric)
    tile: dict[str, Any] = {"key": key, "label": label or key, "query": query, "kind": kind, "better": better,
                            "status": p.status, "reason": p.reason, "row": None, "trend": [], "chart": None,
                            "target": target_for(journey, target_metric or key), "vs_target": None, "change": None}
    if not p.ok:
        return tile
    head, trend = overall_and_trend(p)
    if head is None and p.rows:
        head = p.rows[0]
    if head is None:
        tile["status"] = "empty"
        return tile
    if len(trend) < 2 and query not in NO_WEEKLY:
        tp = rows_for_metric(fetch(ctx, query, f.as_params(), period="week", **extra), metric)
        if tp.ok:
            _, trend = overall_and_trend(tp)
    tile["row"] = head
    tile["stage"] = head.get("stage")
    tile["trend"] = trend
    tile["flagged"] = is_flagged(head)
    if not tile["flagged"]:
        tile["vs_target"] = against_target(head.get("value"), tile["target"], better)
    if len(trend) >= 2:
        tile["chart"] = charts.line_with_band(trend, "period", percent=(kind == "rate"), small_label=small)
        tile["chart"]["layout"]["height"] = 120
        tile["chart"]["layout"]["margin"] = {"l": 36, "r": 8, "t": 8, "b": 24}
        tile["chart"]["layout"]["xaxis"] = {"nticks": 3, "tickangle": 0}
    return tile


def data_as_of(ctx: QueryContext, f: Filters) -> str | None:
    """The moment churn and retention look from when no end date is picked: the last event in the store
    (not the clock, so an imported history that ended years ago is not shown as 100% churned). With an end
    date the queries look from the day after it."""
    if f.end:
        return None
    p = fetch(ctx, "store_summary")
    last = (p.rows[0].get("last_event") if p.ok and p.rows else None) or None
    return str(last)[:19].replace(" ", "T") if last else None
