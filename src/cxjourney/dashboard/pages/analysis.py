"""Funnels (steps picked in the page), paths (Sankey with other/exit buckets) and retention (cohort heatmap)."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard import charts
from cxjourney.dashboard.data import fetch, is_flagged
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import data_as_of, panel_json
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
        count_key = next((k for k in ("reached", "count", "persons", "entered", "users", "n") if k in p.rows[0]), None)
        if label_key and count_key:
            chart = {"data": [{"type": "funnel", "y": [str(r[label_key]) for r in p.rows], "x": [r[count_key] for r in p.rows],
                               "texttemplate": "%{value:,d}<br>%{percentInitial:.1%}", "marker": {"color": charts.COLOURS["line"]}}],
                     "layout": {**charts.LAYOUT, "height": 340, "margin": {"l": 150, "r": 20, "t": 20, "b": 20},
                                "yaxis": {"automargin": True}}}
    return {"page": "funnels", "steps": steps, "event_names": _event_names(ctx), "funnel": panel_json(p, chart)}


def build_paths(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    label = next(iter(args.get("label") or []), None) or "touchpoint"
    label = label if label in ("event", "touchpoint", "stage") else "touchpoint"
    p = fetch(ctx, "paths", f.as_params(), label=label, steps=4, top=15)
    links = sankey_links(p.rows) if p.ok else []
    for r in p.rows if p.ok else []:
        r["steps"] = " → ".join(str(x) for x in (r.get("path") or []))
    return {"page": "paths", "label": label, "paths": panel_json(p, charts.sankey(links, t("Paths")))}


def sankey_links(rows: list[dict[str, Any]]) -> list[tuple[str, str, float]]:
    """Path variants (``path`` = list of steps, ``count``) as Sankey links between numbered steps; a path
    that ends before the longest one flows into '(exit)', so every column adds up to the total."""
    longest = max((len(r.get("path") or []) for r in rows), default=0)
    agg: dict[tuple[str, str], float] = {}
    for r in rows:
        path = [str(x) for x in (r.get("path") or [])]
        n = float(r.get("count") or 0)
        if not path or not n:
            continue
        for i in range(len(path) - 1):
            key = (f"{i + 1}. {path[i]}", f"{i + 2}. {path[i + 1]}")
            agg[key] = agg.get(key, 0.0) + n
        if len(path) < longest:
            key = (f"{len(path)}. {path[-1]}", f"{len(path) + 1}. (exit)")
            agg[key] = agg.get(key, 0.0) + n
    return [(s, t, v) for (s, t), v in agg.items()]


def build_retention(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    look_from = data_as_of(ctx, f)
    p = fetch(ctx, "retention", f.as_params(), **({"as_of": look_from} if look_from else {}))
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
