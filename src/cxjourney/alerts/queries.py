"""Registered queries ``alerts`` (the stored alerts, newest first) and ``closed_loop`` (detractor follow-up)."""

from __future__ import annotations

import json
import math
from datetime import datetime
from typing import Any, Literal

import ibis
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field

from cxjourney.alerts.loop import DEFINITIONS, loop_rows
from cxjourney.alerts.repo import COLUMNS
from cxjourney.query.registry import QueryContext, Result, register


class AlertsParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    status: Literal["open", "contacted", "resolved", "dismissed"] | None = Field(
        default=None, description="Only alerts with this status.")
    kind: Literal["score_drop", "detractor"] | None = Field(default=None, description="Only alerts of this kind.")
    since: datetime | None = Field(default=None, description="Only alerts created at or after this time.")
    limit: int = Field(default=100, ge=1, le=10_000, description="At most this many alerts (newest first).")


class ClosedLoopParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since: datetime | None = Field(default=None, description="Only cases created at or after this time.")
    until: datetime | None = Field(default=None, description="Only cases created before this time.")
    touchpoint: str | None = Field(default=None, description="Only cases at this touchpoint.")
    by: Literal["none", "touchpoint", "assignee"] = Field(default="none", description="Split the figures by touchpoint or assignee.")


def _clean(v: Any) -> Any:
    if v is None or (isinstance(v, float) and math.isnan(v)) or v is pd.NaT:
        return None
    if isinstance(v, pd.Timestamp):
        return v.to_pydatetime().isoformat()
    if isinstance(v, datetime):
        return v.isoformat()
    if hasattr(v, "item"):
        return v.item()
    return v


def _details(v: Any) -> Any:
    return json.loads(v) if isinstance(v, str) else v


@register("alerts", AlertsParams, summary="Stored alerts (score drops, detractors with a negative comment), newest first, with their follow-up status.")
def alerts(ctx: QueryContext, p: AlertsParams) -> Result:
    t = ctx.store.table("alerts")
    if p.status is not None:
        t = t.filter(t.status == p.status)
    if p.kind is not None:
        t = t.filter(t.kind == p.kind)
    if p.since is not None:
        t = t.filter(t.created_at >= p.since)
    counts = t.group_by("status").aggregate(n=t.count()).execute()
    df = t.order_by([ibis.desc("created_at"), ibis.desc("alert_id")]).limit(p.limit).select(*COLUMNS).execute()
    rows = []
    for rec in df.to_dict(orient="records"):
        row = {k: _clean(v) for k, v in rec.items() if k != "details"}
        row["details"] = _details(rec.get("details"))
        rows.append(row)
    by_status = {str(r["status"]): int(r["n"]) for r in counts.to_dict(orient="records")}
    return Result(rows=rows, meta={"n": sum(by_status.values()), "by_status": by_status, "shown": len(rows),
                                   "order": "created_at desc, alert_id desc"})


def _cases(ctx: QueryContext, p: ClosedLoopParams) -> ibis.Table:
    a = ctx.store.table("alerts")
    a = a.filter((a.kind == "detractor") & (a.created_at <= ctx.now))
    if p.since is not None:
        a = a.filter(a.created_at >= p.since)
    if p.until is not None:
        a = a.filter(a.created_at < p.until)
    if p.touchpoint is not None:
        a = a.filter(a.touchpoint == p.touchpoint)
    return a


def _next_answers(ctx: QueryContext, cases: ibis.Table) -> ibis.Table:
    """Each contacted case's first NPS answer by the same person after the contact (ties: response_id)."""
    c = cases.filter(cases.contacted_at.notnull()).select("alert_id", "person_id", "contacted_at")
    r = ctx.store.table("responses")
    r = r.filter((r.kind == "nps") & r.score.notnull() & (r.timestamp <= ctx.now))
    r = r.select(r.person_id.name("r_person"), r.timestamp.name("r_ts"), r.response_id.name("r_id"),
                 r.score.name("next_score"))
    j = c.join(r, (c.person_id == r.r_person) & (r.r_ts > c.contacted_at))
    w = ibis.window(group_by="alert_id", order_by=["r_ts", "r_id"])
    j = j.mutate(_rn=ibis.row_number().over(w))
    return j.filter(j._rn == 0).select("alert_id", "next_score", next_answer_at=j.r_ts)


@register("closed_loop", ClosedLoopParams, summary="Closed loop of detractor cases: share followed up, time to first contact, recovery rate (Wilson intervals).")
def closed_loop(ctx: QueryContext, p: ClosedLoopParams) -> Result:
    cases_t = _cases(ctx, p)
    cases = cases_t.select("alert_id", "touchpoint", "assignee", "status", "created_at", "contacted_at", "details").execute()
    nexts = _next_answers(ctx, cases_t).execute()
    answered = [(_details(d) or {}).get("answered_at") for d in cases["details"]]
    cases = cases.assign(answered_at=pd.to_datetime(pd.Series(answered, index=cases.index, dtype="object"), errors="coerce"))
    common = {"min_sample": ctx.settings.min_sample, "confidence": ctx.settings.confidence}
    rows = loop_rows(cases, nexts, dims={}, **common) if p.by == "none" else []
    if p.by != "none":
        keys = cases[p.by].astype("object").where(cases[p.by].notna(), None)
        for g in sorted(set(keys), key=lambda x: (x is None, str(x))):
            sel = cases[keys.map(lambda v, g=g: v == g)]
            rows += loop_rows(sel, nexts, dims={p.by: g}, **common)
    status = {str(k): int(v) for k, v in cases["status"].value_counts().to_dict().items()}
    return Result(rows=[{k: _clean(v) for k, v in r.items()} for r in rows],
                  meta={"definitions": DEFINITIONS, "cases": len(cases), "by_status": status,
                        "recovered_from": 7, "confidence": ctx.settings.confidence, "min_sample": ctx.settings.min_sample})
