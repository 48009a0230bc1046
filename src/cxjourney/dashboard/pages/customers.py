"""Customers: search by id, e-mail or trait, and one customer's 360 timeline (every event, survey answer,
comment masked as the role requires, order, support ticket, predicted CLV and churn risk)."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard.data import fetch
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import panel_json
from cxjourney.errors import NotFound
from cxjourney.query import run_query
from cxjourney.query.registry import QueryContext


def build_search(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    q = (next(iter(args.get("q") or []), "") or "").strip()
    results = fetch(ctx, "customer_search", q=q) if q else None
    return {"page": "customers", "template": "customers", "q": q, "results": panel_json(results) if results else None}


def build_360(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    person = args["person"]
    res = run_query(ctx, "customer_360", {"person": person})  # an unknown customer is a 404, not an empty page
    meta = res.meta
    if meta.get("person_id") is None:
        raise NotFound(f"no customer {person!r}")
    counts = {k: sum(1 for r in res.rows if r["kind"] == k) for k in ("event", "answer", "order", "ticket")}
    return {"page": "customers", "template": "customer", "person_id": meta["person_id"], "person": meta.get("person"),
            "ids": meta.get("ids") or [], "timeline": res.rows, "answers": meta.get("answers") or [],
            "orders": meta.get("orders") or [], "tickets": meta.get("tickets") or [], "scores": meta.get("scores"),
            "revenue": meta.get("revenue"), "alerts": meta.get("alerts") or [], "masked": meta.get("masked"), "counts": counts}
