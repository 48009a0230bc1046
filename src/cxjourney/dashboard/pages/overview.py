"""Overview: KPI tiles (NPS, CSAT, CES, conversion, revenue, churn, CLV) with interval, n, target and
trend; significant changes; latest alerts; what the store holds."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from cxjourney.dashboard.data import Panel, fetch, is_flagged
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import current_journey, data_as_of, kpi_tile, panel_json
from cxjourney.query.registry import QueryContext

# key, query, metric in a long-format result (None: the query is the metric), kind, better, target metric
KPIS: list[tuple[str, str, str | None, str, str, str]] = [
    ("nps", "nps", None, "score", "higher", "nps"),
    ("csat", "csat", None, "rate", "higher", "csat"),
    ("ces", "ces", None, "score", "lower", "ces"),
    ("conversion", "journey_overview", "conversion_rate", "rate", "higher", "conversion_rate"),
    ("revenue", "journey_overview", "revenue", "money", "higher", "revenue"),
    ("churn", "churn", None, "rate", "lower", "churn_rate"),
    ("clv", "clv_summary", "mean_clv", "money", "higher", "clv"),
]


def build(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any] | None = None) -> dict[str, Any]:
    journey = current_journey(ctx, f)
    look_from = data_as_of(ctx, f)
    tiles = [
        kpi_tile(ctx, f, key=key, query=q, metric=metric, kind=kind, better=better, journey=journey,
                 target_metric=tm, label=t(LABELS[key]), small=t("n too small"),
                 extra={"as_of": look_from} if q == "churn" and look_from else None)
        for key, q, metric, kind, better, tm in KPIS
    ]
    summary = fetch(ctx, "store_summary")
    store = summary.rows[0] if summary.ok and summary.rows else None
    changes = score_changes(ctx, f, store)
    significant = [r for r in changes.rows if r.get("significant") and not is_flagged(r)]
    for tile in tiles:
        row = next((r for r in changes.rows if r.get("metric") == tile["key"]), None)
        if row is not None and not is_flagged(row):
            tile["change"] = {"delta": row.get("value"), "ci_low": row.get("ci_low"), "ci_high": row.get("ci_high"),
                              "p_value": row.get("p_value"), "significant": bool(row.get("significant"))}
    alerts = fetch(ctx, "alerts", f.as_params(), limit=10)
    if alerts.status == "missing":  # no alerting query installed: the alerts this page's own figures raise
        alerts = derived_alerts(tiles)
    return {
        "page": "overview",
        "journey": journey.id if journey else None,
        "tiles": tiles,
        "store": store, "as_of": look_from,
        "changes": panel_json(changes),
        "significant_changes": significant,
        "alerts": panel_json(alerts),
    }


WINDOW_DAYS = 28


def derived_alerts(tiles: list[dict[str, Any]]) -> Panel:
    """Significant 4-week changes and missed targets of the KPI tiles (never from a flagged figure)."""
    rows: list[dict[str, Any]] = []
    for tile in tiles:
        if tile.get("status") != "ok" or tile.get("flagged") or tile.get("row") is None:
            continue
        ch = tile.get("change")
        if ch and ch.get("significant"):
            worse = (ch["delta"] or 0) < 0 if tile["better"] == "higher" else (ch["delta"] or 0) > 0
            rows.append({"kind": "change", "level": "bad" if worse else "good", "metric": tile["key"], "label": tile["label"],
                         "format": tile["kind"], "delta": ch["delta"], "ci_low": ch["ci_low"], "ci_high": ch["ci_high"],
                         "p_value": ch["p_value"]})
        if tile.get("vs_target") == "bad":
            rows.append({"kind": "target", "level": "bad", "metric": tile["key"], "label": tile["label"], "format": tile["kind"],
                         "value": tile["row"].get("value"), "target": tile["target"]["value"]})
    rows.sort(key=lambda r: (r["level"] != "bad", r["kind"] != "change"))
    return Panel("alerts", "ok", rows, {"source": "overview figures"})


def score_changes(ctx: QueryContext, f: Filters, store: dict[str, Any] | None) -> Panel:
    """NPS, CSAT and CES: the latest 4 weeks against the 4 weeks before (ending at the filter's end date,
    else at the last event), each with its difference, interval, p-value and significance."""
    anchor_s = f.end or ((store or {}).get("last_event") or "")[:10]
    if not anchor_s:
        return Panel("score_change", "empty")
    anchor = date.fromisoformat(anchor_s)
    b_from, a_to = anchor - timedelta(days=WINDOW_DAYS - 1), anchor - timedelta(days=WINDOW_DAYS)
    a_from = a_to - timedelta(days=WINDOW_DAYS - 1)
    base = {k: v for k, v in f.as_params().items() if k not in ("start", "end")}
    rows: list[dict[str, Any]] = []
    last: Panel | None = None
    for metric in ("nps", "csat", "ces"):
        p = fetch(ctx, "score_change", base, metric=metric, a_from=a_from.isoformat(), a_to=a_to.isoformat(),
                  b_from=b_from.isoformat(), b_to=anchor.isoformat())
        last = p
        rows += [{"metric": metric, **r} for r in p.rows] if p.ok else []
    if last is not None and last.status == "missing":
        return last
    return Panel("score_change", "ok", rows, {"a": f"{a_from}..{a_to}", "b": f"{b_from}..{anchor}"})


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
