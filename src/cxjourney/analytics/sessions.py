"""Sessions: a person's events split where they were inactive longer than the session timeout.

``sessionize`` numbers sessions per person over the whole history (so session 1 is the first-ever visit,
which makes a visitor "new" in the period of that session); ``sessions`` gives one row per session;
``session_measures`` aggregates them by period and a breakdown. Definitions: docs/analytics.md.
"""

from __future__ import annotations

from typing import Any

import ibis

from cxjourney.analytics.prep import INTERACTIVE_TYPES, date_bounds, dim_expr, period_expr

# Track events sent by ad and e-mail platforms or by agents: they happen away from the site, so they
# neither start nor extend a visit (an ad impression is not a session).
OFFSITE_EVENTS = ("Ad Impression", "Ad Clicked", "Email Opened", "Email Clicked", "Ticket Resolved")


def sessionize(ev: Any, *, timeout_minutes: int = 30) -> Any:
    """On-site events (page/screen, and track events other than ``OFFSITE_EVENTS``) with ``session_no``
    (1 = the person's first session)."""
    ev = ev.filter(ev.type.isin(list(INTERACTIVE_TYPES)) & ~ev.event.isin(list(OFFSITE_EVENTS)).fill_null(False))
    w = ibis.window(group_by=ev.person_id, order_by=[ev.timestamp, ev.seq])
    secs = ev.timestamp.epoch_seconds()
    gap = secs - secs.lag().over(w)
    t = ev.mutate(_new=ibis.ifelse(gap.isnull() | (gap > timeout_minutes * 60), 1, 0))
    cw = ibis.window(group_by=t.person_id, order_by=[t.timestamp, t.seq], preceding=None, following=0)
    return t.mutate(session_no=t._new.sum().over(cw))


def sessions(ev: Any, *, timeout_minutes: int = 30, by: list[str] | None = None) -> Any:
    """One row per session: person_id, session_no, start, end, duration_s, events, pages, interactions
    and ``dim`` (the breakdown value of the session's first event, e.g. its channel)."""
    # Only the columns sessions need travel through the window (the JSON columns are costly to carry).
    ev = ev.select("person_id", "timestamp", "seq", "type", "event",
                   _d=(dim_expr(ev, by) if by else ibis.literal("all")).cast("string"))
    t = sessionize(ev, timeout_minutes=timeout_minutes)
    t = t.mutate(_dim=ibis.ifelse(t._new == 1, t._d, ibis.null("string")), _secs=t.timestamp.epoch_seconds())
    return t.group_by(["person_id", "session_no"]).aggregate(
        start=t.timestamp.min(),
        end=t.timestamp.max(),
        duration_s=t._secs.max() - t._secs.min(),
        events=t.count(),
        pages=t.type.isin(["page", "screen"]).cast("int64").sum(),
        interactions=(t.type == "track").cast("int64").sum(),
        dim=t._dim.max(),
    )


def session_measures(ev: Any, *, timeout_minutes: int = 30, period: str = "all", by: list[str] | None = None,
                     start: Any = None, end: Any = None) -> Any:
    """Per (period, dim): sessions, visitors, new visitors, bounces, engaged sessions, and the sums
    needed for means and their intervals (duration and pages: sum and sum of squares)."""
    return measures_of(sessions(ev, timeout_minutes=timeout_minutes, by=by), period=period, start=start, end=end)


def measures_of(s: Any, *, period: str = "all", start: Any = None, end: Any = None) -> Any:
    """``session_measures`` of a table of ``sessions`` rows (also the stored rollup ``rx_sessions``)."""
    lo, hi = date_bounds(start, end)
    if lo is not None:
        s = s.filter(s.start >= lo)
    if hi is not None:
        s = s.filter(s.start < hi)
    s = s.mutate(period=period_expr(s.start, period), dim=s.dim.fill_null("(none)"))
    d = s.duration_s.cast("float64")
    p = s.pages.cast("float64")
    return s.group_by(["period", "dim"]).aggregate(
        sessions=s.count(),
        visitors=s.person_id.nunique(),
        # One row per (person, session_no): counting first sessions counts each new visitor once.
        new_visitors=(s.session_no == 1).cast("int64").sum(),
        bounces=(s.events == 1).cast("int64").sum(),
        engaged=(s.interactions >= 2).cast("int64").sum(),
        duration_sum=d.sum(),
        duration_sq=(d * d).sum(),
        pages_sum=p.sum(),
        pages_sq=(p * p).sum(),
    ).order_by(["period", "dim"])
