"""The `cxjourney` command. Each domain adds its typer sub-app with one line in :func:`build`."""

from __future__ import annotations

import sys
from pathlib import Path

import typer

from cxjourney import __version__
from cxjourney.cli.client import open_client, write_op
from cxjourney.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    console,
    err_console,
    handle_errors,
    print_json,
    print_rows,
)
from cxjourney.errors import CXJError

app = typer.Typer(
    name="cxjourney",
    help="Measure customer experience along the customer journey.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
journeys_app = typer.Typer(help="Journeys as code: validate and list journey files.", no_args_is_help=True)
keys_app = typer.Typer(help="Write keys (collect) and read tokens (with a role).", no_args_is_help=True)
users_app = typer.Typer(help="Dashboard users and roles.", no_args_is_help=True)


@app.command()
@handle_errors
def version() -> None:
    """Print the version."""
    console.print(__version__)


@app.command()
@handle_errors
def init(directory: Path = typer.Argument(Path("."), help="Workspace directory to create."),
         examples: bool = typer.Option(True, help="Copy the example journey and surveys.")) -> None:
    """Create a workspace: cxjourney.toml, journeys/, surveys/ and the DuckDB file."""
    from cxjourney.workspace import init_workspace

    s = init_workspace(directory, with_examples=examples)
    console.print(f"workspace ready at [bold]{s.workspace}[/bold] (database {s.database_path.name})")


@app.command()
@handle_errors
def serve(workspace: Path = WorkspaceOpt, host: str = typer.Option(None, help="Override the host setting."),
          port: int = typer.Option(None, help="Override the port setting.")) -> None:
    """Run the server (collection API, read API, dashboard). It owns the workspace's DuckDB file."""
    import uvicorn

    from cxjourney.api.app import create_app
    from cxjourney.config import load_settings

    overrides = {k: v for k, v in {"host": host, "port": port}.items() if v is not None}
    settings = load_settings(workspace, **overrides)
    if not settings.database_path.exists():
        raise CXJError(f"no workspace at {settings.workspace}: run 'cxjourney init {workspace}' first")
    app_ = create_app(settings)
    console.print(f"cxjourney {__version__} serving [bold]{settings.workspace}[/bold] on {settings.base_url}")
    from cxjourney.workspace import Workspace

    # Where this server answers, so that CLI commands on the workspace reach it even with --host/--port.
    ws = Workspace(settings)
    app_.state.startup_hooks.append(lambda _app: ws.record_server(settings.host, settings.port))
    app_.state.shutdown_hooks.append(lambda _app: ws.forget_server())  # uvicorn re-raises SIGTERM after shutdown
    try:
        uvicorn.run(app_, host=settings.host, port=settings.port, log_level="warning", access_log=False)
    finally:
        ws.forget_server()


@app.command()
@handle_errors
def summary(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """How many events, persons, responses and orders the workspace holds."""
    c = open_client(workspace)
    try:
        res = c.run("store_summary")
    finally:
        c.close()
    print_json(res.model_dump()) if as_json else print_rows(res.rows, "store")


@app.command()
@handle_errors
def events(person: str = typer.Option(..., "--person", help="User id, anonymous id or e-mail."),
           workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt,
           limit: int = typer.Option(10_000, help="At most this many events.")) -> None:
    """One person's whole stitched history, in order (timestamp, arrival sequence)."""
    c = open_client(workspace)
    try:
        res = c.run("person_history", {"person": person, "limit": limit})
    finally:
        c.close()
    if as_json:
        print_json(res.model_dump())
    else:
        console.print(f"person [bold]{res.meta['person_id']}[/bold] (ids: {', '.join(res.meta['ids'])})")
        print_rows(res.rows, columns=["timestamp", "type", "event", "name", "channel", "revenue", "source"])


@journeys_app.command("validate")
@handle_errors
def journeys_validate(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Check every journey file; report each problem with file, line and field."""
    from cxjourney.config import load_settings
    from cxjourney.workspace import Workspace

    ws = Workspace(load_settings(workspace))
    journeys, problems = ws.check_journeys()
    if as_json:
        print_json({"ok": not problems, "journeys": [j.id for j in journeys], "errors": problems})
    else:
        for p in problems:
            err_console.print(f"{p['file']}:{p['line']}: {p['field'] or '(file)'}: {p['message']}", highlight=False)
        if not problems:
            console.print(f"[green]ok[/green]: {len(journeys)} journey(s) valid: {', '.join(j.id for j in journeys) or 'none'}")
    if problems:
        raise typer.Exit(1)


@journeys_app.command("list")
@handle_errors
def journeys_list(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """List the journeys with their stages and touchpoints."""
    from cxjourney.config import load_settings
    from cxjourney.workspace import Workspace

    js = Workspace(load_settings(workspace)).journeys()
    rows = [{"journey": j.id, "version": j.version, "stage": s.id, "touchpoints": [t.id for t in s.touchpoints]} for j in js for s in j.stages]
    print_json({"rows": rows}) if as_json else print_rows(rows, "journeys")


def _admin_store(workspace: Path):  # type: ignore[no-untyped-def]
    from cxjourney.config import load_settings
    from cxjourney.storage import connect

    return connect(load_settings(workspace))


@app.command()
@handle_errors
def erase(person: str = typer.Argument(..., help="User id, anonymous id or e-mail of the person."),
          dry_run: bool = typer.Option(False, "--dry-run", help="Count what would be deleted; delete nothing."),
          yes: bool = typer.Option(False, "--yes", help="Do not ask for confirmation."),
          workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """GDPR erasure: delete a person's events, answers, comments, scores and ids, under every stitched id."""
    from urllib.parse import quote

    from cxjourney.ingest.erase import erase_person

    if not dry_run and not yes and not typer.confirm(f"Erase everything about {person!r}? This cannot be undone"):
        raise typer.Exit(1)
    out = write_op(workspace, lambda c: erase_person(c.store, person, dry_run=dry_run),
                   lambda c: c.request("DELETE", f"/api/v1/admin/persons/{quote(person, safe='')}", params={"dry_run": dry_run}))
    out.pop("ok", None)
    if as_json:
        print_json(out)
        return
    verb = "would remove" if dry_run else "removed"
    console.print(f"person {out['person_id']} (ids: {', '.join(out['ids'])}): {verb} "
                  + (", ".join(f"{n} from {t}" for t, n in sorted(out["removed"].items())) or "nothing"))


@keys_app.command("create")
@handle_errors
def keys_create(kind: str = typer.Argument(..., help="'write' (send events) or 'token' (read)."),
                role: str = typer.Option(None, help="Role of a token: admin, analyst or agent."),
                name: str = typer.Option("", help="A label to recognise the key by."),
                workspace: Path = WorkspaceOpt) -> None:
    """Create a write key or a read token; prints the secret once."""
    from cxjourney.security.keys import create_key

    secret = write_op(workspace, lambda c: create_key(c.store, kind, role=role, name=name),
                      lambda c: c.request("POST", "/api/v1/admin/keys", json={"kind": kind, "role": role, "name": name})["secret"])
    sys.stdout.write(secret + "\n")


@keys_app.command("list")
@handle_errors
def keys_list(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """List keys and tokens (never their secrets)."""
    from cxjourney.security.keys import list_keys

    rows = write_op(workspace, lambda c: list_keys(c.store), lambda c: c.request("GET", "/api/v1/admin/keys")["keys"])
    print_json({"keys": rows}) if as_json else print_rows(rows, "keys")


@keys_app.command("revoke")
@handle_errors
def keys_revoke(key_id: str, workspace: Path = WorkspaceOpt) -> None:
    """Revoke a key or token by its id."""
    from cxjourney.security.keys import revoke_key

    write_op(workspace, lambda c: revoke_key(c.store, key_id), lambda c: c.request("POST", f"/api/v1/admin/keys/{key_id}/revoke"))
    console.print(f"revoked {key_id}")


@users_app.command("add")
@handle_errors
def users_add(name: str, role: str = typer.Option(..., help="admin, analyst or agent"),
              language: str = typer.Option(None, help="en or pl"), workspace: Path = WorkspaceOpt) -> None:
    """Add (or reset) a dashboard user; the password is read from standard input."""
    from cxjourney.security.keys import add_user

    password = sys.stdin.readline().rstrip("\n") if not sys.stdin.isatty() else typer.prompt("password", hide_input=True, confirmation_prompt=True)
    c = open_client(workspace, write=True)
    try:
        if c.mode == "local":
            add_user(c.store, name, role, password, language)  # type: ignore[union-attr]
        else:
            c.request("POST", "/api/v1/admin/users", json={"username": name, "role": role, "password": password, "language": language})  # type: ignore[union-attr]
    finally:
        c.close()
    console.print(f"user {name} ({role}) saved")


_built = False


def build() -> typer.Typer:
    """The whole command tree; sub-apps are attached once, however often this is called (tests call it a lot)."""
    global _built
    if _built:
        return app
    _built = True
    app.add_typer(journeys_app, name="journeys")
    app.add_typer(keys_app, name="keys")
    app.add_typer(users_app, name="users")
    from cxjourney.cli import importer

    app.add_typer(importer.app, name="import")
    # Domain sub-apps: one line each.
    app.add_typer(__import__("cxjourney.cli.surveys", fromlist=["app"]).app, name="surveys")
    app.add_typer(__import__("cxjourney.cli.metrics", fromlist=["app"]).app, name="metrics")
    app.add_typer(__import__("cxjourney.cli.clv", fromlist=["app"]).app, name="clv")
    app.add_typer(__import__("cxjourney.cli.text", fromlist=["app"]).app, name="text")
    app.add_typer(__import__("cxjourney.cli.alerts", fromlist=["app"]).app, name="alerts")
    app.add_typer(__import__("cxjourney.cli.rollups", fromlist=["app"]).app, name="rollups")
    app.command("demo")(__import__("cxjourney.cli.demo", fromlist=["demo"]).demo)
    app.command("report")(__import__("cxjourney.cli.report", fromlist=["report"]).report)
    __import__("cxjourney.cli.analytics", fromlist=["register"]).register(app, journeys_app)
    return app


def main() -> None:
    build()(prog_name="cxjourney")


if __name__ == "__main__":
    main()
