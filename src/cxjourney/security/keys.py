"""Write keys (collect only), read tokens with a role, and dashboard users.

Keys are random (192 bits) and stored only as SHA-256 hashes; passwords are stored as scrypt hashes.
Roles: ``admin`` (everything), ``analyst`` (all read endpoints, no settings), ``agent`` (customer lookup,
masked comments). A write key can only send events; it can never read.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxjourney.errors import Forbidden, Unauthorized, ValidationFailed

ROLES = ("admin", "analyst", "agent")
WRITE_PREFIX = "wk_"
TOKEN_PREFIX = "tk_"


@dataclass(frozen=True)
class Principal:
    kind: str  # 'write' | 'token' | 'user'
    role: str | None
    name: str


def _hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def create_key(store: Any, kind: str, *, role: str | None = None, name: str = "") -> str:
    """Create a write key (kind='write') or a read token (kind='token', role required). Returns the secret."""
    if kind not in ("write", "token"):
        raise ValidationFailed(f"unknown key kind {kind!r}", errors=[{"field": "kind", "value": kind, "message": "use 'write' or 'token'"}])
    if kind == "token" and role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}", errors=[{"field": "role", "value": role, "message": f"use one of {', '.join(ROLES)}"}])
    secret = (WRITE_PREFIX if kind == "write" else TOKEN_PREFIX) + secrets.token_urlsafe(24)
    key_id = secret[:10]
    with store.lock:
        store.con.execute(
            "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, ?, NULL)",
            [key_id + secrets.token_hex(3), kind, role if kind == "token" else None, _hash(secret), name, _now()],
        )
    return secret


def list_keys(store: Any) -> list[dict[str, Any]]:
    with store.lock:
        rows = store.con.execute(
            "SELECT key_id, kind, role, name, created_at, revoked_at FROM api_keys ORDER BY created_at"
        ).fetchall()
    return [
        {"key_id": r[0], "kind": r[1], "role": r[2], "name": r[3], "created_at": r[4].isoformat(), "revoked": r[5] is not None}
        for r in rows
    ]


def revoke_key(store: Any, key_id: str) -> None:
    with store.lock:
        n = store.con.execute("UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL RETURNING key_id", [_now(), key_id]).fetchall()
    if not n:
        raise ValidationFailed(f"no active key {key_id!r}", errors=[{"field": "key_id", "value": key_id, "message": "unknown or already revoked"}])


class KeyCache:
    """Looks keys up by hash; caches answers briefly so the ingest hot path does not query per request."""

    def __init__(self, store: Any, ttl_s: float = 5.0):
        self.store = store
        self.ttl_s = ttl_s
        self._cache: dict[str, tuple[float, Principal | None]] = {}

    def lookup(self, secret: str) -> Principal | None:
        import time

        h = _hash(secret)
        hit = self._cache.get(h)
        now = time.monotonic()
        if hit and now - hit[0] < self.ttl_s:
            return hit[1]
        with self.store.lock:
            rows = self.store.con.execute(
                "SELECT kind, role, key_id FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", [h]
            ).fetchall()  # fetchone() would leave the result unfinished and block the shared connection
        row = rows[0] if rows else None
        p = Principal(row[0], row[1], row[2]) if row else None
        self._cache[h] = (now, p)
        return p

    def write_key(self, secret: str | None) -> Principal:
        if not secret:
            raise Unauthorized("missing write key (HTTP Basic username or 'writeKey' in the body)", errors=[{"field": "writeKey", "message": "missing"}])
        p = self.lookup(secret)
        if p is None or p.kind != "write":
            raise Unauthorized("unknown write key", errors=[{"field": "writeKey", "message": "unknown or revoked write key"}])
        return p

    def token(self, secret: str | None, allowed_roles: tuple[str, ...] = ROLES) -> Principal:
        if not secret:
            raise Unauthorized("missing token (Authorization: Bearer <token>)", errors=[{"field": "Authorization", "message": "missing"}])
        p = self.lookup(secret)
        if p is None:
            raise Unauthorized("unknown token", errors=[{"field": "Authorization", "message": "unknown or revoked token"}])
        if p.kind != "token":
            raise Forbidden("a write key cannot read; use a token", errors=[{"field": "Authorization", "message": "write keys can only send events"}])
        if p.role not in allowed_roles:
            raise Forbidden(f"role {p.role!r} may not do this", errors=[{"field": "role", "value": p.role, "message": f"needs one of {', '.join(allowed_roles)}"}])
        return p


def ensure_cli_token(store: Any, root: Path) -> str:
    """The workspace's own admin token, kept in .cxjourney/cli-token (mode 600) for the CLI."""
    path = root / ".cxjourney" / "cli-token"
    if path.exists():
        secret = path.read_text().strip()
        with store.lock:
            ok = store.con.execute("SELECT 1 FROM api_keys WHERE key_hash = ? AND revoked_at IS NULL", [_hash(secret)]).fetchone()
        if ok:
            return secret
    secret = create_key(store, "token", role="admin", name="cli")
    path.parent.mkdir(exist_ok=True)
    path.write_text(secret + "\n")
    os.chmod(path, 0o600)
    return secret


def hash_password(password: str) -> str:
    salt = secrets.token_bytes(16)
    dk = hashlib.scrypt(password.encode(), salt=salt, n=2**14, r=8, p=1)
    return f"scrypt${salt.hex()}${dk.hex()}"


def check_password(password: str, stored: str) -> bool:
    try:
        _, salt_hex, dk_hex = stored.split("$")
    except ValueError:
        return False
    dk = hashlib.scrypt(password.encode(), salt=bytes.fromhex(salt_hex), n=2**14, r=8, p=1)
    return hmac.compare_digest(dk.hex(), dk_hex)


def add_user(store: Any, username: str, role: str, password: str, language: str | None = None) -> None:
    if role not in ROLES:
        raise ValidationFailed(f"unknown role {role!r}", errors=[{"field": "role", "value": role, "message": f"use one of {', '.join(ROLES)}"}])
    if not username or not username.replace("_", "").replace("-", "").replace(".", "").replace("@", "").isalnum():
        raise ValidationFailed(f"invalid user name {username!r}", errors=[{"field": "username", "value": username, "message": "letters, digits, . _ - @ only"}])
    if len(password) < 8:
        raise ValidationFailed("password too short", errors=[{"field": "password", "message": "at least 8 characters"}])
    with store.lock:
        store.con.execute(
            "INSERT OR REPLACE INTO users VALUES (?, ?, ?, ?, ?)", [username, role, hash_password(password), language, _now()]
        )


def authenticate_user(store: Any, username: str, password: str) -> Principal | None:
    with store.lock:
        row = store.con.execute("SELECT role, password_hash FROM users WHERE username = ?", [username]).fetchone()
    if row and check_password(password, row[1]):
        return Principal("user", row[0], username)
    return None
