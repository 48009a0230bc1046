"""Backbone fixtures: HTTP helpers for the collection API, and a server started as a real subprocess."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest


REPO = Path(__file__).resolve().parents[2]
ERROR_KEYS = {"ok", "error", "errors", "status"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CXJ_")}
    env["PYTHONPATH"] = str(REPO / "src")
    return env


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    """``cxjourney ARGS`` as a subprocess, exactly as a user runs it."""
    return subprocess.run([sys.executable, "-m", "cxjourney.cli.main", *args], capture_output=True, text=True,
                          env=cli_env(), timeout=timeout, cwd=str(REPO))


def assert_error_shape(body: object, status: int) -> None:
    """The one error shape: {"ok": false, "error": str, "errors": list, "status": int} (plus an optional code)."""
    assert isinstance(body, dict), body
    assert ERROR_KEYS <= set(body), body
    assert set(body) - ERROR_KEYS <= {"code", "accepted", "duplicates"}, body
    assert body["ok"] is False
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list)
    assert all(isinstance(e, dict) for e in body["errors"])
    assert body["status"] == status


@dataclass
class ServerProcess:
    workspace: Path
    port: int
    proc: subprocess.Popen[bytes]
    write_key: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)


def start_server_process(ws: Path) -> ServerProcess:
    """``cxjourney serve -w WS --port P`` as a subprocess; returns once /healthz answers."""
    from cxjourney.config import load_settings
    from cxjourney.security.keys import create_key
    from cxjourney.storage import connect

    with connect(load_settings(ws)) as st:
        wk = create_key(st, "write", name="subprocess-test")
    port = free_port()
    # The port is set in cxjourney.toml too, so CLI commands find the server through the workspace alone.
    cfg = ws / "cxjourney.toml"
    text = "\n".join(line for line in cfg.read_text().splitlines() if not line.startswith("port"))
    cfg.write_text(text + f"\nport = {port}\n")
    proc = subprocess.Popen([sys.executable, "-m", "cxjourney.cli.main", "serve", "-w", str(ws), "--port", str(port)],
                            env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    sp = ServerProcess(ws, port, proc, wk)
    deadline = time.time() + 60
    while True:
        try:
            if httpx.get(sp.url + "/healthz", timeout=2).status_code == 200:
                return sp
        except httpx.HTTPError:
            pass
        if proc.poll() is not None or time.time() > deadline:
            err = proc.stderr.read().decode() if proc.stderr else ""
            sp.stop()
            raise RuntimeError(f"server subprocess did not start: {err}")
        time.sleep(0.1)


@pytest.fixture
def server_process(workspace: Path) -> Iterator[ServerProcess]:
    sp = start_server_process(workspace)
    try:
        yield sp
    finally:
        sp.stop()
