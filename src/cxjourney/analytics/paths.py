"""Paths: variants (whole history or per session), directly-follows transitions (Sankey data), and the
paths that start or end at a step. Counts always add up: a top list is completed by an "(other)" bucket,
a path that stops early ends in "(exit)", a transition graph has "(start)" and "(end)" nodes.
"""

from __future__ import annotations

from typing import Any

import ibis

from cxjourney.analytics.engines import PATH_SEP, ordered_collect
from cxjourney.analytics.prep import with_rank
from cxjourney.analytics.sessions import sessionize

START, END, EXIT, ENTRY, OTHER = "(start)", "(end)", "(exit)", "(entry)", "(other)"


def labelled(ev: Any, label: Any, *keep: str) -> Any:
    """Events with a ``step`` label; events whose label is NULL (e.g. matching no touchpoint) are left out."""
    t = ev.select("person_id", "timestamp", "seq", *keep, step=label)
    return t.filter(t.step.notnull())


def variants(ev: Any, label: Any, *, per_session: bool = False, timeout_minutes: int = 30) -> Any:
    """One row per distinct path (steps joined by ' > ') with ``count`` of persons (or sessions)."""
    if per_session:
        t = sessionize(ev, timeout_minutes=timeout_minutes)
        t = labelled(t, label, "session_no")
        keys = ["person_id", "session_no"]
    else:
        t = labelled(ev, label)
        keys = ["person_id"]
    w = ibis.window(group_by=[t[k] for k in keys], order_by=[t.timestamp, t.seq])
    t = t.mutate(_r=ibis.row_number().over(w))
    p = ordered_collect(t, t.step, rank=t._r, by=keys)
    return p.group_by("path").aggregate(count=p.count())


def top_with_other(counts: Any, *, top: int, key: str = "path") -> Any:
    """The ``top`` rows by count then key, each carrying ``total`` (sum of all counts) and ``n_variants``
    (number of distinct keys), in one query."""
    w = ibis.window()
    c = counts.mutate(total=counts["count"].sum().over(w), n_variants=counts.count().over(w))
    return c.order_by([c["count"].desc(), c[key]]).limit(top)


def transitions(ev: Any, label: Any) -> Any:
    """Directly-follows graph: ``source``, ``target``, ``count`` and ``median_s`` (median seconds between
    the two events; NULL for start/end edges). Each person's path adds (start) -> first and last -> (end),
    so every node's inflow equals its outflow."""
    t = labelled(ev, label)
    t = with_rank(t)
    w = ibis.window(group_by=t.person_id, order_by=[t.timestamp, t.seq])
    secs = t.timestamp.epoch_seconds()
    e = t.mutate(target=t.step.lead().over(w), _dt=(secs.lead().over(w) - secs).cast("float64"))
    e = e.mutate(target=e.target.fill_null(END))
    inner = e.group_by([e.step.name("source"), "target"]).aggregate(count=e.count(), median_s=e._dt.quantile(0.5))
    s = t.filter(t.rn == 1)
    starts = s.group_by([ibis.literal(START).name("source"), s.step.name("target")]).aggregate(
        count=s.count(), median_s=ibis.null("float64"))
    return inner.union(starts)


def paths_from(ev: Any, label: Any, at: Any, *, steps: int = 3, reverse: bool = False) -> Any:
    """Per person who ever reaches ``at`` (a boolean step expression): the ``steps`` events after their
    first match (or, ``reverse``, before it), as a path starting (ending) at the matched event. Paths that
    run out end in '(exit)' (start with '(entry)'). Returns ``path``, ``count``."""
    t = labelled(ev.mutate(_at=at), label, "_at")
    t = with_rank(t)
    anchor = t.filter(t._at).group_by("person_id").aggregate(_r0=t.rn.min())
    anchor = anchor.rename(_p="person_id")
    j = t.join(anchor, t.person_id == anchor._p)
    off = (j._r0 - j.rn) if reverse else (j.rn - j._r0)
    j = j.mutate(_off=off).filter(lambda x: (x._off >= 0) & (x._off <= steps))
    order = (steps - j._off) if reverse else j._off
    p = ordered_collect(j, j.step, rank=order, by=["person_id"])
    n = j.group_by("person_id").aggregate(_len=j.count())
    p = p.join(n, "person_id")
    short = p._len < steps + 1
    if reverse:
        path = ibis.ifelse(short, ibis.literal(ENTRY + PATH_SEP) + p.path, p.path)
    else:
        path = ibis.ifelse(short, p.path + ibis.literal(PATH_SEP + EXIT), p.path)
    p = p.mutate(path=path)
    return p.group_by("path").aggregate(count=p.count())
