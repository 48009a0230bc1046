"""How the CLI reaches the data: locally (opening the DuckDB file read-only) or, when the server holds
the file, through the server's API with the workspace's own admin token. Same queries either way."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import httpx

from cxjourney.config import Settings, load_settings
from cxjourney.errors import CXJError, WorkspaceLocked
from cxjourney.query import QueryContext, Result, run_query
from cxjourney.storage import Store, connect
from cxjourney.workspace import Workspace

T = TypeVar("T")


class LocalClient:
    def __init__(self, settings: Settings, store: Store):
        self.settings = settings
        self.store = store
        self.mode = "local"

    def run(self, name: str, params: dict[str, Any] | None = None, *, now: datetime | None = None) -> Result:
        ctx = QueryContext(self.store, self.settings, now or datetime.now(UTC).replace(tzinfo=None), Workspace(self.settings))
        return run_query(ctx, name, params or {})

    def close(self) -> None:
        self.store.close()


class RemoteClient:
    def __init__(self, settings: Settings, token: str, base_url: str | None = None):
        self.settings = settings
        self.mode = "server"
        self.base_url = base_url or settings.base_url
        self.http = httpx.Client(base_url=self.base_url, headers={"Authorization": f"Bearer {token}"}, timeout=600)

    def request(self, method: str, path: str, **kw: Any) -> dict[str, Any]:
        try:
            r = self.http.request(method, path, **kw)
        except httpx.HTTPError as exc:
            raise WorkspaceLocked(
                f"the workspace is locked by another process and no server answers at {self.base_url}: {exc}"
            ) from exc
        body = r.json()
        if r.status_code >= 400:
            raise CXJError(body.get("error", r.text), errors=body.get("errors", []), status=r.status_code)
        return body

    def run(self, name: str, params: dict[str, Any] | None = None, *, now: datetime | None = None) -> Result:
        payload: dict[str, Any] = {"query": name, "params": params or {}}
        if now is not None:
            payload["now"] = now.isoformat()
        body = self.request("POST", "/api/v1/query", json=payload)
        return Result.model_validate(body)

    def close(self) -> None:
        self.http.close()


def open_client(workspace: str | Path = ".", *, write: bool = False) -> LocalClient | RemoteClient:
    """Local when the file is free; the running server otherwise."""
    settings = load_settings(workspace)
    if not settings.database_path.exists():
        raise CXJError(f"no workspace at {settings.workspace} (no {settings.database}): run 'cxjourney init {workspace}'", status=404)
    try:
        return LocalClient(settings, connect(settings, read_only=not write))
    except WorkspaceLocked:
        token = Workspace(settings).cli_token()
        if not token:
            raise
        ws = Workspace(settings)
        return RemoteClient(settings, token, ws.server_url())


def write_op(workspace: str | Path, local: Callable[[LocalClient], T], remote: Callable[[RemoteClient], T]) -> T:
    """Run a write locally (the DuckDB file opened read-write) or, when the server holds the file, through the
    server's API: ``local(client)`` or ``remote(client)``, whichever applies. The client is closed after."""
    c = open_client(workspace, write=True)
    try:
        return local(c) if isinstance(c, LocalClient) else remote(c)
    finally:
        c.close()


def read_query(workspace: str | Path, name: str, params: dict[str, Any] | None = None) -> Result:
    """Run one registered query on the workspace (locally or through the server) and close the client."""
    c = open_client(workspace)
    try:
        return c.run(name, params or {})
    finally:
        c.close()
