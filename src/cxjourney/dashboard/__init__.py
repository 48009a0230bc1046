"""The dashboard: journey map, honest KPIs, customer 360, live events; Polish and English.

``install(app)`` adds the session middleware and the routes (called with one line from ``create_app``)."""

from __future__ import annotations

from typing import Any


def install(app: Any) -> None:
    from fastapi.responses import RedirectResponse

    from cxjourney.dashboard import live, routes
    from cxjourney.dashboard.auth import SessionMiddleware, UserCache
    from cxjourney.dashboard.data import ResultCache

    app.state.dashboard_users = UserCache()
    app.state.dashboard_cache = ResultCache()
    app.add_middleware(SessionMiddleware)
    app.include_router(live.router)
    app.include_router(routes.router)

    @app.get("/", include_in_schema=False)
    def _root() -> RedirectResponse:
        return RedirectResponse("/dashboard/", status_code=307)
