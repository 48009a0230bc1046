"""Stage KPIs from events, ad costs and survey responses (the catalogue in journeys/catalogue.py).

``event_totals`` and ``cost_totals`` are Ibis aggregates by (period, dim); ``kpi_rows`` turns the
executed numbers into metric rows with intervals. Formulas: docs/analytics.md.
"""

from __future__ import annotations

from typing import Any

import ibis

from cxjourney.analytics.prep import dim_expr, period_expr
from cxjourney.metrics.rates import mean_row, plain, rate, ratio_row

EVENTS = {
    "impressions_ev": "Ad Impression", "clicks_ev": "Ad Clicked", "subscriptions": "Newsletter Subscribed",
    "leads": "Checkout Started", "orders": "Order Completed", "reviews": "Review Submitted",
    "referrals": "Referral Sent", "support_contacts": "Ticket Created",
}
COST_DIMS = ("channel", "campaign")


def _pd(t: Any, ts: Any, period: str, by: list[str] | None) -> Any:
    return t.mutate(period=period_expr(ts, period), dim=(dim_expr(t, by).cast("string") if by else ibis.literal("all")))


def event_totals(ev: Any, *, period: str = "all", by: list[str] | None = None) -> Any:
    """Per (period, dim): counts of the catalogue's events, revenue, customers, repeat customers."""
    t = _pd(ev.filter(ev.type == "track"), ev.timestamp, period, by)
    t = t.filter(t.event.isin(list(EVENTS.values())))
    is_order = t.event == EVENTS["orders"]
    aggs: dict[str, Any] = {k: (t.event == v).cast("int64").sum() for k, v in EVENTS.items()}
    aggs["revenue"] = t.revenue.fill_null(0).sum(where=is_order)
    aggs["revenue_sq"] = (t.revenue.fill_null(0) * t.revenue.fill_null(0)).sum(where=is_order)
    base = t.group_by(["period", "dim"]).aggregate(**aggs)
    o = t.filter(is_order)
    per = o.group_by(["period", "dim", "person_id"]).aggregate(k=o.count())
    cust = per.group_by(["period", "dim"]).aggregate(customers=per.count(), repeat=(per.k >= 2).cast("int64").sum())
    j = base.left_join(cust, ["period", "dim"]).drop("period_right", "dim_right")
    return j.mutate(customers=j.customers.fill_null(0), repeat=j.repeat.fill_null(0)).order_by(["period", "dim"])


def cost_by(by: list[str] | None) -> bool:
    """Can ad costs be broken down like this (only by channel and/or campaign)?"""
    return bool(by) and all(b in COST_DIMS for b in by or [])


def cost_totals(costs: Any, *, period: str = "all", by: list[str] | None = None) -> Any:
    """Per (period, dim): ad cost, impressions and clicks (dim: channel and/or campaign, else 'all')."""
    ts = costs.date.cast("timestamp")
    dim = dim_expr(costs, by).cast("string") if by and cost_by(by) else ibis.literal("all")
    t = costs.mutate(period=period_expr(ts, period), dim=dim)
    return t.group_by(["period", "dim"]).aggregate(
        cost=t.cost.sum(), impressions=t.impressions.sum(), clicks=t.clicks.sum())


def survey_groups(resp: Any) -> Any:
    """Per (stage, touchpoint, kind): n, promoters, detractors, top-2-box, sum and sum of squares of scores
    (one query; ``survey_for_stage`` sums the groups of a stage)."""
    r = resp.filter(resp.kind.isin(["nps", "csat", "ces"]) & resp.score.notnull())
    return r.group_by(["stage", "touchpoint", "kind"]).aggregate(
        n=r.count(), promoters=(r.score >= 9).cast("int64").sum(), detractors=(r.score <= 6).cast("int64").sum(),
        top2=(r.score >= 4).cast("int64").sum(), s=r.score.sum(), ss=(r.score * r.score).sum())


def survey_for_stage(groups: Any, stage: str, touchpoints: list[str]) -> Any:
    """The per-kind totals of the responses of a stage (its own, or to one of its touchpoints)."""
    g = groups[(groups["stage"] == stage) | groups["touchpoint"].isin(touchpoints)]
    return g.groupby("kind", as_index=False)[["n", "promoters", "detractors", "top2", "s", "ss"]].sum()


def nps_row(n: int, p: int, d: int, *, min_sample: int, confidence: float, **dims: Any) -> dict[str, Any]:
    """NPS = 100(p - d)/n with the adjusted-Wald interval (add 3 to n, 3/4 to promoters and detractors)."""
    from cxjourney.metrics.stats import flags_for, z_value

    if not n:
        return {**dims, "value": None, "ci_low": None, "ci_high": None, "n": 0, "flags": flags_for(0, min_sample)}
    na, pa, da = n + 3, (p + 0.75) / (n + 3), (d + 0.75) / (n + 3)
    var = (pa + da - (pa - da) ** 2) / na
    z = z_value(confidence)
    centre = 100 * (pa - da)
    half = 100 * z * var ** 0.5
    return {**dims, "value": 100 * (p - d) / n, "ci_low": max(-100.0, centre - half), "ci_high": min(100.0, centre + half),
            "n": int(n), "flags": flags_for(n, min_sample)}


