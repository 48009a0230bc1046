"""Shared fixtures: the shared data folder, a workspace, and a real server on 127.0.0.1."""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

REPO = Path(__file__).resolve().parents[1]


def _shared_data_dir() -> Path:
    env = os.environ.get("CXJ_SHARED_DATA")
    if env:
        return Path(env)
    # The repo's clone sits beside shared/ (../shared/data), also from a git worktree.
    for base in (REPO, *REPO.parents):
        cand = base.parent / "shared" / "data"
        if cand.is_dir():
            return cand
    return REPO.parent / "shared" / "data"


@pytest.fixture(scope="session")
def shared_data() -> Path:
    """../shared/data: skipped with a reason when absent, a failure in CI (CXJ_REQUIRE_SHARED_DATA=1)."""
    d = _shared_data_dir()
    if not d.is_dir():
        msg = f"shared data folder not found at {d} (it sits beside the clone as ../shared/data)"
        if os.environ.get("CXJ_REQUIRE_SHARED_DATA") == "1":
            pytest.fail(msg + "; CXJ_REQUIRE_SHARED_DATA=1 requires it")
        pytest.skip(msg)
    return d


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A fresh workspace with the example journey and surveys."""
    from cxjourney.workspace import init_workspace

    init_workspace(tmp_path / "ws")
    return tmp_path / "ws"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class LiveServer:
    url: str
    settings: Any
    app: Any
    write_key: str
    admin_token: str
    server: Any

    def client(self, token: str | None = None) -> httpx.Client:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        return httpx.Client(base_url=self.url, headers=headers, timeout=60)


def start_server(ws: Path, **overrides: Any) -> tuple[Any, threading.Thread, LiveServer]:
    import uvicorn

    from cxjourney.api.app import create_app
    from cxjourney.config import load_settings
    from cxjourney.security.keys import create_key
    from cxjourney.storage import connect

    port = free_port()
    settings = load_settings(ws, port=port, **overrides)
    with connect(settings) as st:
        wk = create_key(st, "write", name="test")
        tok = create_key(st, "token", role="admin", name="test")
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not th.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    return server, th, LiveServer(f"http://127.0.0.1:{port}", settings, app, wk, tok, server)


@pytest.fixture
def live_server(workspace: Path) -> Iterator[LiveServer]:
    """The real app under uvicorn on 127.0.0.1 (a free port), owning a fresh workspace."""
    server, th, live = start_server(workspace)
    try:
        yield live
    finally:
        server.should_exit = True
        th.join(timeout=30)
