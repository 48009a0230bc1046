"""Registered journey queries: overview (reach and stage conversion), stage KPIs, score, designed vs actual."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from cxjourney.analytics import fast, kpis, retention, score, sessions, stages
from cxjourney.analytics.engines import materialized
from cxjourney.analytics.params import JourneyOnly, JourneyScope, as_of, events, journey_of, records
from cxjourney.analytics.prep import split_dims
from cxjourney.metrics.rates import rate
from cxjourney.query.registry import QueryContext, Result, register

SESSION_METRICS = {"visits", "visitors", "new_visitors", "returning_visitors", "pages_per_session", "time_on_site",
                   "bounce_rate", "engagement"}
EVENT_METRICS = {"subscriptions", "impressions", "clicks", "ctr", "cpc", "orders", "revenue", "aov", "cost_per_conversion",
                 "leads", "purchase_frequency", "repeat_purchase_rate", "reviews", "referrals", "support_contacts"}
SURVEY_METRICS = {"nps", "csat", "ces"}


def _orders(ev: Any) -> Any:
    return ev.filter((ev.type == "track") & (ev.event == retention.ORDER_EVENT))


def _progress(ctx: QueryContext, p: Any, journey: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Stage progress totals and reach rows (period 'all' for progress; reach by period/by)."""
    if getattr(p, "period", "all") == "all" and fast.usable(ctx, p):
        return fast.progress_and_reach(ctx, journey)
    ev = events(ctx, p)
    with materialized(stages.annotated(ev, journey, by=getattr(p, "by", None))) as t:
        prog = records(stages.stage_progress(t, journey, _orders(ev)))[0]
        reach = records(stages.touchpoint_reach(t, period=getattr(p, "period", "all")))
    return prog, reach


def _stage_metric_rows(ctx: QueryContext, p: Any, journey: Any, prog: dict[str, Any]) -> dict[str, dict[str, dict[str, Any]]]:
    """{stage id: {metric: row}} for the whole scope (period 'all')."""
    ms, cf = ctx.settings.min_sample, ctx.settings.confidence
    wanted = {m for s in journey.stages for m in [*s.metrics, *s.targets]}
    ev = events(ctx, p)
    common: dict[str, dict[str, Any]] = {}
    quick = fast.usable(ctx, p)
    if wanted & EVENT_METRICS:
        et = fast.event_totals(ctx) if quick else records(kpis.event_totals(ev))
        ct = records(kpis.cost_totals(_costs(ctx, p)))
        common.update(kpis.kpi_rows(et[0] if et else None, ct[0] if ct else None, min_sample=ms, confidence=cf))
    if wanted & SESSION_METRICS:
        sm = fast.session_measures(ctx) if quick else records(sessions.session_measures(
            events(ctx, p, dates=False), timeout_minutes=ctx.settings.session_timeout_minutes, start=p.start, end=p.end))
        common.update(kpis.session_rows(sm[0] if sm else {}, min_sample=ms, confidence=cf))
    if "churn_rate" in wanted:
        when = as_of(ctx, None, p.end)
        if quick:
            ch = fast.churn(ctx, window_days=ctx.settings.churn_window_days, as_of=when)
        else:
            ch = records(retention.churn_by_period(ev, window_days=ctx.settings.churn_window_days, as_of=when, period="all"))
        c = ch[0] if ch else {"churned": 0, "n": 0}
        common["churn_rate"] = rate(int(c["churned"] or 0), int(c["n"] or 0), min_sample=ms, confidence=cf)
    out: dict[str, dict[str, dict[str, Any]]] = {}
    k = len(journey.stages)
    groups = None
    if wanted & SURVEY_METRICS:
        resp = _responses(ctx, p)
        groups = kpis.survey_groups(resp).execute() if resp is not None else None
    for i, s in enumerate(journey.stages):
        rows = dict(common)
        n = int(prog.get(f"n{i}") or 0)
        rows["reach"] = {"value": n, "ci_low": None, "ci_high": None, "n": n, "flags": []}
        if i + 1 < k:
            rows["stage_conversion"] = rate(int(prog.get(f"next{i}") or 0), n, min_sample=ms, confidence=cf)
        rows["conversion_rate"] = rate(int(prog.get(f"ord{i}") or 0), n, min_sample=ms, confidence=cf)
        if (set(s.metrics) | set(s.targets)) & SURVEY_METRICS and groups is not None:
            sr = kpis.survey_for_stage(groups, s.id, [t.id for t in s.touchpoints])
            rows.update(kpis.survey_rows(sr, min_sample=ms, confidence=cf))
        out[s.id] = rows
    return out