def survey_rows(df: Any, *, min_sample: int, confidence: float, **dims: Any) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for r in df.to_dict(orient="records"):
        n = int(r["n"])
        if r["kind"] == "nps":
            out["nps"] = nps_row(n, int(r["promoters"]), int(r["detractors"]), min_sample=min_sample, confidence=confidence, **dims)
        elif r["kind"] == "csat":
            out["csat"] = rate(r["top2"], n, min_sample=min_sample, confidence=confidence, **dims)
        elif r["kind"] == "ces":
            mean = r["s"] / n
            sd = ((r["ss"] - n * mean * mean) / (n - 1)) ** 0.5 if n > 1 else None
            out["ces"] = mean_row(mean, sd, n, min_sample=min_sample, confidence=confidence, **dims)
    return out


def kpi_rows(ev_row: dict[str, Any] | None, cost_row: dict[str, Any] | None, *, min_sample: int, confidence: float,
             **dims: Any) -> dict[str, dict[str, Any]]:
    """Metric rows from one (period, dim) of ``event_totals`` and ``cost_totals``."""
    e = {k: plain(v) or 0 for k, v in (ev_row or {}).items()}
    c = {k: plain(v) for k, v in (cost_row or {}).items()}
    ms, cf = min_sample, confidence
    out: dict[str, dict[str, Any]] = {}

    def count(name: str, v: Any) -> None:
        out[name] = {**dims, "value": v, "ci_low": None, "ci_high": None, "n": int(v or 0), "flags": []}

    for name in ("subscriptions", "leads", "orders", "reviews", "referrals", "support_contacts"):
        count(name, int(e.get(name, 0)))
    count("revenue", float(e.get("revenue", 0.0)))
    out["revenue"]["n"] = int(e.get("orders", 0))
    impressions = c.get("impressions") if c.get("impressions") is not None else e.get("impressions_ev", 0)
    clicks = c.get("clicks") if c.get("clicks") is not None else e.get("clicks_ev", 0)
    count("impressions", int(impressions or 0))
    count("clicks", int(clicks or 0))
    out["ctr"] = rate(min(clicks or 0, impressions or 0), impressions or 0, min_sample=ms, confidence=cf, **dims)
    cost = c.get("cost")
    out["cpc"] = ratio_row(cost, clicks, n=clicks or 0, min_sample=ms, **dims)
    out["cost_per_conversion"] = ratio_row(cost, e.get("orders"), n=e.get("orders", 0), min_sample=ms, **dims)
    orders = int(e.get("orders", 0))
    if orders:
        mean = e["revenue"] / orders
        var = (e.get("revenue_sq", 0) - orders * mean * mean) / (orders - 1) if orders > 1 else None
        out["aov"] = mean_row(mean, max(var, 0.0) ** 0.5 if var is not None else None, orders, min_sample=ms, confidence=cf, **dims)
    else:
        out["aov"] = mean_row(None, None, 0, min_sample=ms, confidence=cf, **dims)
    customers = int(e.get("customers", 0))
    out["purchase_frequency"] = ratio_row(orders, customers, n=customers, min_sample=ms, **dims)
    out["repeat_purchase_rate"] = rate(e.get("repeat", 0), customers, min_sample=ms, confidence=cf, **dims)
    return out


def session_rows(s: dict[str, Any], *, min_sample: int, confidence: float, **dims: Any) -> dict[str, dict[str, Any]]:
    """Metric rows from one (period, dim) of ``sessions.session_measures``."""
    s = {k: plain(v) for k, v in s.items()}
    n = int(s.get("sessions") or 0)
    out: dict[str, dict[str, Any]] = {}
    for name in ("sessions", "visitors", "new_visitors"):
        v = int(s.get(name) or 0)
        out["visits" if name == "sessions" else name] = {**dims, "value": v, "ci_low": None, "ci_high": None, "n": v, "flags": []}
    ret = int(s.get("visitors") or 0) - int(s.get("new_visitors") or 0)
    out["returning_visitors"] = {**dims, "value": ret, "ci_low": None, "ci_high": None, "n": ret, "flags": []}
    out["bounce_rate"] = rate(s.get("bounces") or 0, n, min_sample=min_sample, confidence=confidence, **dims)
    out["engagement"] = rate(s.get("engaged") or 0, n, min_sample=min_sample, confidence=confidence, **dims)
    for key, name in (("duration", "time_on_site"), ("pages", "pages_per_session")):
        if n:
            mean = s[f"{key}_sum"] / n
            var = (s[f"{key}_sq"] - n * mean * mean) / (n - 1) if n > 1 else None
            out[name] = mean_row(mean, max(var, 0.0) ** 0.5 if var is not None else None, n, min_sample=min_sample, confidence=confidence, **dims)
        else:
            out[name] = mean_row(None, None, 0, min_sample=min_sample, confidence=confidence, **dims)
    return out
