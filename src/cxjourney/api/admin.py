"""Admin endpoints: keys and users (the CLI uses them while the server holds the workspace)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel

from cxjourney.api.deps import admin
from cxjourney.api.errors import responses
from cxjourney.security.keys import Principal, add_user, create_key, list_keys, revoke_key

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
ERRS = responses(400, 401, 403)


class KeyRequest(BaseModel):
    kind: str
    role: str | None = None
    name: str = ""


class UserRequest(BaseModel):
    username: str
    role: str
    password: str
    language: str | None = None


@router.post("/keys", responses=ERRS, summary="Create a write key or a read token")
def create(body: KeyRequest, request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    return {"ok": True, "secret": create_key(request.app.state.store, body.kind, role=body.role, name=body.name)}


@router.get("/keys", responses=ERRS, summary="List keys and tokens")
def keys(request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    return {"ok": True, "keys": list_keys(request.app.state.store)}


@router.post("/keys/{key_id}/revoke", responses=responses(400, 401, 403), summary="Revoke a key")
def revoke(key_id: str, request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    revoke_key(request.app.state.store, key_id)
    request.app.state.keys._cache.clear()
    return {"ok": True}


@router.post("/users", responses=ERRS, summary="Add or reset a dashboard user")
def users(body: UserRequest, request: Request, who: Principal = Depends(admin)) -> dict[str, Any]:
    add_user(request.app.state.store, body.username, body.role, body.password, body.language)
    return {"ok": True}


@router.delete("/persons/{person}", responses=responses(400, 401, 403, 404),
               summary="GDPR erasure: delete everything about a person (user id, anonymous id or e-mail)")
def erase(person: str, request: Request, dry_run: bool = False, who: Principal = Depends(admin)) -> dict[str, Any]:
    from cxjourney.ingest.erase import erase_person

    st = request.app.state
    return {"ok": True, **erase_person(st.store, person, writer=getattr(st, "writer", None), dry_run=dry_run)}