def _costs(ctx: QueryContext, p: Any) -> Any:
    c = ctx.store.table("ad_costs")
    if p.start is not None:
        c = c.filter(c.date >= p.start)
    if p.end is not None:
        c = c.filter(c.date <= p.end)
    if p.channel:
        c = c.filter(c.channel.isin(p.channel))
    return c


def _responses(ctx: QueryContext, p: Any) -> Any:
    try:
        r = ctx.store.table("responses")
    except Exception:
        return None
    from cxjourney.analytics.prep import date_bounds

    lo, hi = date_bounds(p.start, p.end)
    if lo is not None:
        r = r.filter(r.timestamp >= lo)
    if hi is not None:
        r = r.filter(r.timestamp < hi)
    return r


def _with_target(row: dict[str, Any], stage: Any, metric: str) -> dict[str, Any]:
    return {**row, "target": stage.targets.get(metric), "benchmark": stage.benchmarks.get(metric)}


@register("journey_overview", JourneyScope, summary="Per stage and touchpoint: reach, conversion to the next stage (Wilson CI), the stage KPIs.")
def journey_overview(ctx: QueryContext, p: JourneyScope) -> Result:
    j = journey_of(ctx, p.journey)
    prog, reach = _progress(ctx, p, j)
    metrics = _stage_metric_rows(ctx, p, j, prog)
    rows: list[dict[str, Any]] = []
    for i, s in enumerate(j.stages):
        base = {"journey": j.id, "stage": s.id, "stage_index": i}
        for r in reach:
            if r["stage"] == s.id:
                rows.append({**base, "touchpoint": r["touchpoint"], "period": r["period"], **split_dims(p.by, r["dim"]),
                             "metric": "reach", "value": int(r["reach"]), "ci_low": None, "ci_high": None,
                             "n": int(r["reach"]), "events": int(r["events"]), "flags": []})
        for m in ["stage_conversion", *[x for x in dict.fromkeys([*s.metrics, *s.targets]) if x not in ("reach", "stage_conversion")]]:
            if m in metrics[s.id]:
                rows.append({**base, "touchpoint": None, "period": "all", "metric": m, **_with_target(metrics[s.id][m], s, m)})
    rows.sort(key=lambda r: (r["stage_index"], r["touchpoint"] is not None, str(r.get("touchpoint")), r["metric"], str(r.get("period"))))
    return Result(rows=rows, meta={"journey": j.id, "version": j.version})


