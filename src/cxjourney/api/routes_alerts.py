"""Alert routes: run the check, list alerts, follow a case up; and the periodic check in the server.

``POST /api/v1/alerts/check`` (admin, analyst) detects and stores new alerts, optionally delivering them;
``GET /api/v1/alerts`` lists them (the registered query ``alerts``); ``PATCH /api/v1/alerts/{id}`` moves a case
through open -> contacted -> resolved/dismissed. Listing and follow-up are open to every role: contacting
detractors is the customer-service agents' job. With ``alert_interval_minutes`` > 0 the server runs the check
(with delivery) that often.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import datetime
from typing import Any, Literal

from fastapi import APIRouter, Depends, FastAPI, Query, Request
from pydantic import BaseModel, Field

from cxjourney.api.deps import analyst, query_context, reader
from cxjourney.api.errors import responses
from cxjourney.query import Result, run_query
from cxjourney.security.keys import Principal

router = APIRouter(prefix="/api/v1/alerts", tags=["alerts"])
ERRS = responses(400, 401, 403, 404, 422)
log = logging.getLogger("cxjourney.alerts")


class CheckRequest(BaseModel):
    deliver: bool = Field(default=False, description="Also send open, undelivered alerts to the webhooks and e-mail.")
    as_of: datetime | None = Field(default=None, description="Check as of this time (UTC) instead of now.")


class AlertUpdate(BaseModel):
    status: Literal["open", "contacted", "resolved", "dismissed"] | None = None
    assignee: str | None = Field(default=None, max_length=200, description="Who follows the case up ('' clears it).")
    note: str | None = Field(default=None, max_length=10_000, description="Follow-up note ('' clears it).")


@router.post("/check", responses=ERRS, summary="Detect and store new alerts (score drops, detractors with a negative comment)")
def check(body: CheckRequest, request: Request, who: Principal = Depends(analyst)) -> dict[str, Any]:
    from cxjourney.alerts import run_check

    st = request.app.state
    return {"ok": True, **run_check(st.store, st.settings, now=body.as_of or st.clock(), workspace=st.workspace,
                                    deliver=body.deliver)}


@router.get("", response_model=Result, responses=ERRS, summary="Stored alerts, newest first")
def list_alerts(request: Request, who: Principal = Depends(reader),
                status: Literal["open", "contacted", "resolved", "dismissed"] | None = Query(None),
                kind: Literal["score_drop", "detractor"] | None = Query(None),
                since: datetime | None = Query(None), limit: int = Query(100, ge=1, le=10_000)) -> Result:
    params = {"status": status, "kind": kind, "since": since, "limit": limit}
    return run_query(query_context(request, who), "alerts", {k: v for k, v in params.items() if v is not None})


@router.patch("/{alert_id}", responses=ERRS, summary="Follow a case up: status, assignee, note")
def update(alert_id: int, body: AlertUpdate, request: Request, who: Principal = Depends(reader)) -> dict[str, Any]:
    from cxjourney.alerts import update_alert
    from cxjourney.alerts.queries import _clean

    st = request.app.state
    row = update_alert(st.store, alert_id, now=st.clock(), status=body.status, assignee=body.assignee, note=body.note)
    return {"ok": True, "alert": {k: (v if k == "details" else _clean(v)) for k, v in row.items()}}


def _run(app: FastAPI) -> dict[str, Any]:
    from cxjourney.alerts import run_check

    st = app.state
    return run_check(st.store, st.settings, now=st.clock(), workspace=st.workspace, deliver=True)


async def _schedule(app: FastAPI, interval: float) -> None:
    while True:
        try:
            out = await asyncio.to_thread(_run, app)
            log.info("alert check: created %s, delivery %s", out["created"], out.get("delivery"))
        except Exception:  # a failed scheduled check must not stop the server; it is logged and retried
            log.exception("scheduled alert check failed")
        await asyncio.sleep(interval)


def install(app: FastAPI) -> None:
    """Include the router and, when ``alert_interval_minutes`` > 0, run the check that often (first at startup)."""
    app.include_router(router)
    minutes = float(getattr(app.state.settings, "alert_interval_minutes", 0) or 0)
    if minutes <= 0:
        return
    tasks: list[asyncio.Task[None]] = []

    def start(app_: FastAPI) -> None:
        tasks.append(asyncio.get_running_loop().create_task(_schedule(app_, minutes * 60)))

    def stop(app_: FastAPI) -> None:
        for t in tasks:
            t.cancel()

    app.state.startup_hooks.append(start)
    app.state.shutdown_hooks.append(stop)
