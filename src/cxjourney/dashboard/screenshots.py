"""Screenshots of every dashboard page, for a person to look at (``make screenshots``).

``python -m cxjourney.dashboard.screenshots screenshots --workspace DIR [--out DIR] [--lang en --lang pl]``
starts the server for the workspace in this process (the workspace must not be served by another process),
signs in as the workspace's first admin user (no password needed: the session is signed with the
workspace's own secret), opens each page in Debian's Chromium via Playwright, waits until every chart is
drawn and the live stream is connected, and writes ``<out>/<lang>-<page>.png``. A page that logs a console
error or answers with an error status is reported and makes the command exit 1."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import typer

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PAGES = ["overview", "journey", "funnels", "paths", "retention", "surveys", "value", "customers", "settings"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Dashboard screenshots.")


@dataclass
class Running:
    url: str
    app: Any
    server: Any
    thread: threading.Thread


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve_in_thread(settings: Any, timeout_s: float = 60.0) -> Iterator[Running]:
    """The real server (uvicorn) for ``settings`` on a free 127.0.0.1 port, in a background thread."""
    import uvicorn

    from cxjourney.api.app import create_app

    port = free_port()
    settings = settings.model_copy(update={"host": "127.0.0.1", "port": port})
    fastapi_app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(fastapi_app, host="127.0.0.1", port=port, log_level="warning",
                                           access_log=False, lifespan="on"))
    th = threading.Thread(target=server.run, daemon=True, name="cxj-dashboard-server")
    th.start()
    deadline = time.monotonic() + timeout_s
    while not server.started:
        if time.monotonic() > deadline or not th.is_alive():
            server.should_exit = True
            raise RuntimeError("the dashboard server did not start")
        time.sleep(0.02)
    try:
        yield Running(f"http://127.0.0.1:{port}", fastapi_app, server, th)
    finally:
        server.should_exit = True
        th.join(timeout=30)


def launch_chromium(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def wait_until_drawn(page: Any, timeout_ms: float = 60_000) -> None:
    """Every Plotly figure drawn and, on signed-in pages, the live stream connected."""
    page.wait_for_selector("body[data-charts-ready='1']", state="attached", timeout=timeout_ms)
    if page.get_attribute("body", "data-live") == "1":
        page.wait_for_selector("#live-status.on", state="attached", timeout=timeout_ms)


def _pick(settings: Any) -> tuple[str, str | None]:
    """(first admin username, a person with orders for the customer 360 page)."""
    from cxjourney.errors import ValidationFailed
    from cxjourney.storage import connect

    with connect(settings, read_only=True) as st:
        users = st.con.execute("SELECT username FROM users WHERE role = 'admin' ORDER BY username").fetchall()
        person = st.con.execute("SELECT person_id FROM orders GROUP BY person_id ORDER BY count(*) DESC, person_id LIMIT 1").fetchall()
    if not users:
        raise ValidationFailed("the workspace has no admin user to take screenshots as",
                               errors=[{"field": "users", "value": None, "message": "add one: cxjourney users add NAME --role admin"}])
    return str(users[0][0]), (str(person[0][0]) if person else None)


def take(workspace: Path, out: Path, languages: list[str], width: int = 1400, browser: Any = None) -> list[str]:
    """Write one PNG per page and language; returns the problems found (console errors, error statuses).
    ``browser``: a Playwright Chromium already running (else one is launched here)."""
    if browser is None:
        from playwright.sync_api import sync_playwright

        with sync_playwright() as pw:
            own = launch_chromium(pw)
            try:
                return take(workspace, out, languages, width, own)
            finally:
                own.close()
    from cxjourney.config import load_settings
    from cxjourney.dashboard.auth import COOKIE, sign_session

    settings = load_settings(workspace)
    username, person = _pick(settings)
    out.mkdir(parents=True, exist_ok=True)
    problems: list[str] = []
    targets = [(p, f"/dashboard/{p}") for p in PAGES]
    if person:
        from urllib.parse import quote

        targets.insert(8, ("customer-360", f"/dashboard/customers/{quote(person, safe='')}"))
    with serve_in_thread(settings) as srv:
        for lang in languages:
            ctx = browser.new_context(viewport={"width": width, "height": 900}, locale=lang)
            ctx.add_cookies([{"name": COOKIE, "value": sign_session(settings.secret_key, username), "url": srv.url}])
            page = ctx.new_page()
            errors: list[str] = []
            page.on("console", lambda m, errors=errors: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            for name, path in targets:
                errors.clear()
                resp = page.goto(f"{srv.url}{path}?lang={lang}", wait_until="domcontentloaded", timeout=120_000)
                if page.query_selector("body[data-page]") is not None:  # a dashboard page, not a bare error
                    wait_until_drawn(page)
                file = out / f"{lang}-{name}.png"
                page.screenshot(path=str(file), full_page=True)
                status = resp.status if resp else 0
                if status >= 400 or errors:
                    problems.append(f"{lang}/{name}: status {status}; console: {'; '.join(errors)[:300]}")
                typer.echo(f"{file}  ({status})")
            ctx.close()
    return problems


@app.command("screenshots")
def screenshots(workspace: Path = typer.Option(Path("."), "--workspace", "-w", help="Workspace directory."),
                out: Path = typer.Option(Path("screenshots"), "--out", help="Directory for the PNG files."),
                lang: list[str] = typer.Option(["en", "pl"], "--lang", help="Languages (repeatable)."),
                width: int = typer.Option(1400, help="Viewport width in pixels.")) -> None:
    """A full-page PNG of every dashboard page (and a customer 360) in each language."""
    from cxjourney.errors import CXJError

    try:
        problems = take(workspace, out, lang, width)
    except CXJError as exc:
        typer.echo(f"error: {exc.message}", err=True)
        for e in exc.errors:
            typer.echo(f"  {e.get('field')}: {e.get('message')}", err=True)
        raise typer.Exit(2) from None
    for p in problems:
        typer.echo(f"problem: {p}", err=True)
    raise typer.Exit(1 if problems else 0)


@app.callback()
def _main() -> None:
    """Dashboard screenshots (``screenshots`` command)."""


if __name__ == "__main__":
    app()