@register("stage_kpis", JourneyScope, summary="The KPIs each stage of the journey names, with targets and benchmarks.")
def stage_kpis(ctx: QueryContext, p: JourneyScope) -> Result:
    j = journey_of(ctx, p.journey)
    ms, cf = ctx.settings.min_sample, ctx.settings.confidence
    if p.period == "all" and p.by is None:
        prog, _ = _progress(ctx, p, j)
        metrics = _stage_metric_rows(ctx, p, j, prog)
        rows = [{"journey": j.id, "stage": s.id, "period": "all", "metric": m, **_with_target(metrics[s.id][m], s, m)}
                for s in j.stages for m in dict.fromkeys([*s.metrics, *s.targets]) if m in metrics[s.id]]
        return Result(rows=rows, meta={"journey": j.id})
    # By period and/or breakdown: the event, cost and session KPIs.
    ev = events(ctx, p)
    et = {(r["period"], r["dim"]): r for r in records(kpis.event_totals(ev, period=p.period, by=p.by))}
    ct = {(r["period"], r["dim"]): r for r in records(kpis.cost_totals(_costs(ctx, p), period=p.period, by=p.by))}
    st = {(r["period"], r["dim"]): r for r in records(sessions.session_measures(
        events(ctx, p, dates=False), timeout_minutes=ctx.settings.session_timeout_minutes, period=p.period, by=p.by,
        start=p.start, end=p.end))}
    rows = []
    for key in sorted(set(et) | set(st) | set(ct)):
        dims = {"period": key[0], **split_dims(p.by, key[1])}
        cost_row = ct.get(key) or (ct.get((key[0], "all")) if not kpis.cost_by(p.by) else None)
        m = kpis.kpi_rows(et.get(key), cost_row, min_sample=ms, confidence=cf)
        m.update(kpis.session_rows(st.get(key, {}), min_sample=ms, confidence=cf))
        for s in j.stages:
            for name in dict.fromkeys([*s.metrics, *s.targets]):
                if name in m:
                    rows.append({"journey": j.id, "stage": s.id, **dims, "metric": name, **_with_target(m[name], s, name)})
    return Result(rows=rows, meta={"journey": j.id})


class ScoreParams(JourneyOnly):
    pass


@register("journey_score", ScoreParams, summary="Composite journey score against targets, per journey and stage.")
def journey_score(ctx: QueryContext, p: ScoreParams) -> Result:
    j = journey_of(ctx, p.journey)
    prog, _ = _progress(ctx, p, j)
    metrics = _stage_metric_rows(ctx, p, j, prog)
    rows, parts = [], []
    for s in j.stages:
        targets = dict(s.targets)
        for tp in s.touchpoints:
            for m, v in tp.targets.items():
                targets.setdefault(m, v)
        sc = score.score_stage(metrics[s.id], targets)
        parts.append((s.weight, sc["score"]))
        rows.append({"journey": j.id, "stage": s.id, "weight": s.weight, "value": sc["score"], "n_scored": sc["n_scored"],
                     "metrics": sc["metrics"], "flags": [] if sc["score"] is not None else ["no_scored_metric"]})
    total = score.combine(parts)
    rows.insert(0, {"journey": j.id, "stage": None, "weight": None, "value": total,
                    "n_scored": sum(r["n_scored"] for r in rows), "metrics": [], "flags": [] if total is not None else ["no_scored_metric"]})
    return Result(rows=rows, meta={"journey": j.id, "formula": score.__doc__})


class DesignedParams(JourneyOnly):
    top_loops: int = Field(default=20, ge=1, le=1000, description="At most this many loop rows (stage revisits), most frequent first.")


@register("designed_vs_actual", DesignedParams, summary="How many follow the designed stage order, which stages they skip, where they loop.")
def designed_vs_actual(ctx: QueryContext, p: DesignedParams) -> Result:
    j = journey_of(ctx, p.journey)
    ms, cf = ctx.settings.min_sample, ctx.settings.confidence
    t = stages.annotated(events(ctx, p), j)
    summary, skips, loops = stages.designed_vs_actual(t, j)
    sm = records(summary)[0]
    n = int(sm["persons"] or 0)
    rows = [rate(int(sm["in_order"] or 0), n, min_sample=ms, confidence=cf, kind="in_order", stage=None)]
    sk = records(skips)[0]
    for i, s in enumerate(j.stages):
        rows.append(rate(int(sk[f"skip{i}"] or 0), n, min_sample=ms, confidence=cf, kind="skipped", stage=s.id))
    lp = records(loops)
    lp.sort(key=lambda r: (-int(r["persons"]), str(r["from_stage"]), str(r["to_stage"])))
    for r in lp[: p.top_loops]:
        rows.append({**rate(int(r["persons"]), n, min_sample=ms, confidence=cf, kind="loop", stage=r["to_stage"]),
                     "from_stage": r["from_stage"], "moves": int(r["moves"])})
    return Result(rows=rows, meta={"journey": j.id, "persons": n, "designed_order": [s.id for s in j.stages]})
