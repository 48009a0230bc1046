"""Shared building blocks: filtering events, labels, periods, steps and the per-person event order.

Every function takes and returns Ibis expressions (never executes). Event order is (timestamp, seq)
everywhere: ``with_rank`` numbers each person's events 1, 2, 3... in that order.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis

from cxjourney.errors import ValidationFailed
from cxjourney.journeys.match import matcher_expr
from cxjourney.journeys.model import Journey

PERIODS = ("day", "week", "month", "quarter", "year", "all")
_TRUNC = {"day": "D", "week": "W", "month": "M", "quarter": "Q", "year": "Y"}
# Event columns a breakdown (by=) may name; ``properties.KEY`` also works.
DIMENSIONS = ("channel", "campaign", "source", "type", "event")
INTERACTIVE_TYPES = ("track", "page", "screen")


def label(ev: Any) -> Any:
    """What an event is called in paths: the track name, else the page/screen name, else its path/type."""
    return ibis.coalesce(ev.event, ev.name, ev.path, ev.type)


def _day(v: date | datetime | str | None, field: str) -> datetime | None:
    if v is None or v == "":
        return None
    if isinstance(v, datetime):
        return v
    if isinstance(v, date):
        return datetime(v.year, v.month, v.day)
    try:
        return datetime.fromisoformat(str(v))
    except ValueError:
        raise ValidationFailed(f"{field}: not a date: {v!r}", errors=[{"field": field, "value": v, "message": "use YYYY-MM-DD"}]) from None


def date_bounds(start: Any = None, end: Any = None) -> tuple[datetime | None, datetime | None]:
    """[start, end) as datetimes; ``end`` given as a date includes that whole day."""
    s = _day(start, "start")
    e = _day(end, "end")
    if e is not None and isinstance(end, (date, str)) and not isinstance(end, datetime) and len(str(end)) <= 10:
        e = e + timedelta(days=1)
    if s and e and e <= s:
        raise ValidationFailed("end is before start", errors=[{"field": "end", "value": str(end), "message": "must be after start"}])
    return s, e


DIM_SEP = "\x1f"  # joins the values of several breakdown dimensions into one group key


def _one_dim(ev: Any, name: str) -> Any:
    if name.startswith("properties."):
        return ev.properties[name[11:]].cast("string").re_replace(r'^"(.*)"$', r"\1")
    if name in DIMENSIONS:
        return ev[name]
    raise ValidationFailed(f"unknown breakdown {name!r}", errors=[{"field": "by", "value": name, "message": f"use one of {', '.join(DIMENSIONS)}, period or properties.KEY"}])


def dim_expr(ev: Any, name: str | list[str]) -> Any:
    """A breakdown column: an event column (channel, campaign, source, type, event) or properties.KEY.
    Several dimensions give one string key (values joined with ``DIM_SEP``; see ``split_dims``)."""
    if isinstance(name, str):
        return _one_dim(ev, name)
    if len(name) == 1:
        return _one_dim(ev, name[0])
    parts = [_one_dim(ev, n).cast("string").fill_null("(none)") for n in name]
    out = parts[0]
    for part in parts[1:]:
        out = out.concat(DIM_SEP, part)
    return out


def split_dims(by: list[str] | None, value: Any) -> dict[str, Any]:
    """The row dimensions of a group key made by ``dim_expr``: ``{dimension: value}`` ('segment': 'all' without by)."""
    if not by:
        return {"segment": value}
    if len(by) == 1:
        return {by[0]: value}
    parts = str(value).split(DIM_SEP) if value is not None else [None] * len(by)
    return dict(zip(by, parts, strict=False))


def where_expr(ev: Any, where: dict[str, Any] | None) -> Any:
    """AND of ``column == value`` (a list means any-of) for event columns or properties.KEY."""
    conds = []
    for key, val in (where or {}).items():
        col = dim_expr(ev, key)
        conds.append(col.isin([str(v) for v in val]) if isinstance(val, list) else col == str(val))
    return ibis.and_(*conds) if conds else None


def filter_events(ev: Any, *, start: Any = None, end: Any = None, where: dict[str, Any] | None = None,
                  channel: str | list[str] | None = None) -> Any:
    s, e = date_bounds(start, end)
    if s is not None:
        ev = ev.filter(ev.timestamp >= s)
    if e is not None:
        ev = ev.filter(ev.timestamp < e)
    if channel:
        ev = ev.filter(ev.channel.isin(channel if isinstance(channel, list) else [channel]))
    cond = where_expr(ev, where)
    return ev.filter(cond) if cond is not None else ev


def period_expr(ts: Any, period: str) -> Any:
    """The start of the period a timestamp falls in (weeks start on Monday); 'all' gives NULL-free 'all'."""
    if period == "all":
        return ibis.literal("all")
    if period not in _TRUNC:
        raise ValidationFailed(f"unknown period {period!r}", errors=[{"field": "period", "value": period, "message": f"use one of {', '.join(PERIODS)}"}])
    return ts.truncate(_TRUNC[period]).date().cast("string")


def with_rank(t: Any, name: str = "rn") -> Any:
    """Number each person's events 1..n in (timestamp, seq) order."""
    w = ibis.window(group_by=t.person_id, order_by=[t.timestamp, t.seq])
    return t.mutate(**{name: ibis.row_number().over(w) + 1})


def step_expr(ev: Any, step: str, journey: Journey | None) -> Any:
    """Does an event match a funnel/path step? A touchpoint id of the journey, ``stage:ID``, or an
    event name (track event, or page/screen name)."""
    if journey is not None:
        if step.startswith("stage:"):
            sid = step[6:]
            tps = [tp for st, tp in journey.touchpoints() if st.id == sid]
            if not tps:
                raise ValidationFailed(f"unknown stage {sid!r}", errors=[{"field": "steps", "value": step, "message": f"stages: {[s.id for s in journey.stages]}"}])
            return ibis.or_(*[matcher_expr(ev, tp.match) for tp in tps])
        for _, tp in journey.touchpoints():
            if tp.id == step:
                return matcher_expr(ev, tp.match)
    elif step.startswith("stage:"):
        raise ValidationFailed("stage steps need a journey", errors=[{"field": "steps", "value": step, "message": "no journey in this workspace"}])
    return ((ev.event == step) | (ev.type.isin(["page", "screen"]) & (ev.name == step))).fill_null(False)


def parse_duration(text: str | int | float, field: str = "window") -> timedelta:
    """'7d', '12h', '30m', '90s', '2w' or a number of seconds."""
    if isinstance(text, (int, float)):
        return timedelta(seconds=float(text))
    s = str(text).strip().lower()
    units = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
    try:
        if s and s[-1] in units:
            return timedelta(seconds=float(s[:-1]) * units[s[-1]])
        return timedelta(seconds=float(s))
    except ValueError:
        raise ValidationFailed(f"{field}: not a duration: {text!r}", errors=[{"field": field, "value": text, "message": "use e.g. 7d, 12h, 30m"}]) from None
