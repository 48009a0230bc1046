"""Request dependencies: who is calling (write key, token, or dashboard session) and the query context."""

from __future__ import annotations

import base64
from datetime import UTC, datetime

from fastapi import Request

from cxjourney.errors import Unauthorized
from cxjourney.query import QueryContext
from cxjourney.security.keys import ROLES, Principal


def basic_username(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("basic "):
        try:
            raw = base64.b64decode(auth[6:].strip()).decode()
        except (ValueError, UnicodeDecodeError):
            raise Unauthorized("malformed Basic authorization header", errors=[{"field": "Authorization", "message": "not base64 user:password"}]) from None
        return raw.split(":", 1)[0] or None
    return None


def bearer(request: Request) -> str | None:
    auth = request.headers.get("authorization", "")
    if auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return request.query_params.get("token") or None


def principal(request: Request, roles: tuple[str, ...] = ROLES) -> Principal:
    """A reader: a token with a role, or a logged-in dashboard user (set by the dashboard's middleware)."""
    user = getattr(request.state, "user", None)
    if user is not None and bearer(request) is None:
        if user.role not in roles:
            from cxjourney.errors import Forbidden

            raise Forbidden(f"role {user.role!r} may not do this", errors=[{"field": "role", "value": user.role, "message": f"needs one of {', '.join(roles)}"}])
        return user
    return request.app.state.keys.token(bearer(request), roles)


def reader(request: Request) -> Principal:
    return principal(request)


def analyst(request: Request) -> Principal:
    return principal(request, ("admin", "analyst"))


def admin(request: Request) -> Principal:
    return principal(request, ("admin",))


def query_context(request: Request, who: Principal, now: datetime | None = None) -> QueryContext:
    st = request.app.state
    return QueryContext(
        store=st.store,
        settings=st.settings,
        now=now or st.clock(),
        workspace=st.workspace,
        role=who.role or "agent",
    )


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


