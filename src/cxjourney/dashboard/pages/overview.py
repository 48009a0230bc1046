"""Overview: KPI tiles (NPS, CSAT, CES, conversion, revenue, churn, CLV) with interval, n, target and
trend; significant changes; latest alerts; what the store holds."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard.data import fetch, is_flagged
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import current_journey, kpi_tile, panel_json
from cxjourney.query.registry import QueryContext

# key, query, metric in a long-format result (None: the query is the metric), kind, better, target metric
KPIS: list[tuple[str, str, str | None, str, str, str]] = [
    ("nps", "nps", None, "score", "higher", "nps"),
    ("csat", "csat", None, "rate", "higher", "csat"),
    ("ces", "ces", None, "score", "lower", "ces"),
    ("conversion", "journey_overview", "conversion_rate", "rate", "higher", "conversion_rate"),
    ("revenue", "journey_overview", "revenue", "money", "higher", "revenue"),
    ("churn", "churn", None, "rate", "lower", "churn_rate"),
    ("clv", "clv_summary", None, "money", "higher", "clv"),
]


def build(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any] | None = None) -> dict[str, Any]:
    journey = current_journey(ctx, f)
    tiles = [
        kpi_tile(ctx, f, key=key, query=q, metric=metric, kind=kind, better=better, journey=journey,
                 target_metric=tm, label=t(LABELS[key]), small=t("n too small"))
        for key, q, metric, kind, better, tm in KPIS
    ]
    summary = fetch(ctx, "store_summary")
    changes = fetch(ctx, "score_change", f.as_params())
    significant = [r for r in changes.rows if (r.get("significant") or "significant" in (r.get("flags") or [])) and not is_flagged(r)]
    alerts = fetch(ctx, "alerts", f.as_params(), limit=10)
    return {
        "page": "overview",
        "journey": journey.id if journey else None,
        "tiles": tiles,
        "store": summary.rows[0] if summary.ok and summary.rows else None,
        "changes": panel_json(changes),
        "significant_changes": significant,
        "alerts": panel_json(alerts),
    }


def N_(s: str) -> str:  # marks a string for the message catalogs; translated where it is shown
    return s


LABELS = {
    "nps": N_("NPS"),
    "csat": N_("CSAT"),
    "ces": N_("CES"),
    "conversion": N_("Conversion"),
    "revenue": N_("Revenue"),
    "churn": N_("Churn"),
    "clv": N_("Customer lifetime value"),
}
