"""Funnels (steps picked in the page), paths (Sankey with other/exit buckets) and retention (cohort heatmap)."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard import charts
from cxjourney.dashboard.data import fetch, is_flagged
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import panel_json
from cxjourney.query.registry import QueryContext

DEFAULT_STEPS = ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]


def _event_names(ctx: QueryContext) -> list[str]:
    p = fetch(ctx, "event_names")
    return [r["event"] for r in p.rows] if p.ok else []


def build_funnels(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    steps = [s for s in (args.get("step") or []) if s][:12] or DEFAULT_STEPS
    p = fetch(ctx, "funnel", f.as_params(), steps=steps)
    chart = None
    if p.ok and p.rows:
        label_key = next((k for k in ("step_name", "step", "name", "event") if k in p.rows[0]), None)
        count_key = next((k for k in ("count", "persons", "n", "entered", "users") if k in p.rows[0]), None)
        if label_key and count_key:
            chart = {"data": [{"type": "funnel", "y": [str(r[label_key]) for r in p.rows], "x": [r[count_key] for r in p.rows],
                               "textinfo": "value+percent initial", "marker": {"color": charts.COLOURS["line"]}}],
                     "layout": {**charts.LAYOUT, "height": 340}}
    return {"page": "funnels", "steps": steps, "event_names": _event_names(ctx), "funnel": panel_json(p, chart)}


def build_paths(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    p = fetch(ctx, "paths", f.as_params())
    links: list[tuple[str, str, float]] = []
    for r in p.rows if p.ok else []:
        src = r.get("source", r.get("from"))
        dst = r.get("target", r.get("to"))
        val = r.get("count", r.get("value", r.get("n")))
        if src is not None and dst is not None and val:
            step = r.get("step", r.get("depth"))
            prefix = (lambda k, s: f"{k}. {s}") if step is not None else (lambda k, s: str(s))
            links.append((prefix(step, src), prefix(int(step) + 1, dst) if step is not None else str(dst), float(val)))
    return {"page": "paths", "paths": panel_json(p, charts.sankey(links, t("Paths")))}


def build_retention(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    p = fetch(ctx, "retention", f.as_params())
    chart = None
    if p.ok and p.rows and "cohort" in p.rows[0]:
        off_key = next((k for k in ("period", "offset", "period_number", "age") if k in p.rows[0]), None)
        if off_key:
            cohorts = sorted({str(r["cohort"]) for r in p.rows})
            offs = sorted({r[off_key] for r in p.rows if r[off_key] is not None}, key=lambda v: (float(v) if str(v).lstrip("-").isdigit() else 0, str(v)))
            grid = {(str(r["cohort"]), r[off_key]): (None if is_flagged(r) else r.get("value")) for r in p.rows}
            z = [[grid.get((c, o)) for o in offs] for c in cohorts]
            chart = charts.heatmap([str(o) for o in offs], cohorts, z, t("Retention by cohort"))
    return {"page": "retention", "retention": panel_json(p, chart)}
