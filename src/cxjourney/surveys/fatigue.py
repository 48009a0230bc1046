"""The registered query ``survey_fatigue``: may these people be asked now, by any channel?

The same rule as the widget's server check (docs/surveys.md, "Who is asked"): a person (any of their
stitched ids) who had a ``Survey Shown`` or ``Survey Responded`` event, or any stored response, in the last
``survey_fatigue_days`` days is not asked again. ``cxjourney surveys link`` uses it before making e-mail links.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

import ibis
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxjourney.query.registry import QueryContext, Result, register


class FatigueParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    persons: list[str] = Field(min_length=1, max_length=100_000,
                               description="User ids (or anonymous ids) to check; comma-separated in a URL.")

    @field_validator("persons", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        return [x.strip() for x in v.split(",") if x.strip()] if isinstance(v, str) else v


def last_asked_expr(store: Any, ids: list[str], *, since: datetime) -> ibis.Table:
    """Per requested id: the last time any channel asked it (or a stitched id of the same person) since ``since``."""
    idt = store.table("identities")
    wanted = ibis.memtable({"id": ids})
    # Every requested id maps to itself and to its stitched person.
    pairs = wanted.left_join(idt, wanted.id == idt.id).select(id=wanted.id, person_id=idt.person_id.coalesce(wanted.id).cast("string"))
    pairs = pairs.union(wanted.select(id=wanted.id, person_id=wanted.id.cast("string"))).distinct()
    ev = store.table("events")
    asked_ev = ev.filter((ev.type == "track") & ev.event.isin(["Survey Shown", "Survey Responded"]) & (ev.timestamp >= since))
    r = store.table("responses")
    asked_r = r.filter(r.timestamp >= since)
    asked = asked_ev.select(pid=asked_ev.person_id.cast("string"), ts=asked_ev.timestamp.cast("timestamp")).union(
        asked_r.select(pid=asked_r.person_id.cast("string"), ts=asked_r.timestamp.cast("timestamp")))
    j = pairs.left_join(asked, pairs.person_id == asked.pid)
    return j.group_by(person=j.id).aggregate(last_asked=j.ts.max())


@register("survey_fatigue", FatigueParams, summary="May these people be asked a survey now? Last time asked by any channel, fatigue cap.")
def survey_fatigue(ctx: QueryContext, params: FatigueParams) -> Result:
    days = int(ctx.settings.survey_fatigue_days)
    ids = list(dict.fromkeys(params.persons))
    found: dict[str, Any] = {}
    if days > 0:
        df = last_asked_expr(ctx.store, ids, since=ctx.now - timedelta(days=days)).execute()
        found = {rec["person"]: rec["last_asked"] for rec in df.to_dict(orient="records")}
    rows = []
    for pid in ids:
        last = found.get(pid)
        last = None if last is None or last != last else last.to_pydatetime() if hasattr(last, "to_pydatetime") else last
        rows.append({"person": pid, "may_ask": last is None, "last_asked": last.isoformat() if last else None,
                     "asked_again_from": (last + timedelta(days=days)).isoformat() if last else None})
    return Result(rows=rows, meta={"fatigue_days": days, "now": ctx.now.isoformat(), "n": len(rows),
                                   "rule": "not asked when any channel showed a survey or got an answer within fatigue_days"})
