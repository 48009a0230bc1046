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
from cxjourney.analytics.engines import cached_sql, fetch_cached
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

    k = len(journey.stages)
    pj = _t(ctx, "rx_person_journey")
    pj = pj.filter(pj.journey == journey.id)
    out: dict[str, Any] = {}
    for i in range(k):
        reached = pj.f[i].notnull()
        out[f"n{i}"] = reached.cast("int64").sum()
        out[f"ord{i}"] = (reached & pj.buyer).cast("int64").sum()
        if i + 1 < k:
            out[f"next{i}"] = (reached & (pj.l[i + 1] > pj.f[i]).fill_null(False)).cast("int64").sum()
    prog = fetch_cached(ctx.store.ibis, ("progress", journey.id, k), lambda: pj.aggregate(**out))[0]
    t = _t(ctx, "rx_person_tp")
    t = t.filter(t.journey == journey.id)
    tp = t.group_by(["stage", "touchpoint"]).aggregate(reach=t.count(), events=t.n.sum())
    reach = [{"period": "all", "dim": "all", **r} for r in fetch_cached(ctx.store.ibis, ("tp_reach", journey.id), lambda: tp)]
    # A stage's row: the persons who reached it (n_i above) and the events of its touchpoints.
    for i, s in enumerate(journey.stages):
        rows = [r for r in reach if r["stage"] == s.id and r["touchpoint"] is not None]
        if rows:
            reach.append({"period": "all", "dim": "all", "stage": s.id, "touchpoint": None, "reach": int(prog[f"n{i}"] or 0),
                          "events": sum(int(r["events"]) for r in rows)})
    return prog, reach


def event_totals(ctx: Any) -> list[dict[str, Any]]:
    """``kpis.event_totals`` for the whole history (period 'all', dim 'all')."""

    p = _t(ctx, "rx_person")
    aggs: dict[str, Any] = {k: p[k].sum() for k in EVENTS}
    aggs.update(revenue=p.revenue.sum(), revenue_sq=p.revenue_sq.sum(), customers=(p.orders > 0).cast("int64").sum(),
                repeat=(p.orders >= 2).cast("int64").sum())
    row = fetch_cached(ctx.store.ibis, ("event_totals",), lambda: p.aggregate(**aggs))[0]
    if not sum(int(row[k] or 0) for k in EVENTS):  # the events-based query has no row without a catalogue event
        return []
    return [{"period": "all", "dim": "all", **row}]


def session_measures(ctx: Any, *, period: str = "all", start: Any = None, end: Any = None) -> list[dict[str, Any]]:
    """The rows of ``sessions.session_measures`` (no breakdown) from the stored sessions."""
    return fetch_cached(ctx.store.ibis, ("sessions", period, str(start), str(end)),
                        lambda: sessions.measures_of(_t(ctx, "rx_sessions"), period=period, start=start, end=end))


def path_top(ctx: Any, top: int) -> list[dict[str, Any]]:
    """``paths.top_with_other`` rows of the whole-history event variants, from the stored paths."""
    from cxjourney.analytics.paths import top_with_other

    return fetch_cached(ctx.store.ibis, ("path_top", top), lambda: top_with_other(path_variants(ctx), top=top))


def churn(ctx: Any, *, window_days: int, as_of: datetime, period: str = "all") -> list[dict[str, Any]]:
    """``churn_by_period`` (first touch): from the one row per person when looking from after every activity
    (period 'all'), else from the per-person days."""
    if period == "all":
        # Persons active before as_of; their last activity before it is their last activity, except for the
        # few active since as_of, whose last moment before it comes from their days (see ``_churn_days``).
        p = _t(ctx, "rx_person")
        p = p.filter(p.first_active < as_of)
        late = p.filter(p.last_active >= as_of).select(_lp=p.person_id)
        d = _t(ctx, "rx_person_day")
        d = d.semi_join(late, d.person_id == late._lp)
        d = d.filter(d.f_ts < as_of)
        dl = d.group_by(_dp=d.person_id).aggregate(_l=_last_before(d, as_of).max())
        j = p.left_join(dl, p.person_id == dl._dp)
        last = ibis.ifelse(j.last_active < as_of, j.last_active, j._l)
        churned = (_epoch_s(as_of) - last.epoch_seconds()) >= window_days * 86400
        rows = fetch_cached(ctx.store.ibis, ("churn_all", as_of.isoformat(), window_days),
                            lambda: j.aggregate(n=j.count(), churned=churned.cast("int64").sum()))
        return [{"period": "all", **r} for r in rows if int(r["n"] or 0)]
    return _churn_days(ctx, window_days=window_days, as_of=as_of, period=period)


def _churn_days(ctx: Any, *, window_days: int, as_of: datetime, period: str) -> list[dict[str, Any]]:
    """``retention.churn_by_period`` (first-touch basis) from the per-person days. Exact for any ``as_of``:
    a day that ``as_of`` falls in counts with its activity before ``as_of``; its last moment there is then
    unknown, but any value between the day's first moment and ``as_of`` gives the same answer, because such
    a person is less than a day (< the window) from ``as_of`` and so neither churned nor settled.

    A person's next activity after a period is the ``next_f`` of the period's last active day (the only day
    of the period whose next active day lies in a later period), unless that is at or after ``as_of``."""
    from cxjourney.analytics.prep import period_expr

    win = window_days * 86400
    d = _t(ctx, "rx_person_day")
    d = d.filter(d.f_ts < as_of)
    last = _last_before(d, as_of)
    per = period_expr(d.f_ts, period)
    leaves = (d.next_f < as_of) & (period_expr(d.next_f, period) != per)
    a = d.select("pk", period=per, _l=last.epoch_seconds(),
                 _nx=ibis.ifelse(leaves, d.next_f.epoch_seconds(), ibis.null("int64")))
    pp = a.group_by(["pk", "period"]).aggregate(_last=a._l.max(), _next=a._nx.max())
    pp = pp.filter(pp._last + win <= _epoch_s(as_of))
    churned = pp._next.isnull() | (pp._next - pp._last > win)
    q = pp.group_by("period").aggregate(n=pp.count(), churned=churned.cast("int64").sum()).order_by("period")
    return fetch_cached(ctx.store.ibis, ("churn_days", as_of.isoformat(), window_days, period), lambda: q)


