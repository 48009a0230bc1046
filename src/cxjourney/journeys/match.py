"""Turn a touchpoint's matcher into an Ibis boolean expression over the events table."""

from __future__ import annotations

from typing import Any

import ibis

from cxjourney.journeys.model import Journey, Matcher


def _any_of(col: Any, value: str | list[Any]) -> Any:
    return col.isin(value) if isinstance(value, list) else (col == value)


def _prop(ev: Any, key: str) -> Any:
    return ev.properties[key].str  # JSON value as text (NULL when absent or not a string)


def _prop_value(ev: Any, key: str) -> Any:
    # Compare on the JSON text: works for strings, numbers and booleans alike.
    return ev.properties[key].cast("string").re_replace(r'^"(.*)"$', r"\1")


def _property_condition(ev: Any, key: str, cond: Any) -> Any:
    col = _prop_value(ev, key)
    if isinstance(cond, dict):
        parts = []
        for op, v in cond.items():
            if op == "eq":
                parts.append(col == _text(v))
            elif op == "ne":
                parts.append(col != _text(v))
            elif op == "in":
                parts.append(col.isin([_text(x) for x in v]))
            elif op == "regex":
                parts.append(col.re_search(str(v)))
            elif op == "exists":
                parts.append(col.notnull() if v else col.isnull())
            else:
                num = col.cast("float64")
                parts.append({"gt": num > v, "gte": num >= v, "lt": num < v, "lte": num <= v}[op])
        return ibis.and_(*parts)
    if isinstance(cond, list):
        return col.isin([_text(x) for x in cond])
    return col == _text(cond)


def _text(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    return str(v)


def matcher_expr(ev: Any, m: Matcher) -> Any:
    """Boolean Ibis expression: does an event match ``m``? (All conditions; lists mean any-of.)"""
    conds = []
    if m.type is not None:
        conds.append(_any_of(ev.type, m.type))
    if m.event is not None:
        conds.append(_any_of(ev.event, m.event))
    if m.name is not None:
        conds.append(_any_of(ev.name, m.name))
    if m.url is not None:
        conds.append(ev.url.re_search(m.url).fill_null(False))
    if m.path is not None:
        conds.append(ev.path.re_search(m.path).fill_null(False))
    if m.channel is not None:
        conds.append(_any_of(ev.channel, m.channel))
    for key, cond in m.properties.items():
        conds.append(_property_condition(ev, key, cond).fill_null(False))
    return ibis.and_(*conds).fill_null(False)


def touchpoint_column(ev: Any, journey: Journey) -> Any:
    """A string column: the id of the first touchpoint (in journey order) an event matches, else NULL."""
    cases = [(matcher_expr(ev, tp.match), tp.id) for _, tp in journey.touchpoints()]
    return ibis.cases(*cases, else_=ibis.null("string"))


def stage_column(ev: Any, journey: Journey) -> Any:
    cases = [(matcher_expr(ev, tp.match), st.id) for st, tp in journey.touchpoints()]
    return ibis.cases(*cases, else_=ibis.null("string"))


def with_touchpoints(ev: Any, journey: Journey) -> Any:
    """Events annotated with ``touchpoint`` and ``stage`` (only events that match one)."""
    t = ev.mutate(touchpoint=touchpoint_column(ev, journey), stage=stage_column(ev, journey))
    return t.filter(t.touchpoint.notnull())
