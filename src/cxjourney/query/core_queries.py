"""Backbone queries: counts over the store and one person's stitched history."""

from __future__ import annotations

from typing import Any

import ibis
from pydantic import BaseModel, Field

from cxjourney.errors import NotFound
from cxjourney.query.registry import QueryContext, Result, register


class EmptyParams(BaseModel):
    pass


@register("store_summary", EmptyParams, summary="How much is in the store.")
def store_summary(ctx: QueryContext, params: EmptyParams) -> Result:
    ev = ctx.store.table("events")
    persons: Any = ev.person_id.nunique()
    if getattr(ctx, "rollups", True):
        from cxjourney.analytics import rollups

        # Exactly up to date (no event since the last refresh): one rollup row per person with events.
        if rollups.ensure_fresh(ctx) is not None and ctx.extra.get("rollups", {}).get("events_since") == 0:
            persons = ctx.store.table("rx_person").count().as_scalar()
        ctx.extra.pop("rollups", None)
    agg = ev.aggregate(events=ev.count(), persons=persons, first=ev.timestamp.min(), last=ev.timestamp.max()).execute()
    row = agg.iloc[0].to_dict()
    responses = int(ctx.store.table("responses").count().execute())
    orders = int(ctx.store.table("orders").count().execute())
    return Result(
        rows=[
            {
                "events": int(row["events"]),
                "persons": int(row["persons"]),
                "responses": responses,
                "orders": orders,
                "first_event": None if row["first"] is None or str(row["first"]) == "NaT" else str(row["first"]),
                "last_event": None if row["last"] is None or str(row["last"]) == "NaT" else str(row["last"]),
            }
        ]
    )


class PersonParams(BaseModel):
    person: str = Field(description="Any id of the person: user id, anonymous id, or e-mail.")
    limit: int = Field(default=10_000, ge=1, le=1_000_000)


def resolve_person(store: Any, any_id: str) -> str | None:
    """The canonical person id for a user id, anonymous id or e-mail; None if unknown."""
    ids = store.table("identities")
    hit = ids.filter(ids.id == any_id).select("person_id").limit(1).execute()
    if len(hit):
        return str(hit.iloc[0, 0])
    persons = store.table("persons")
    hit = persons.filter((persons.person_id == any_id) | (persons.email == any_id)).select("person_id")
    hit = hit.limit(1).execute()
    if len(hit):
        return str(hit.iloc[0, 0])
    ev = store.table("events")
    hit = ev.filter(ev.person_id == any_id).select("person_id").limit(1).execute()
    return str(hit.iloc[0, 0]) if len(hit) else None


@register("person_history", PersonParams, summary="One person's whole stitched history, in order.")
def person_history(ctx: QueryContext, params: PersonParams) -> Result:
    pid = resolve_person(ctx.store, params.person)
    if pid is None:
        raise NotFound(f"no person with id or e-mail {params.person!r}", errors=[{"field": "person", "value": params.person, "message": "unknown person"}])
    ev = ctx.store.table("events")
    q = (
        ev.filter(ev.person_id == pid)
        .order_by([ev.timestamp, ev.seq])
        .select(
            "seq", "message_id", "type", "event", "name", "user_id", "anonymous_id", "timestamp",
            "url", "channel", "campaign", "revenue", "properties", "source",
        )
        .limit(params.limit)
    )
    df = q.execute()
    rows = []
    for rec in df.to_dict(orient="records"):
        rec["timestamp"] = rec["timestamp"].isoformat()
        rec = {k: (None if _isnan(v) else v) for k, v in rec.items()}
        rows.append(rec)
    persons = ctx.store.table("persons")
    p = persons.filter(persons.person_id == pid).execute().to_dict(orient="records")
    ids = ctx.store.table("identities")
    aliases = sorted(ids.filter(ids.person_id == pid).id.execute().tolist())
    person = p[0] if p else {"person_id": pid}
    for k in ("first_seen", "last_seen", "updated_at"):
        v = person.get(k)
        if v is not None and hasattr(v, "isoformat"):
            person[k] = v.isoformat()
    return Result(rows=rows, meta={"person_id": pid, "person": person, "ids": aliases, "n": len(rows)})


def _isnan(v: Any) -> bool:
    try:
        return v != v  # NaN/NaT
    except Exception:
        return False


_ = ibis  # ibis is the expression language of every query