def _epoch_s(moment: datetime) -> int:
    return int((moment - datetime(1970, 1, 1)).total_seconds())


def _last_before(d: Any, as_of: datetime) -> Any:
    """A person-day's last moment before ``as_of`` (the day ``as_of`` falls in is cut just before it)."""
    return ibis.ifelse(d.l_ts < as_of, d.l_ts, ibis.literal(as_of) - ibis.interval(microseconds=1))


def path_variants(ctx: Any) -> Any:
    """``paths.variants`` (whole history, event labels) from the stored per-person paths."""
    p = _t(ctx, "rx_paths")
    return p.group_by("path").aggregate(count=p.count())


def ranked_events(ctx: Any) -> Any:
    """Events as (person_id, timestamp, seq, rn, step, label) with the person's rank already computed;
    ``person_id`` is the person's number (``pk``), which is all a funnel needs to tell persons apart."""
    ix = _t(ctx, "rx_events")
    return ix.select(person_id=ix.pk, timestamp=ix.timestamp, seq=ix.seq, rn=ix.rn, step=ix.step, label=ix.label)


def funnel_people(ctx: Any, steps: list[str], *, window_s: float, strict: bool = False, start: Any = None,
                  end: Any = None) -> str:
    """``_funnel_people`` as DuckDB SQL, compiled once per set of parameters (see ``engines.cached_sql``)."""
    key = ("funnel_people", tuple(steps), float(window_s), bool(strict), str(start), str(end))
    return cached_sql(key, lambda: _funnel_people(ctx, steps, window_s=window_s, strict=strict, start=start, end=end))


def _funnel_people(ctx: Any, steps: list[str], *, window_s: float, strict: bool = False, start: Any = None,
                   end: Any = None) -> Any:
    """``funnels.funnel_people`` (no breakdown) for steps that are event/page names, from ``rx_steps``:
    ``person_id`` (the person's number), ``r1..rk``, ``s1..sk`` and ``dim``.

    The same definition: entry at the first step-1 event in the date range; each next step is the first
    occurrence ranked after the previous step (strict: ranked exactly one after it) and no later than
    ``window_s`` after the entry. Ranks follow time, so the first occurrence after the previous step is
    also the earliest: when it falls outside the window, every later one does too."""
    from cxjourney.analytics.prep import date_bounds

    st = _t(ctx, "rx_steps")
    lo, hi = date_bounds(start, end)
    s0 = st.filter(st.step == steps[0])
    occ = s0.occ
    if lo is not None:
        lo_s = _epoch_s(lo)
        occ = occ.filter(lambda x: x.s >= lo_s)
    if hi is not None:
        hi_s = _epoch_s(hi)
        occ = occ.filter(lambda x: x.s < hi_s)
    first = s0.select(person_id=s0.pk, _e=occ[0])
    first = first.filter(first._e.notnull())
    level = first.select(person_id=first.person_id, r1=first._e.r, s1=first._e.s)
    people = level.mutate(dim=ibis.literal("all"))
    for i in range(1, len(steps)):
        si = st.filter(st.step == steps[i]).select(_p=st.pk, _occ=st.occ)
        j = level.join(si, level.person_id == si._p)
        prev = j[f"r{i}"]
        nxt = j._occ.filter((lambda x, prev=prev: x.r == prev + 1) if strict else (lambda x, prev=prev: x.r > prev))[0]
        j = j.mutate(_n=nxt)
        j = j.filter(j._n.notnull() & (j._n.s - j.s1 <= window_s))
        level = j.select(person_id=j.person_id, s1=j.s1, **{f"r{i + 1}": j._n.r, f"s{i + 1}": j._n.s})
        nxt_t = level.drop("s1").rename(_pn="person_id")
        people = people.left_join(nxt_t, people.person_id == nxt_t._pn).drop("_pn")
    return people


def dropoff_next_counts(ix: Any, people: Any, k: int) -> Any:
    """``funnels.dropoff_next_counts`` on ranked events: the next event after the step-i event is the one
    ranked one higher (``rn + 1``), so no window over the events is needed."""
    from cxjourney.analytics.paths import EXIT

    parts = []
    for i in range(1, k):
        d = people.filter(people[f"r{i}"].notnull() & people[f"r{i + 1}"].isnull())
        parts.append(d.select(_p=d.person_id, _r=d[f"r{i}"] + 1, step=ibis.literal(i)))
    dropped = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    later = ix.select(_p2=ix.person_id, _r2=ix.rn, _l=ix.label)
    j = dropped.left_join(later, (dropped._p == later._p2) & (dropped._r == later._r2))
    j = j.mutate(next=j._l.fill_null(EXIT))
    return j.group_by(["step", "next"]).aggregate(count=j.count())
