"""Registered queries: sessions, funnels, paths, transitions, retention and churn.

Each builds Ibis expressions from the measure modules and executes them here (the query layer).
Journey queries (overview, stage KPIs, score, designed vs actual) are in ``journey_queries``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from cxjourney.analytics import fast, funnels, paths, retention, sessions
from cxjourney.analytics.engines import PATH_SEP, materialized, materialized_sql
from cxjourney.analytics.kpis import session_rows
from cxjourney.analytics.params import Breakdown, Period, Scope, as_of, events, journey_of, records
from cxjourney.analytics.prep import label, parse_duration, split_dims, step_expr
from cxjourney.errors import ValidationFailed
from cxjourney.journeys.match import stage_column, touchpoint_column
from cxjourney.metrics.rates import plain, rate
from cxjourney.query.registry import QueryContext, Result, register


# -- sessions ----------------------------------------------------------------------------------------
class SessionParams(Breakdown):
    timeout_minutes: int | None = Field(default=None, ge=1, description="Inactivity that ends a session (default: setting).")


@register("sessions_summary", SessionParams, summary="Sessions, visitors (new/returning), time on site, pages per session, bounce rate.")
def sessions_summary(ctx: QueryContext, p: SessionParams) -> Result:
    timeout = p.timeout_minutes or ctx.settings.session_timeout_minutes
    if timeout == ctx.settings.session_timeout_minutes and fast.usable(ctx, p, dates=True):
        found = fast.session_measures(ctx, period=p.period, start=p.start, end=p.end)
    else:
        ev = events(ctx, p, dates=False)
        found = records(sessions.session_measures(ev, timeout_minutes=timeout, period=p.period, by=p.by, start=p.start, end=p.end))
    rows = []
    for r in found:
        dims = {"period": r["period"], **split_dims(p.by, r["dim"])}
        for metric, row in session_rows(r, min_sample=ctx.settings.min_sample, confidence=ctx.settings.confidence).items():
            rows.append({**dims, "metric": metric, **row})
    return Result(rows=rows, meta={"timeout_minutes": timeout})


# -- funnels -----------------------------------------------------------------------------------------
class FunnelParams(Scope):
    steps: list[str] = Field(min_length=2, description="Touchpoint ids, stage:ID, or event/page names, in order.")
    window: str = Field(default="7d", description="Conversion window from the first step (e.g. 30m, 12h, 7d).")
    strict: bool = Field(default=False, description="Each next step must be the person's very next event.")
    by: list[str] | None = Field(default=None, description="Breakdown by the entry event's dimensions (a list, or one name): channel, campaign, source, type, event or properties.KEY.")
    journey: str | None = Field(default=None, description="Journey whose touchpoint ids and stage:ID steps may name (default: the first).")
    dropoff: bool = Field(default=True, description="Report what the people who dropped off did next.")

    @field_validator("steps", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        return [s for s in v.split(",") if s] if isinstance(v, str) else v

    @field_validator("by", mode="before")
    @classmethod
    def _by(cls, v: Any) -> Any:
        return [s.strip() for s in v.split(",") if s.strip()] or None if isinstance(v, str) else (v or None)


def _journey_or_none(ctx: QueryContext, jid: str | None) -> Any:
    try:
        return journey_of(ctx, jid)
    except Exception:
        if jid is not None:
            raise
        return None


@register("funnel", FunnelParams, summary="Ordered steps within a window: per-step conversion and drop-off with intervals.")
def funnel(ctx: QueryContext, p: FunnelParams) -> Result:
    window = parse_duration(p.window).total_seconds()
    journey = _journey_or_none(ctx, p.journey)
    ev = events(ctx, p, dates=False)
    tps = {t.id for _, t in journey.touchpoints()} if journey is not None else set()
    if not any(s in tps or s.startswith("stage:") for s in p.steps) and fast.usable(ctx, p, dates=True):
        # Plain event/page names: the per-person step lists of the rollups.
        sql = fast.funnel_people(ctx, p.steps, window_s=window, strict=p.strict, start=p.start, end=p.end)
        with materialized_sql(ctx.store.ibis, sql) as people:
            return _funnel_result(ctx, ev, people, p, window, ranked=fast.ranked_events(ctx))
    steps = [step_expr(ev, s, journey) for s in p.steps]
    expr = funnels.funnel_people(ev, steps, window_s=window, strict=p.strict, start=p.start, end=p.end, by=p.by,
                                 positions=p.dropoff)
    with materialized(expr) as people:
        return _funnel_result(ctx, ev, people, p, window)


def _funnel_result(ctx: QueryContext, ev: Any, people: Any, p: FunnelParams, window: float, *, ranked: Any = None) -> Result:
    k = len(p.steps)
    ms, cf = ctx.settings.min_sample, ctx.settings.confidence
    rows = []
    for r in records(funnels.step_counts(people, k)):
        entered = int(r["n1"] or 0)
        for i in range(1, k + 1):
            reached, prev = int(r[f"n{i}"] or 0), int(r[f"n{max(i - 1, 1)}"] or 0)
            row = rate(reached, prev, min_sample=ms, confidence=cf, **(split_dims(p.by, r["dim"]) if p.by else {}),
                       step=p.steps[i - 1], step_index=i)
            overall = rate(reached, entered, min_sample=ms, confidence=cf)
            row.update(reached=reached, dropoff=prev - reached, overall=overall["value"],
                       overall_ci_low=overall["ci_low"], overall_ci_high=overall["ci_high"])
            rows.append(row)
    q, hist = funnels.time_to_convert(people, k)
    qd = records(q)[0]
    hd = {h["bin"]: int(h["count"]) for h in records(hist)}
    ttc = {"n": int(qd["n"] or 0), "median_s": qd["median_s"], "p90_s": qd["p90_s"], "mean_s": qd["mean_s"],
           "histogram": [{"bin": b, "count": hd.get(b, 0)} for b, _ in funnels.TTC_BINS]}
    nxt: dict[str, list[dict[str, Any]]] = {}
    if p.dropoff:
        all_counts = records(fast.dropoff_next_counts(ranked, people, k) if ranked is not None
                             else funnels.dropoff_next_counts(ev, people, k))
        for i in range(1, k):
            counts = [c for c in all_counts if int(c["step"]) == i]
            counts.sort(key=lambda c: (-int(c["count"]), str(c["next"])))
            top, rest = counts[:5], sum(int(c["count"]) for c in counts[5:])
            nxt[p.steps[i - 1]] = [{"next": c["next"], "count": int(c["count"])} for c in top] + (
                [{"next": paths.OTHER, "count": rest}] if rest else [])
    return Result(rows=rows, meta={"window_s": window, "strict": p.strict, "time_to_convert": ttc, "dropoff_next": nxt})


# -- paths -------------------------------------------------------------------------------------------
class PathParams(Scope):
    top: int = Field(default=20, ge=1, le=10_000, description="How many variants to list; the rest are summed in one (other) row.")
    per_session: bool = Field(default=False, description="Variants per session instead of whole history.")
    label: Literal["event", "touchpoint", "stage"] = Field(default="event", description="What a step is: the event name, the journey touchpoint, or the journey stage.")
    journey: str | None = Field(default=None, description="Journey for label=touchpoint/stage and touchpoint steps (default: the first).")
    start_at: str | None = Field(default=None, description="Paths after the first time a person reaches this step.")
    end_at: str | None = Field(default=None, description="Paths before the first time a person reaches this step.")
    steps: int = Field(default=3, ge=1, le=50, description="Steps after start_at / before end_at.")
    timeout_minutes: int | None = Field(default=None, ge=1, description="Session timeout for per_session (default: setting session_timeout_minutes).")


def _label(ctx: QueryContext, ev: Any, p: Any) -> tuple[Any, Any]:
    if p.label == "event":
        return label(ev), _journey_or_none(ctx, p.journey)
    j = journey_of(ctx, p.journey)
    return (touchpoint_column(ev, j) if p.label == "touchpoint" else stage_column(ev, j)), j


@register("paths", PathParams, summary="Path variants (whole history or per session), or paths from/to a step; top N + other = total.")
def paths_query(ctx: QueryContext, p: PathParams) -> Result:
    ev = events(ctx, p)
    lab, journey = _label(ctx, ev, p)
    if p.start_at and p.end_at:
        raise ValidationFailed("give start_at or end_at, not both", errors=[{"field": "end_at", "value": p.end_at, "message": "one anchor at a time"}])
    if p.start_at or p.end_at:
        at = step_expr(ev, str(p.start_at or p.end_at), journey)
        counts = paths.paths_from(ev, lab, at, steps=p.steps, reverse=bool(p.end_at))
    elif p.label == "event" and not p.per_session and fast.usable(ctx, p):
        counts = None  # the stored per-person paths
    else:
        counts = paths.variants(ev, lab, per_session=p.per_session,
                                timeout_minutes=p.timeout_minutes or ctx.settings.session_timeout_minutes)
    head = fast.path_top(ctx, p.top) if counts is None else records(paths.top_with_other(counts, top=p.top))
    total = int(head[0]["total"] or 0) if head else 0
    n_variants = int(head[0]["n_variants"] or 0) if head else 0
    rows: list[dict[str, Any]] = [
        {"path": str(r["path"]).split(PATH_SEP), "count": int(r["count"]), "share": int(r["count"]) / total if total else None}
        for r in head]
    rest = total - sum(int(r["count"]) for r in rows)
    if rest:
        rows.append({"path": [paths.OTHER], "count": rest, "share": rest / total})
    return Result(rows=rows, meta={"total": total, "n_variants": n_variants, "unit": "sessions" if p.per_session else "persons"})


@register("transitions", PathParams, summary="Directly-follows graph (Sankey data): counts and median transition time.")
def transitions_query(ctx: QueryContext, p: PathParams) -> Result:
    ev = events(ctx, p)
    lab, _ = _label(ctx, ev, p)
    rows = records(paths.transitions(ev, lab))
    rows.sort(key=lambda r: (-int(r["count"]), str(r["source"]), str(r["target"])))
    for r in rows:
        r["count"] = int(r["count"])
    return Result(rows=rows, meta={"persons": sum(r["count"] for r in rows if r["source"] == paths.START)})


# -- retention and churn ------------------------------------------------------------------------------
class RetentionParams(Scope):
    cohort: Literal["week", "month"] = Field(default="month", description="Cohort and offset unit: week (Monday weeks) or month.")
    basis: Literal["first_touch", "first_purchase"] = Field(
        default="first_touch", description="first_touch: cohort by first interactive event, active = any event; first_purchase: by first order, active = an order.")
    as_of: datetime | None = Field(default=None, description="Look from this moment (default: the day after `to`, else now).")
    max_offset: int = Field(default=24, ge=1, le=520, description="Largest period offset reported.")


def _retention(ctx: QueryContext, p: RetentionParams) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    ev = events(ctx, p)
    when = as_of(ctx, p.as_of, p.end)
    cells = records(retention.cohort_counts(ev, cohort=p.cohort, basis=p.basis, as_of=when))
    size = {c["cohort"]: int(c["active"]) for c in cells if int(c["offset"]) == 0}
    ms, cf = ctx.settings.min_sample, ctx.settings.confidence
    rows: list[dict[str, Any]] = []
    pooled: dict[int, list[int]] = {}
    for c in cells:
        off = int(c["offset"])
        if off > p.max_offset:
            continue
        start = datetime.fromisoformat(c["cohort"]).date()
        complete = retention.add_periods(start, off + 1, p.cohort) <= when.date()
        r = rate(int(c["active"]), size[c["cohort"]], min_sample=ms, confidence=cf, cohort=c["cohort"], offset=off)
        r.update(size=size[c["cohort"]], active=int(c["active"]), complete=complete)
        rows.append(r)
    # Pooled curve: at each offset, only cohorts that have completely lived through that period.
    for coh, n in size.items():
        start = datetime.fromisoformat(coh).date()
        for off in range(0, p.max_offset + 1):
            if retention.add_periods(start, off + 1, p.cohort) > when.date():
                break
            pooled.setdefault(off, [0, 0, 0])
            pooled[off][1] += n
            pooled[off][2] += 1
    for c in cells:
        off = int(c["offset"])
        if off in pooled and retention.add_periods(datetime.fromisoformat(c["cohort"]).date(), off + 1, p.cohort) <= when.date():
            pooled[off][0] += int(c["active"])
    curve = []
    for off in sorted(pooled):
        k, n, cohorts = pooled[off]
        r = rate(k, n, min_sample=ms, confidence=cf, offset=off)
        r["cohorts"] = cohorts
        curve.append(r)
    return rows, curve


@register("retention", RetentionParams, summary="Cohort retention table (week/month, first touch or first purchase).")
def retention_query(ctx: QueryContext, p: RetentionParams) -> Result:
    rows, curve = _retention(ctx, p)
    return Result(rows=rows, meta={"curve": curve, "as_of": as_of(ctx, p.as_of, p.end).isoformat()})


@register("retention_curve", RetentionParams, summary="Retention by period offset, pooled over the cohorts that completed it.")
def retention_curve_query(ctx: QueryContext, p: RetentionParams) -> Result:
    return Result(rows=_retention(ctx, p)[1])


class ChurnParams(Scope):
    period: Period = Field(default="all", description="all: churn of every person seen; day/week/month/quarter/year: of the people active in each period.")
    window_days: int | None = Field(default=None, ge=1, description="Inactivity window (default: churn_window_days).")
    basis: Literal["first_touch", "first_purchase"] = Field(default="first_touch", description="Activity: any event, or orders.")
    as_of: datetime | None = Field(default=None, description="Look from this moment (default: the day after `to`, else now).")


@register("churn", ChurnParams, summary="Churn rate: active people with no activity within the inactivity window.")
def churn_query(ctx: QueryContext, p: ChurnParams) -> Result:
    window = p.window_days or ctx.settings.churn_window_days
    when = as_of(ctx, p.as_of, p.end)
    if p.basis == "first_touch" and fast.usable(ctx, p):
        found = fast.churn(ctx, window_days=window, as_of=when, period=p.period)
    else:
        found = records(retention.churn_by_period(events(ctx, p), window_days=window, as_of=when, period=p.period, basis=p.basis))
    ms, cf = ctx.settings.min_sample, ctx.settings.confidence
    rows = [rate(int(r["churned"]), int(r["n"]), min_sample=ms, confidence=cf, period=r["period"]) for r in found]
    return Result(rows=rows, meta={"window_days": window, "as_of": when.isoformat()})


_ = (BaseModel, plain)
