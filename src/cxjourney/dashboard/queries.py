"""The dashboard's own registered queries: customer search and the customer 360 view.

``customer_360`` gathers one person's events, survey answers (comments masked unless the role may see raw
text), orders, support tickets, the latest model scores (CLV, probability alive, churn risk) and their alerts
(detractor cases, with the stored PII-masked comment) into one timeline. Agents may run it (the read API allows it for the agent role)."""

from __future__ import annotations

import json
import re
from typing import Any

import ibis
from pydantic import BaseModel, Field

from cxjourney.dashboard.data import clean
from cxjourney.errors import NotFound
from cxjourney.query.core_queries import PersonParams, person_history, resolve_person
from cxjourney.query.registry import QueryContext, Result, register

# The alert columns a customer's page shows (not the delivery bookkeeping).
ALERT_COLUMNS = ("alert_id", "kind", "created_at", "title", "details", "person_id", "touchpoint", "status", "assignee",
                 "note", "contacted_at", "closed_at")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_DIGITS = re.compile(r"(?<!\w)(\+?\d[\d \-]{7,}\d)(?!\w)")


def _fallback_mask(text: str) -> str:
    return _DIGITS.sub("[number]", _EMAIL.sub("[e-mail]", text))


def _masking() -> tuple[Any, Any]:
    """(can_see_raw(role), mask_pii(text)) from the text package; a conservative stand-in until it lands."""
    try:
        from cxjourney.text import can_see_raw, mask_pii

        return can_see_raw, mask_pii
    except ImportError:
        return (lambda role: role in ("admin", "analyst")), _fallback_mask


class SearchParams(BaseModel):
    q: str = Field(min_length=1, max_length=200, description="A user id, anonymous id, e-mail, or text found in traits.")
    limit: int = Field(default=50, ge=1, le=500, description="At most this many customers.")


@register("customer_search", SearchParams, summary="Find customers by id, e-mail or a trait value.")
def customer_search(ctx: QueryContext, params: SearchParams) -> Result:
    q = params.q.strip()
    exact = resolve_person(ctx.store, q)
    p = ctx.store.table("persons")
    needle = q.lower()
    hits = p.filter(
        (p.person_id == q)
        | p.email.lower().contains(needle)
        | p.traits.cast("string").lower().contains(needle)
    )
    cols = ["person_id", "email", "traits", "first_seen", "last_seen"]
    df = hits.select(*cols).order_by([p.last_seen.desc(), p.person_id]).limit(params.limit).execute()
    rows = [clean(r) for r in df.to_dict(orient="records")]
    if exact and exact not in {r["person_id"] for r in rows}:
        one = p.filter(p.person_id == exact).select(*cols).execute().to_dict(orient="records")
        rows.insert(0, clean(one[0]) if one else {"person_id": exact, "email": None, "traits": None, "first_seen": None, "last_seen": None})
    return Result(rows=rows, meta={"n": len(rows), "exact": exact})


class Customer360Params(BaseModel):
    person: str = Field(description="Any id of the person: user id, anonymous id, or e-mail.")
    limit: int = Field(default=2000, ge=1, le=100_000, description="At most this many events on the timeline.")


def _records(expr: Any) -> list[dict[str, Any]]:
    return [clean(r) for r in expr.execute().to_dict(orient="records")]


