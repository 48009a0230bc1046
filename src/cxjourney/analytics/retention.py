"""Retention cohorts, retention curves pooled correctly, and churn for an inactivity window.

A cohort is the period (week or month) of a person's first activity: first touch (any interactive event)
or first purchase ('Order Completed'). Activity afterwards is any event (first touch) or an order (first
purchase). Pooled curves use, at each offset, only the cohorts that have completely lived through it.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import ibis

from cxjourney.analytics.prep import INTERACTIVE_TYPES, period_expr

ORDER_EVENT = "Order Completed"
BASES = ("first_touch", "first_purchase")


def activity(ev: Any, basis: str) -> Any:
    """The events that count as activity for a cohort basis."""
    if basis == "first_purchase":
        return ev.filter((ev.type == "track") & (ev.event == ORDER_EVENT))
    return ev.filter(ev.type.isin(list(INTERACTIVE_TYPES)))


def _index(d: Any, cohort: str) -> Any:
    """An integer period index: months since year 0, or weeks since the epoch (Monday weeks)."""
    if cohort == "month":
        return d.year() * 12 + d.month() - 1
    return ((d.epoch_seconds() + 3 * 86400) / (7 * 86400)).floor().cast("int64")


def cohort_counts(ev: Any, *, cohort: str = "month", basis: str = "first_touch", as_of: datetime | None = None) -> Any:
    """Per (cohort, offset): ``active`` persons of the cohort active in its period number ``offset``."""
    a = activity(ev, basis)
    if as_of is not None:
        a = a.filter(a.timestamp < as_of)
    unit = "M" if cohort == "month" else "W"
    a = a.mutate(_p=a.timestamp.truncate(unit))
    a = a.mutate(_i=_index(a._p, cohort))
    pp = a.group_by(["person_id", "_i"]).aggregate(_p=a._p.min())
    first = pp.group_by("person_id").aggregate(_c=pp._i.min(), cohort=pp._p.min())
    j = pp.join(first, "person_id")
    j = j.mutate(offset=j._i - j._c)
    return j.group_by([j.cohort.date().cast("string").name("cohort"), "offset"]).aggregate(
        active=j.person_id.nunique()).order_by(["cohort", "offset"])


def add_periods(start: date, n: int, cohort: str) -> date:
    if cohort == "month":
        m = start.month - 1 + n
        return date(start.year + m // 12, m % 12 + 1, 1)
    from datetime import timedelta

    return start + timedelta(days=7 * n)


def churn_by_period(ev: Any, *, window_days: int, as_of: datetime, period: str = "month",
                    basis: str = "first_touch") -> Any:
    """Per period: ``n`` persons active in it whose last activity there is at least ``window_days`` before
    ``as_of`` (so their fate is known) and ``churned``: those with no activity in the ``window_days`` after
    that last activity. ``period='all'``: every person active before ``as_of``; churned when their last
    activity is ``window_days`` or more before ``as_of``."""
    a = activity(ev, basis)
    a = a.filter(a.timestamp < as_of)
    win = window_days * 86400
    asof_s = int((as_of - datetime(1970, 1, 1)).total_seconds())
    a = a.mutate(_s=a.timestamp.epoch_seconds(), period=period_expr(a.timestamp, period))
    if period == "all":
        per = a.group_by("person_id").aggregate(_last=a._s.max())
        per = per.mutate(period=ibis.literal("all"), _churned=(asof_s - per._last >= win))
        return per.group_by("period").aggregate(n=per.count(), churned=per._churned.cast("int64").sum())
    pp = a.group_by(["person_id", "period"]).aggregate(_first=a._s.min(), _last=a._s.max())
    w = ibis.window(group_by=pp.person_id, order_by=pp._first)
    pp = pp.mutate(_next=pp._first.lead().over(w))
    pp = pp.filter(pp._last + win <= asof_s)
    pp = pp.mutate(_churned=pp._next.isnull() | (pp._next - pp._last > win))
    return pp.group_by("period").aggregate(n=pp.count(), churned=pp._churned.cast("int64").sum()).order_by("period")
