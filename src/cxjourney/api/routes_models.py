"""Customer-value endpoints and the scheduled refresh of stored scores.

``POST /api/v1/clv/refresh`` recomputes every customer's scores from the orders and stores them
(``customer_scores``); reads go through the query layer (``GET /api/v1/query/customer_value?person=...``,
``clv_summary``, ``drivers``, ``clv_fit``, ``clv_predict``). When the workspace sets ``clv_refresh_hours`` > 0,
a background task refreshes the scores that often (checked every few minutes; the first check at startup).
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Request
from pydantic import BaseModel, Field

from cxjourney.api.deps import analyst, query_context, reader
from cxjourney.api.errors import responses
from cxjourney.query import Result, run_query
from cxjourney.security.keys import Principal

router = APIRouter(prefix="/api/v1/clv", tags=["customer value"])
ERRS = responses(400, 401, 403, 422)
log = logging.getLogger("cxjourney.clv")
CHECK_SECONDS = 300.0


class RefreshRequest(BaseModel):
    model: Literal["bgnbd", "pareto_nbd"] = "bgnbd"
    horizon: float = Field(default=52, gt=0, description="Horizon in periods.")
    period: Literal["day", "week", "month"] = "week"
    discount_rate: float = Field(default=0.0, ge=0, lt=10, description="Annual discount rate.")


@router.post("/refresh", responses=ERRS, summary="Recompute and store every customer's CLV, P(alive) and churn risk")
def refresh(body: RefreshRequest, request: Request, who: Principal = Depends(analyst)) -> dict[str, Any]:
    from cxjourney.models.workspace import refresh_scores

    st = request.app.state
    with st.store.lock:
        out = refresh_scores(st.store, st.settings, now=st.clock(), model=body.model, horizon=body.horizon,
                             period=body.period, discount_rate=body.discount_rate)
    return {"ok": True, **out}


@router.get("/customers/{person}", response_model=Result, responses=ERRS,
            summary="One customer's stored scores (CLV, P(alive), churn risk); any role, for the customer 360 view")
def customer_scores(person: str, request: Request, who: Principal = Depends(reader)) -> Result:
    return run_query(query_context(request, who), "customer_value", {"person": person})


@router.get("/summary", response_model=Result, responses=ERRS, summary="Stored scores summed up, with intervals")
def scores_summary(request: Request, who: Principal = Depends(analyst)) -> Result:
    return run_query(query_context(request, who), "clv_summary", {})


def _run_due(app: FastAPI) -> dict[str, Any] | None:
    from cxjourney.models.workspace import refresh_if_due

    st = app.state
    with st.store.lock:
        return refresh_if_due(st.store, st.settings, now=st.clock())


async def _schedule(app: FastAPI, interval: float) -> None:
    while True:
        try:
            out = await asyncio.to_thread(_run_due, app)
            if out:
                log.info("clv refresh: %s", {k: out.get(k) for k in ("model", "customers", "skipped")})
        except Exception:  # a failed scheduled run must not stop the server; it is logged and retried
            log.exception("scheduled clv refresh failed")
        await asyncio.sleep(interval)


def install(app: FastAPI) -> None:
    """Include the router and, when ``clv_refresh_hours`` > 0, start the refresh schedule with the server."""
    app.include_router(router)
    hours = float(getattr(app.state.settings, "clv_refresh_hours", 0) or 0)
    if hours <= 0:
        return
    interval = min(CHECK_SECONDS, hours * 3600)
    tasks: list[asyncio.Task[None]] = []

    def start(app_: FastAPI) -> None:
        tasks.append(asyncio.get_running_loop().create_task(_schedule(app_, interval)))

    def stop(app_: FastAPI) -> None:
        for t in tasks:
            t.cancel()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