@register("customer_360", Customer360Params, summary="One customer's timeline: events, answers, orders, tickets, CLV and churn risk.")
def customer_360(ctx: QueryContext, params: Customer360Params) -> Result:
    pid = resolve_person(ctx.store, params.person)
    if pid is None:
        raise NotFound(f"no customer with id or e-mail {params.person!r}",
                       errors=[{"field": "person", "value": params.person, "message": "unknown customer"}])
    hist = person_history(ctx, PersonParams(person=pid, limit=params.limit))
    can_see_raw, mask_pii = _masking()
    raw_ok = bool(can_see_raw(ctx.role))

    r = ctx.store.table("responses")
    ca = ctx.store.table("comment_analysis")
    answers = r.filter(r.person_id == pid).left_join(
        ca, [r.response_id == ca.response_id, r.question_id == ca.question_id]
    ).select(
        r.response_id, r.question_id, r.survey_id, r.kind, r.score, r.answer, r.comment, r.touchpoint, r.journey,
        r.stage, r.channel, r.timestamp, ca.sentiment, ca.label, ca.theme, ca.masked_comment,
    ).order_by([r.timestamp, r.response_id, r.question_id])
    answer_rows = _records(answers)
    for a in answer_rows:
        if a.get("comment") and not raw_ok:
            a["comment"] = a.get("masked_comment") or mask_pii(a["comment"])
        a["masked"] = bool(a.get("comment")) and not raw_ok
        a.pop("masked_comment", None)

    o = ctx.store.table("orders")
    orders = _records(o.filter(o.person_id == pid).select("order_id", "timestamp", "revenue", "currency", "channel").order_by(["timestamp", "order_id"]))
    t = ctx.store.table("tickets")
    tickets = _records(t.filter(t.person_id == pid).select("ticket_id", "timestamp", "event", "subject", "status", "channel").order_by(["timestamp", "ticket_id"]))
    if not raw_ok:
        for tk in tickets:
            if tk.get("subject"):
                tk["subject"] = mask_pii(tk["subject"])

    cs = ctx.store.table("customer_scores")
    scores = _records(cs.filter(cs.person_id == pid).order_by([cs.computed_at.desc(), cs.model]).limit(5))
    latest = __import__("cxjourney.models.workspace", fromlist=["latest_scores"]).latest_scores(scores)

    al = ctx.store.table("alerts")
    alerts = _records(al.filter(al.person_id == pid).select(*ALERT_COLUMNS).order_by([al.created_at.desc(), al.alert_id.desc()]).limit(100))
    for a in alerts:  # an alert stores its comment already PII-masked (docs/alerts.md)
        a["details"] = json.loads(a["details"]) if isinstance(a.get("details"), str) else a.get("details")

    timeline: list[dict[str, Any]] = []
    for e in hist.rows:
        if e.get("event") in ("Order Completed", "Ticket Created", "Ticket Resolved", "Survey Responded"):
            continue  # shown as an order, ticket or answer below
        timeline.append({"timestamp": e["timestamp"], "kind": "event", "title": e.get("event") or e.get("name") or e.get("type"),
                         "detail": e.get("url") or "", "channel": e.get("channel")})
    for a in answer_rows:
        timeline.append({"timestamp": a["timestamp"], "kind": "answer", "title": f"{a['survey_id']} · {a['kind']}",
                         "score": a.get("score"), "detail": a.get("comment") or a.get("answer") or "", "channel": a.get("channel"),
                         "sentiment": a.get("sentiment"), "theme": a.get("theme")})
    for od in orders:
        timeline.append({"timestamp": od["timestamp"], "kind": "order", "title": od["order_id"], "revenue": od.get("revenue"),
                         "detail": od.get("currency") or "", "channel": od.get("channel")})
    for tk in tickets:
        timeline.append({"timestamp": tk["timestamp"], "kind": "ticket", "title": tk.get("event"), "detail": tk.get("subject") or "",
                         "channel": tk.get("channel")})
    timeline.sort(key=lambda x: (x["timestamp"], x["kind"]))
    meta = {
        "person_id": pid, "person": clean(hist.meta.get("person")), "ids": hist.meta.get("ids"),
        "answers": answer_rows, "orders": orders, "tickets": tickets, "scores": latest, "alerts": alerts,
        "revenue": sum(float(od.get("revenue") or 0) for od in orders), "masked": not raw_ok,
        "n_events": len(hist.rows),
    }
    if not raw_ok and meta["person"]:
        traits = meta["person"].get("traits")
        if isinstance(traits, str):
            meta["person"]["traits"] = mask_pii(traits)
    return Result(rows=timeline, meta=meta)


class EventNamesParams(BaseModel):
    limit: int = Field(default=200, ge=1, le=2000, description="At most this many event names (most frequent first).")


@register("event_names", EventNamesParams, summary="Track event names with their counts (for picking funnel steps).")
def event_names(ctx: QueryContext, params: EventNamesParams) -> Result:
    ev = ctx.store.table("events")
    tracked = ev.filter(ev.event.notnull())
    q = tracked.group_by("event").aggregate(count=tracked.count()).order_by([ibis.desc("count"), "event"]).limit(params.limit)
    return Result(rows=_records(q), meta={"n": params.limit})


class CommentThemesParams(BaseModel):
    response_ids: list[str] = Field(max_length=1000, description="Responses whose comment theme and sentiment to look up.")


@register("comment_themes", CommentThemesParams, summary="Theme and sentiment label of given comments (from the last text analysis).")
def comment_themes(ctx: QueryContext, params: CommentThemesParams) -> Result:
    if not params.response_ids:
        return Result(rows=[], meta={"n": 0})
    ca = ctx.store.table("comment_analysis")
    q = ca.filter(ca.response_id.isin(params.response_ids)).select("response_id", "question_id", "theme", "label", "sentiment")
    rows = _records(q.order_by(["response_id", "question_id"]))
    return Result(rows=rows, meta={"n": len(rows)})
