"""Funnels: ordered steps, a conversion window, loose or strict order.

Semantics (docs/analytics.md): a person enters at their first step-1 event inside the date range. Each
next step is the first matching event after the previous step (order (timestamp, seq)) and no later
than ``window`` after the entry. In strict order, each next step must be the person's very next event.
Every measure is an Ibis expression; ``funnel_people`` is the person-level table behind all of them.
"""

from __future__ import annotations

from typing import Any

import ibis

from cxjourney.analytics.prep import date_bounds, dim_expr, label, with_rank

# Time-to-convert histogram: upper bounds in seconds (the last bin is open).
TTC_BINS: list[tuple[str, float]] = [
    ("<1m", 60), ("1-10m", 600), ("10-60m", 3600), ("1-6h", 6 * 3600), ("6-24h", 86400),
    ("1-3d", 3 * 86400), ("3-7d", 7 * 86400), ("7-30d", 30 * 86400), (">30d", float("inf")),
]


def funnel_people(ev: Any, steps: list[Any], *, window_s: float, strict: bool = False, start: Any = None,
                  end: Any = None, by: list[str] | None = None, positions: bool = True) -> Any:
    """One row per entering person: ``r1..rk`` (rank of each step's event, NULL when not reached),
    ``s1..sk`` (its epoch seconds) and ``dim`` (the breakdown value of the entry event).

    ``steps`` are boolean Ibis expressions over ``ev`` (see ``prep.step_expr``). ``positions=False`` leaves out
    ``q1..qk`` (the seq of each step's event, needed only by ``dropoff_next_counts``), which saves an ordered
    aggregate per step."""
    k = len(steps)
    marks = {f"_m{i}": s for i, s in enumerate(steps)}
    # Only the columns the funnel needs travel on (the JSON columns are costly to carry through a window).
    t = ev.select("person_id", "timestamp", "seq", **marks, _dim=(dim_expr(ev, by).cast("string") if by else ibis.literal("all")))
    if strict:
        t = with_rank(t).filter(ibis.or_(*[t[m] for m in marks]))
    else:
        t = with_rank(t.filter(ibis.or_(*[t[m] for m in marks])))
    t = t.mutate(_secs=t.timestamp.epoch_seconds())
    lo, hi = date_bounds(start, end)
    first = t.filter(t._m0)
    if lo is not None:
        first = first.filter(first.timestamp >= lo)
    if hi is not None:
        first = first.filter(first.timestamp < hi)
    extra: dict[str, Any] = {"q1": first.seq.argmin(first.rn)} if positions else {}
    extra["dim"] = first._dim.argmin(first.rn) if by else first._dim.max()
    level = first.group_by("person_id").aggregate(r1=first.rn.min(), s1=first._secs.min(), t1=first.timestamp.min(), **extra)
    people = level
    # A chain: the persons at step i+1 come from those at step i only, so the expression grows linearly.
    for i in range(1, k):
        st = t.filter(t[f"_m{i}"]).select(_p=t.person_id, _r=t.rn, _s=t._secs, _q=t.seq, _t=t.timestamp)
        prev = level.select("person_id", "s1", _prev=level[f"r{i}"])
        j = prev.join(st, prev.person_id == st._p)
        cond = (j._r == j._prev + 1) if strict else (j._r > j._prev)
        j = j.filter(cond & (j._s - j.s1 <= window_s))
        pos = {f"q{i + 1}": j._q.argmin(j._r)} if positions else {}
        level = j.group_by("person_id").aggregate(**{f"r{i + 1}": j._r.min(), f"s{i + 1}": j._s.min(),
                                                     f"t{i + 1}": j._t.min(), "s1": j.s1.max(), **pos})
        nxt = level.drop("s1").rename(_pn="person_id")
        people = people.left_join(nxt, people.person_id == nxt._pn).drop("_pn")
    return people


def step_counts(people: Any, k: int) -> Any:
    """Per dim: ``n1..nk`` persons reaching each step."""
    return people.group_by("dim").aggregate(
        **{f"n{i}": people[f"r{i}"].notnull().cast("int64").sum() for i in range(1, k + 1)}
    ).order_by("dim")


def time_to_convert(people: Any, k: int) -> tuple[Any, Any]:
    """(quantiles, histogram) of seconds from step 1 to step k, for people who converted."""
    conv = people.filter(people[f"r{k}"].notnull())
    secs = (conv[f"s{k}"] - conv.s1).cast("float64")
    q = conv.aggregate(n=conv.count(), median_s=secs.quantile(0.5), p90_s=secs.quantile(0.9), mean_s=secs.mean())
    cases = []
    for name, upper in TTC_BINS[:-1]:
        cases.append((secs < upper, name))
    conv = conv.mutate(bin=ibis.cases(*cases, else_=TTC_BINS[-1][0]))
    hist = conv.group_by("bin").aggregate(count=conv.count())
    return q, hist


def dropoff_next_counts(ev: Any, people: Any, k: int) -> Any:
    """What people who reached step i but not step i + 1 did next, for every i < k: the label of their next
    event after the step-i event (any event, order (timestamp, seq)), or '(exit)' when there was none.
    Returns ``step`` (i), ``next`` and ``count``, for all steps in one query."""
    parts = []
    for i in range(1, k):
        d = people.filter(people[f"r{i}"].notnull() & people[f"r{i + 1}"].isnull())
        parts.append(d.select(_p=d.person_id, _t=d[f"t{i}"], _q=d[f"q{i}"], step=ibis.literal(i)))
    dropped = parts[0].union(*parts[1:]) if len(parts) > 1 else parts[0]
    later = ev.select(_p2=ev.person_id, _t2=ev.timestamp, _q2=ev.seq, _l=label(ev))
    j = dropped.left_join(later, (dropped._p == later._p2) & ((later._t2 > dropped._t) | ((later._t2 == dropped._t) & (later._q2 > dropped._q))))
    w = ibis.window(group_by=[j._p, j.step], order_by=[j._t2, j._q2])
    j = j.mutate(_n=ibis.row_number().over(w))
    nxt = j.filter(j._n == 0)
    nxt = nxt.mutate(next=nxt._l.fill_null("(exit)"))
    return nxt.group_by(["step", "next"]).aggregate(count=nxt.count())
