"""Parameter models of the analytics queries (a query is data) and the helpers every query shares."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from cxjourney.analytics.prep import filter_events
from cxjourney.errors import NotFound
from cxjourney.metrics.rates import plain

Period = Literal["day", "week", "month", "quarter", "year", "all"]


class Scope(BaseModel):
    """Which events: a date range, channels, and a segment (``where``: column or properties.KEY = value)."""

    start: date | None = Field(default=None, description="First day (inclusive), YYYY-MM-DD.")
    end: date | None = Field(default=None, description="Last day (inclusive), YYYY-MM-DD.")
    channel: list[str] | None = Field(default=None, description="Only events of these channels.")
    where: dict[str, str | list[str]] = Field(default_factory=dict, description="Segment: column or properties.KEY = value(s).")


class Breakdown(Scope):
    period: Period = Field(default="all", description="Group by day, week, month, quarter, year or all.")
    by: str | None = Field(default=None, description="Breakdown: channel, campaign, source, type, event or properties.KEY.")


class JourneyScope(Breakdown):
    journey: str | None = Field(default=None, description="Journey id (default: the workspace's first journey).")


def events(ctx: Any, p: Scope, *, dates: bool = True) -> Any:
    ev = ctx.store.table("events")
    return filter_events(ev, start=p.start if dates else None, end=p.end if dates else None, where=p.where or None,
                         channel=p.channel)


def journey_of(ctx: Any, journey_id: str | None) -> Any:
    if ctx.workspace is None:
        raise NotFound("no workspace: journeys are read from the workspace's journeys/ folder")
    try:
        return ctx.workspace.journey(journey_id)
    except NotFound:
        _, problems = ctx.workspace.check_journeys()
        if problems:
            from cxjourney.errors import ValidationFailed

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
