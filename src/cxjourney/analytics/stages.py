"""Stages and touchpoints of a journey: reach, conversion to the next stage, and designed vs actual.

Events are annotated with the journey's touchpoint and stage (``journeys.match``; an event belongs to
the first touchpoint in journey order that matches it) and ranked per person in (timestamp, seq) order
among the journey's events.
"""

from __future__ import annotations

from typing import Any

import ibis

from cxjourney.analytics.prep import dim_expr, period_expr, with_rank
from cxjourney.journeys.match import touchpoint_column
from cxjourney.journeys.model import Journey


def annotated(ev: Any, journey: Journey, *, by: list[str] | None = None) -> Any:
    """Journey events (person_id, timestamp, seq) with ``touchpoint``, ``stage``, ``stage_idx`` (0-based
    designed order), ``dim`` (the breakdown ``by``, else 'all') and ``rn``; only these columns travel on."""
    tp = touchpoint_column(ev, journey)
    stage_of = {t.id: s.id for s, t in journey.touchpoints()}
    idx_of = {t.id: i for i, s in enumerate(journey.stages) for t in s.touchpoints}
    t = ev.select("person_id", "timestamp", "seq", touchpoint=tp,
                  dim=(dim_expr(ev, by).cast("string") if by else ibis.literal("all")))
    t = t.filter(t.touchpoint.notnull())
    t = t.mutate(stage=t.touchpoint.substitute(stage_of), stage_idx=t.touchpoint.substitute(idx_of, else_=-1).cast("int64"))
    return with_rank(t)


def touchpoint_reach(t: Any, *, period: str = "all") -> Any:
    """Per (period, dim, stage, touchpoint) of ``annotated`` events: persons reached and events."""
    t = t.mutate(period=period_expr(t.timestamp, period))
    tp = t.group_by(["period", "dim", "stage", "touchpoint"]).aggregate(reach=t.person_id.nunique(), events=t.count())
    st = t.group_by(["period", "dim", "stage"]).aggregate(reach=t.person_id.nunique(), events=t.count())
    st = st.mutate(touchpoint=ibis.null("string"))
    return tp.union(st.select(tp.columns))


def stage_progress(t: Any, journey: Journey, orders: Any) -> Any:
    """Totals over persons: for each stage i, ``n_i`` persons who reached it, ``next_i`` who reached
    stage i+1 after first reaching i (order (timestamp, seq)), and ``ord_i`` who reached it and have an order."""
    aggs: dict[str, Any] = {}
    for i in range(len(journey.stages)):
        aggs[f"f{i}"] = t.rn.min(where=t.stage_idx == i)
        aggs[f"l{i}"] = t.rn.max(where=t.stage_idx == i)
    per = t.group_by("person_id").aggregate(**aggs)
    buyers = orders.select(_b=orders.person_id).distinct()
    per = per.left_join(buyers, per.person_id == buyers._b)
    out: dict[str, Any] = {}
    k = len(journey.stages)
    for i in range(k):
        reached = per[f"f{i}"].notnull()
        out[f"n{i}"] = reached.cast("int64").sum()
        out[f"ord{i}"] = (reached & per._b.notnull()).cast("int64").sum()
        if i + 1 < k:
            out[f"next{i}"] = (reached & (per[f"l{i + 1}"] > per[f"f{i}"]).fill_null(False)).cast("int64").sum()
    return per.aggregate(**out)


def stage_moves(t: Any) -> Any:
    """Stage-to-stage moves per person (consecutive journey events whose stage differs), with
    ``from_idx``/``to_idx``."""
    w = ibis.window(group_by=t.person_id, order_by=[t.timestamp, t.seq])
    m = t.mutate(from_idx=t.stage_idx.lag().over(w), from_stage=t.stage.lag().over(w))
    return m.filter(m.from_idx.notnull() & (m.from_idx != m.stage_idx))


def designed_vs_actual(t: Any, journey: Journey) -> tuple[Any, Any, Any]:
    """(persons summary, skips per stage, loops per (from, to) pair).

    - in order: persons whose stage never goes back (every move is to a later designed stage);
    - skips: persons who reached a later stage without ever reaching this one;
    - loops: moves back to an earlier stage, counted as moves and as persons."""
    moves = stage_moves(t)
    back = moves.filter(moves.stage_idx < moves.from_idx)
    looped = back.select(_lp=back.person_id).distinct()
    persons = t.select("person_id").distinct()
    s = persons.left_join(looped, persons.person_id == looped._lp)
    summary = s.aggregate(persons=s.count(), in_order=s._lp.isnull().cast("int64").sum())
    aggs = {f"f{i}": t.rn.min(where=t.stage_idx == i) for i in range(len(journey.stages))}
    aggs["maxidx"] = t.stage_idx.max()
    per = t.group_by("person_id").aggregate(**aggs)
    skips = per.aggregate(**{
        f"skip{i}": (per[f"f{i}"].isnull() & (per.maxidx > i)).cast("int64").sum() for i in range(len(journey.stages))
    })
    loops = back.group_by([back.from_stage, back.stage.name("to_stage")]).aggregate(
        moves=back.count(), persons=back.person_id.nunique())
    return summary, skips, loops
