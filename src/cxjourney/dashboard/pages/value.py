"""Value: CLV distribution, probability alive, value segments, and the drivers of NPS."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard import charts
from cxjourney.dashboard.data import fetch
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import panel_json
from cxjourney.query.registry import QueryContext


def build(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    fp = f.as_params()
    summary = fetch(ctx, "clv_summary", fp)
    customers = fetch(ctx, "customer_value", fp, limit=5000)
    clv_chart = alive_chart = None
    if customers.ok and customers.rows:
        if "clv" in customers.rows[0]:
            clv_chart = charts.histogram([r.get("clv") for r in customers.rows], t("CLV distribution"))
        if "p_alive" in customers.rows[0]:
            alive_chart = charts.histogram([r.get("p_alive") for r in customers.rows], t("Probability alive"), nbins=20)
    if customers.ok:
        customers.meta["n_rows"] = len(customers.rows)
        customers.rows = customers.rows[:200]  # the charts use all of them; the table shows the first 200
    seg_rows = [r for r in summary.rows if r.get("segment") is not None] if summary.ok else []
    drivers = fetch(ctx, "drivers", fp)
    drv_chart = None
    if drivers.ok and drivers.rows:
        name_key = next((k for k in ("driver", "touchpoint", "feature", "name") if k in drivers.rows[0]), None)
        val_key = next((k for k in ("importance", "coefficient", "effect", "value") if k in drivers.rows[0]), None)
        if name_key and val_key:
            drv_chart = charts.bars([str(r[name_key]) for r in drivers.rows], [r[val_key] for r in drivers.rows], t("Drivers of NPS"), horizontal=True)
    return {
        "page": "value", "summary": panel_json(summary), "segments": seg_rows,
        "customers": panel_json(customers, clv_chart), "alive_chart": alive_chart, "drivers": panel_json(drivers, drv_chart),
        "top_customers": (customers.rows[:20] if customers.ok else []),
    }
