"""Parameter models of the analytics queries (a query is data) and the helpers every query shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

import ibis
from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from cxjourney.analytics.prep import filter_events
from cxjourney.errors import NotFound, ValidationFailed
from cxjourney.metrics.rates import plain

Period = Literal["day", "week", "month", "quarter", "year", "all"]


def _listify(v: Any) -> Any:
    """A single string (or comma-separated string) becomes a list; lists pass unchanged."""
    if isinstance(v, str):
        return [x.strip() for x in v.split(",") if x.strip()]
    return v


def parse_where(v: Any) -> dict[str, str | list[str]]:
    """``where`` as an object ``{"channel": "web"}`` or a list of ``"key=value"`` strings (a repeated key
    means any of its values), the same vocabulary as the survey queries."""
    if v is None:
        return {}
    if isinstance(v, dict):
        return v
    items = _listify(v)
    if not isinstance(items, list):
        raise ValidationFailed("where: use an object or a list of key=value strings",
                               errors=[{"field": "where", "value": v, "message": "e.g. [\"channel=web\"]"}])
    out: dict[str, str | list[str]] = {}
    for item in items:
        key, sep, value = str(item).partition("=")
        key = key.strip()
        if not sep or not key:
            raise ValidationFailed(f"bad filter {item!r}", errors=[{"field": "where", "value": item,
                                   "message": "use key=value (channel, campaign, source, type, event, properties.KEY, segment=trait:value)"}])
        prev = out.get(key)
        out[key] = value if prev is None else [*(prev if isinstance(prev, list) else [prev]), value]
    return out


class Scope(BaseModel):
    """Which events: an inclusive date range, channels, and a segment (``where``)."""

    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    start: date | None = Field(default=None, validation_alias=AliasChoices("from", "start", "date_from"),
                               description="First day (inclusive), YYYY-MM-DD; `start` is accepted too.")
    end: date | None = Field(default=None, validation_alias=AliasChoices("to", "end", "date_to"),
                             description="Last day (inclusive), YYYY-MM-DD; `end` is accepted too.")
    channel: list[str] | None = Field(default=None, description="Only events of these channels (a list, or one channel).")
    where: dict[str, str | list[str]] = Field(
        default_factory=dict,
        description="Segment filter: an object {key: value or [values]} or a list of \"key=value\" strings; key is an event "
                    "column (channel, campaign, source, type, event), properties.KEY, or segment (value trait:value, a person trait).")

    @field_validator("channel", mode="before")
    @classmethod
    def _channels(cls, v: Any) -> Any:
        return _listify(v)

    @field_validator("where", mode="before")
    @classmethod
    def _where(cls, v: Any) -> Any:
        return parse_where(v)


class Breakdown(Scope):
    period: Period = Field(default="all", description="Group by day, week, month, quarter, year or all.")
    by: list[str] | None = Field(
        default=None, description="Breakdown dimensions (a list, or one name): channel, campaign, source, type, event or properties.KEY.")

    @field_validator("by", mode="before")
    @classmethod
    def _by(cls, v: Any) -> Any:
        return _listify(v) or None


class JourneyScope(Breakdown):
    journey: str | None = Field(default=None, description="Journey id (default: the workspace's first journey).")


class JourneyOnly(Scope):
    """A journey over a scope, without period or breakdown (the score and designed-vs-actual)."""

    journey: str | None = Field(default=None, description="Journey id (default: the workspace's first journey).")


def events(ctx: Any, p: Scope, *, dates: bool = True) -> Any:
    ev = ctx.store.table("events")
    where = dict(p.where or {})
    segment = where.pop("segment", None)
    ev = filter_events(ev, start=p.start if dates else None, end=p.end if dates else None, where=where or None,
                       channel=p.channel)
    if segment is not None:
        ev = _segment(ctx, ev, segment)
    return ev


def _segment(ctx: Any, ev: Any, segment: str | list[str]) -> Any:
    """Events of persons whose trait has one of the given values (``segment=trait:value``)."""
    conds = []
    persons = ctx.store.table("persons")
    for item in segment if isinstance(segment, list) else [segment]:
        trait, sep, value = str(item).partition(":")
        if not sep or not trait:
            raise ValidationFailed(f"bad segment filter {item!r}", errors=[{"field": "where", "value": f"segment={item}",
                                                                           "message": "use segment=trait:value"}])
        v = persons.traits[trait]
        conds.append(v.str.coalesce(v.cast("string")) == value)
    chosen = persons.filter(ibis.or_(*conds)).select(_pid=persons.person_id)
    return ev.semi_join(chosen, ev.person_id == chosen._pid)


def journey_of(ctx: Any, journey_id: str | None) -> Any:
    if ctx.workspace is None:
        raise NotFound("no workspace: journeys are read from the workspace's journeys/ folder")
    try:
        return ctx.workspace.journey(journey_id)
    except NotFound:
        _, problems = ctx.workspace.check_journeys()
        if problems:
            first = problems[0]
            raise ValidationFailed(
                f"journey {journey_id or '(first)'} is not usable: {first['file']}:{first['line']}: {first['field']}: {first['message']}",
                errors=problems) from None
        raise


def records(expr_or_df: Any) -> list[dict[str, Any]]:
    df = expr_or_df.execute() if hasattr(expr_or_df, "execute") else expr_or_df
    return [{k: plain(v) for k, v in r.items()} for r in df.to_dict(orient="records")]


def as_of(ctx: Any, value: datetime | date | None, end: date | None = None) -> datetime:
    """The moment the analysis looks from: the given as_of, else the day after ``end``, else ctx.now."""
    from datetime import timedelta

    if value is not None:
        return value if isinstance(value, datetime) else datetime(value.year, value.month, value.day)
    if end is not None:
        d = end + timedelta(days=1)
        return min(datetime(d.year, d.month, d.day), ctx.now)
    return ctx.now
