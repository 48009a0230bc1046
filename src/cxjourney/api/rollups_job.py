"""The server keeps the analytics rollups up to date (``analytics/rollups.py``): a periodic job, and
``POST /api/v1/admin/rollups/refresh`` / ``GET /api/v1/admin/rollups`` for the CLI and operators.

A refresh works without holding the store's query lock and takes it only to commit, so queries never wait
for the work and never read rollups half-way through an update. While the job keeps them, queries read
rollups refreshed at most ``rollup_max_lag_seconds`` ago (their meta ``rollups`` says as of which event and
how many arrived since); a first build or a rebuild after a journey's matchers changed is not usable until
it commits, and queries compute from the events meanwhile.

Under sustained ingestion (the writer committed within the last ``BUSY_SECONDS``) the job defers its refresh
until the rollups are half of ``rollup_max_lag_seconds`` old, or, when the last refresh took long, until they
are ``COST_FACTOR`` times its duration old: a refresh recomputes every person with a new event (when every
person is active, nearly the whole store), so fewer refreshes of more events each cost the ingestion much less
CPU, and never more than about 1 / (1 + COST_FACTOR) of a core. Collecting events comes first: when refreshes
take so long that this wait passes ``rollup_max_lag_seconds``, queries compute from the events meanwhile (exact,
slower) until the next refresh commits.
"""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from typing import Any

from fastapi import APIRouter, Depends, FastAPI, Request

from cxjourney.analytics import rollups
from cxjourney.api.deps import admin
from cxjourney.api.errors import responses
from cxjourney.api.periodic import install_periodic
from cxjourney.security.keys import Principal

log = logging.getLogger("cxjourney.rollups")
BUSY_SECONDS = 1.0
COST_FACTOR = 4.0
router = APIRouter(prefix="/api/v1/admin", tags=["admin"])


def refresh_job(app: Any) -> dict[str, Any]:
    """The periodic refresh (see the module's docstring on deferring it while events pour in)."""
    st = app.state
    current = rollups.state(st.store)
    last_commit = getattr(getattr(st, "writer", None), "last_commit", None)
    if current is not None and last_commit is not None and time.monotonic() - last_commit < BUSY_SECONDS:
        age = (datetime.now(UTC).replace(tzinfo=None) - current["refreshed_at"]).total_seconds()
        lag = float(st.settings.rollup_max_lag_seconds)
        wait = max(lag / 2, COST_FACTOR * float(current["seconds"] or 0.0))
        if age < wait:
            return rollups.RefreshReport("deferred", 0, 0.0, int(current["watermark"])).as_json()
    return refresh_now(app)


def refresh_now(app: Any, *, full: bool = False) -> dict[str, Any]:
    st = app.state
    if not st.store.read_only:
        st.store.rollups_maintained = True  # queries stop refreshing inline (see rollups.ensure_fresh)
    # Commits holding the query lock; a read-only store is reported as skipped.
    return rollups.refresh(st.store, st.settings, st.workspace.journeys(), full=full).as_json()


def status(app: Any) -> dict[str, Any]:
    st = app.state
    return rollups.describe(st.store, st.settings, st.workspace.journeys())


@router.get("/rollups", responses=responses(401, 403), summary="Are the analytics rollups up to date?")
def get_status(request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    return status(request.app)


@router.post("/rollups/refresh", responses=responses(401, 403), summary="Bring the analytics rollups up to date now")
def post_refresh(request: Request, full: bool = False, who: Principal = Depends(admin)) -> dict[str, Any]:
    return refresh_now(request.app, full=full)


def install(app: FastAPI) -> None:
    app.include_router(router)
    seconds = float(getattr(app.state.settings, "rollup_refresh_seconds", 0) or 0)
    if seconds > 0:
        install_periodic(app, refresh_job, interval_s=seconds, log=log,
                         describe=lambda out: f"rollups: {out}" if out and out.get("mode") == "full" else None)
