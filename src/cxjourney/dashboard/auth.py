"""Dashboard sign-in: a signed session cookie (HMAC-SHA256 with ``settings.secret_key``) and an ASGI
middleware that turns it into ``request.state.user`` (a :class:`Principal`) for dashboard pages and for
``/api/v1`` calls without a Bearer token. The user's role is re-read from the users table (cached a few
seconds), so a removed user loses access at once."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import time
from typing import Any

import anyio

from cxjourney.security.keys import Principal

COOKIE = "cxj_session"
LANG_COOKIE = "cxj_lang"
MAX_AGE_S = 12 * 3600
PROTECTED_PREFIXES = ("/dashboard", "/api/v1")


def _sig(secret: str, payload: bytes) -> str:
    return hmac.new(secret.encode(), payload, hashlib.sha256).hexdigest()


def sign_session(secret: str, username: str, *, now: float | None = None) -> str:
    exp = int((now or time.time()) + MAX_AGE_S)
    payload = base64.urlsafe_b64encode(json.dumps({"u": username, "exp": exp}, separators=(",", ":")).encode()).rstrip(b"=")
    return payload.decode() + "." + _sig(secret, payload)


def read_session(secret: str, value: str | None, *, now: float | None = None) -> str | None:
    """The username in a valid, unexpired cookie; None otherwise."""
    if not value or "." not in value:
        return None
    payload, sig = value.strip('"').rsplit(".", 1)
    if not hmac.compare_digest(_sig(secret, payload.encode()), sig):
        return None
    try:
        data = json.loads(base64.urlsafe_b64decode(payload.encode() + b"=" * (-len(payload) % 4)))
    except ValueError:
        return None
    if not isinstance(data, dict) or int(data.get("exp", 0)) < (now or time.time()):
        return None
    u = data.get("u")
    return u if isinstance(u, str) else None


def csrf_token(secret: str, session_value: str) -> str:
    return _sig(secret, b"csrf:" + session_value.encode())[:32]


def _cookies(scope: dict[str, Any]) -> dict[str, str]:
    out: dict[str, str] = {}
    for k, v in scope.get("headers", []):
        if k == b"cookie":
            for part in v.decode("latin-1").split(";"):
                if "=" in part:
                    name, val = part.strip().split("=", 1)
                    out[name] = val
    return out


def _has_bearer(scope: dict[str, Any]) -> bool:
    for k, v in scope.get("headers", []):
        if k == b"authorization" and v[:7].lower() == b"bearer ":
            return True
    return False


class UserCache:
    """username -> (role, language), re-read from the users table at most every ``ttl_s`` seconds."""

    def __init__(self, ttl_s: float = 3.0):
        self.ttl_s = ttl_s
        self._c: dict[str, tuple[float, tuple[str, str | None] | None]] = {}

    def get(self, store: Any, username: str) -> tuple[str, str | None] | None:
        now = time.monotonic()
        hit = self._c.get(username)
        if hit and now - hit[0] < self.ttl_s:
            return hit[1]
        with store.lock:
            users = store.table("users")
            df = users.filter(users.username == username).select("role", "language").execute()
        val = (str(df.iloc[0, 0]), (df.iloc[0, 1] or None)) if len(df) else None
        self._c[username] = (now, val)
        return val

    def clear(self) -> None:
        self._c.clear()


class SessionMiddleware:
    """Pure ASGI (streams such as server-sent events pass through untouched)."""

    def __init__(self, app: Any):
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] == "http" and scope["path"].startswith(PROTECTED_PREFIXES) and not _has_bearer(scope):
            fastapi_app = scope.get("app")
            state = getattr(fastapi_app, "state", None) if fastapi_app is not None else None
            cookies = _cookies(scope)
            raw = cookies.get(COOKIE)
            if state is not None and raw and hasattr(state, "store"):
                username = read_session(state.settings.secret_key, raw)
                found = None
                if username:  # the lookup may wait for the store's lock: keep it off the event loop
                    found = await anyio.to_thread.run_sync(state.dashboard_users.get, state.store, username)
                if found is not None and username is not None:
                    scope = dict(scope)
                    scope["state"] = {**scope.get("state", {}), "user": Principal("user", found[0], username),
                                      "user_language": found[1], "session_raw": raw}
        await self.app(scope, receive, send)
