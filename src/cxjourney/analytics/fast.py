"""Answers from the per-person rollups (``rollups``) when a query's scope allows it.

Each function returns exactly what the corresponding events-based measure returns, or None when the
rollups cannot answer (read-only store that is out of date, another engine, or a scope the rollups do not
cover: a segment/channel filter, a breakdown). Callers then compute from the events. The equality of
both ways is tested measure by measure (tests/analytics/test_rollups.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import ibis

from cxjourney.analytics import rollups, sessions
from cxjourney.analytics.kpis import EVENTS


def usable(ctx: Any, p: Any, *, dates: bool = False, by: bool = False) -> bool:
    """Can the rollups answer a query with params ``p``? Only the whole population (no ``where``, no
    ``channel``), no breakdown unless ``by``, no date range unless ``dates``; and the rollups must be fresh."""
    if not getattr(ctx, "rollups", True) or getattr(p, "where", None) or getattr(p, "channel", None):
        return False
    if not by and getattr(p, "by", None):
        return False
    if not dates and (getattr(p, "start", None) is not None or getattr(p, "end", None) is not None):
        return False
    return rollups.ensure_fresh(ctx) is not None


def _t(ctx: Any, name: str) -> Any:
    return ctx.store.table(name)


def progress_and_reach(ctx: Any, journey: Any) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """``stages.stage_progress`` totals and ``stages.touchpoint_reach`` rows (period 'all', dim 'all')."""
    from cxjourney.analytics.params import records

    t = _t(ctx, "rx_person_tp")
    t = t.filter(t.journey == journey.id)
    k = len(journey.stages)
    aggs: dict[str, Any] = {}
    for i in range(k):
        aggs[f"f{i}"] = t.f_rn.min(where=t.stage_idx == i)
        aggs[f"l{i}"] = t.l_rn.max(where=t.stage_idx == i)
    per = t.group_by("person_id").aggregate(**aggs)
    p = _t(ctx, "rx_person")
    buyers = p.filter(p.orders > 0).select(_b=p.person_id)
    per = per.left_join(buyers, per.person_id == buyers._b)
    out: dict[str, Any] = {}
    for i in range(k):
        reached = per[f"f{i}"].notnull()
        out[f"n{i}"] = reached.cast("int64").sum()
        out[f"ord{i}"] = (reached & per._b.notnull()).cast("int64").sum()
        if i + 1 < k:
            out[f"next{i}"] = (reached & (per[f"l{i + 1}"] > per[f"f{i}"]).fill_null(False)).cast("int64").sum()
    prog = records(per.aggregate(**out))[0]
    tp = t.group_by(["stage", "touchpoint"]).aggregate(reach=t.count(), events=t.n.sum())
    st = t.group_by("stage").aggregate(reach=t.person_id.nunique(), events=t.n.sum())
    both = tp.union(st.mutate(touchpoint=ibis.null("string")).select(tp.columns))
    reach = [{"period": "all", "dim": "all", **r} for r in records(both)]
    return prog, reach


def event_totals(ctx: Any) -> list[dict[str, Any]]:
    """``kpis.event_totals`` for the whole history (period 'all', dim 'all')."""
    from cxjourney.analytics.params import records

    p = _t(ctx, "rx_person")
    aggs: dict[str, Any] = {k: p[k].sum() for k in EVENTS}
    aggs.update(revenue=p.revenue.sum(), revenue_sq=p.revenue_sq.sum(), customers=(p.orders > 0).cast("int64").sum(),
                repeat=(p.orders >= 2).cast("int64").sum())
    row = records(p.aggregate(**aggs))[0]
    if not sum(int(row[k] or 0) for k in EVENTS):  # the events-based query has no row without a catalogue event
        return []
    return [{"period": "all", "dim": "all", **row}]


def session_measures(ctx: Any, *, period: str = "all", start: Any = None, end: Any = None) -> Any:
    """``sessions.session_measures`` (no breakdown) from the stored sessions: an Ibis expression."""
    return sessions.measures_of(_t(ctx, "rx_sessions"), period=period, start=start, end=end)


def churn_all(ctx: Any, *, window_days: int, as_of: datetime) -> list[dict[str, Any]] | None:
    """``retention.churn_by_period`` for period 'all', first-touch basis, when ``as_of`` is after every
    activity (else None: the per-person last activity cannot tell activity before an earlier moment)."""
    from cxjourney.analytics.params import records

    st = rollups.state(ctx.store)
    if st is None or (st["max_active"] is not None and st["max_active"] >= as_of):
        return None
    p = _t(ctx, "rx_person")
    p = p.filter(p.last_active.notnull())
    asof_s = int((as_of - datetime(1970, 1, 1)).total_seconds())
    churned = (asof_s - p.last_active.epoch_seconds()) >= window_days * 86400
    rows = records(p.aggregate(n=p.count(), churned=churned.cast("int64").sum()))
    return [{"period": "all", **r} for r in rows if int(r["n"] or 0)]


def path_variants(ctx: Any) -> Any:
    """``paths.variants`` (whole history, event labels) from the stored per-person paths."""
    p = _t(ctx, "rx_paths")
    return p.group_by("path").aggregate(count=p.count())


def ranked_events(ctx: Any) -> Any:
    """Events as (person_id, timestamp, seq, rn, step) with the person's rank already computed."""
    return _t(ctx, "rx_events")
