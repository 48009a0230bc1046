"""`cxjourney serve --port P` records where it answers, so CLI commands on the workspace reach it there."""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path

import httpx

from .conftest import cli_env, free_port, run_cli


def test_cli_finds_a_server_started_with_a_port_override(workspace: Path) -> None:
    port = free_port()  # not in cxjourney.toml: only the command line knows it
    proc = subprocess.Popen([sys.executable, "-m", "cxjourney.cli.main", "serve", "-w", str(workspace), "--port", str(port)],
                            env=cli_env(), stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.time() + 60
        while True:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            assert proc.poll() is None and time.time() < deadline, "server did not start"
            time.sleep(0.1)
        out = run_cli("summary", "--json", "-w", str(workspace))
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout)["rows"][0]["events"] == 0
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not (workspace / ".cxjourney" / "server.json").exists(), "a stopped server leaves no address behind"
    out = run_cli("summary", "--json", "-w", str(workspace))  # the file is free again: read locally
    assert out.returncode == 0, out.stderr
