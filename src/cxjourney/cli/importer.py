"""`cxjourney import events|orders|responses|costs FILE --map canonical=column ...`"""

from __future__ import annotations

from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cxjourney.cli.common import JsonOpt, WorkspaceOpt, console, err_console, handle_errors, print_json
from cxjourney.errors import CXJError, WorkspaceLocked

app = typer.Typer(help="Import CSV, Parquet or JSON Lines files (orders, tickets as events, survey exports, ad costs).", no_args_is_help=True)

MapOpt = typer.Option([], "--map", help="canonical=column (repeatable), e.g. --map user_id=customer --map timestamp=ts")
FmtOpt = typer.Option(None, "--date-format", help="strptime format of dates, e.g. %Y%m%d (default: ISO-8601)")


def _refresh_rollups(store: object, settings: object) -> None:
    """Imported events: bring existing rollups up to date (only the persons concerned are recomputed)."""
    from cxjourney.analytics import rollups
    from cxjourney.workspace import Workspace

    if rollups.state(store) is not None:
        rollups.refresh(store, settings, Workspace(settings).journeys())  # type: ignore[arg-type]


def _run(kind: str, file: Path, mapping: list[str], workspace: Path, as_json: bool, date_format: str | None,
         response_kind: str | None = None, event_names: list[str] | None = None) -> None:
    from cxjourney.config import load_settings
    from cxjourney.ingest.importer import Importer, parse_event_names, parse_mapping
    from cxjourney.storage import connect

    m = parse_mapping(mapping, kind)
    names = parse_event_names(event_names or [])
    settings = load_settings(workspace)
    if not settings.database_path.exists():
        raise CXJError(f"no workspace at {settings.workspace}: run 'cxjourney init {workspace}' first")
    try:
        store = connect(settings)
    except WorkspaceLocked as exc:
        raise WorkspaceLocked(f"{exc.message}. Stop the server to import files, or send events to its /v1/batch endpoint.") from None
    question_kind = None
    try:
        from cxjourney.surveys import question_kind_lookup  # provided by the surveys package

        question_kind = question_kind_lookup(settings)
    except ImportError:
        pass
    try:
        imp = Importer(store, kind, m, date_format=date_format, response_kind=response_kind, question_kind=question_kind,
                       event_names=names)
        if as_json:
            rep = imp.run(file)
        else:
            with Progress(TextColumn("[bold]importing {task.description}"), BarColumn(), TextColumn("{task.completed:,} rows"),
                          TimeElapsedColumn(), console=err_console) as prog:
                task = prog.add_task(file.name, total=None)
                rep = imp.run(file, progress=lambda n: prog.advance(task, n))
        if kind in ("events", "orders") and rep.accepted:
            _refresh_rollups(store, settings)
    finally:
        store.close()
    if as_json:
        print_json(rep.to_dict())
    else:
        console.print(f"{kind}: [green]{rep.accepted:,} accepted[/green], [red]{rep.rejected:,} rejected[/red], {rep.duplicates:,} already stored")
        for e in rep.errors[:20]:
            err_console.print(f"  {file}:{e['line']}: {e['field']}: {e['message']}" + (f" (value: {e['value']!r})" if e.get("value") is not None else ""), highlight=False)
        if len(rep.errors) > 20:
            err_console.print(f"  … {rep.rejected - 20:,} more (use --json for all)")
        for n in rep.notes:
            console.print(f"note: {n}")


@app.command("events")
@handle_errors
def import_events(file: Path, mapping: list[str] = MapOpt, workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt,
                  date_format: str = FmtOpt,
                  event_name: list[str] = typer.Option([], "--event-name", help="VALUE=NAME (repeatable): store the file's event "
                                                       "VALUE as NAME, e.g. --event-name view='Product Viewed'")) -> None:
    """Events (Segment-style rows): event, type, user_id/anonymous_id, timestamp, properties… See docs/import.md."""
    _run("events", file, mapping, workspace, as_json, date_format, event_names=event_name)


@app.command("orders")
@handle_errors
def import_orders(file: Path, mapping: list[str] = MapOpt, workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt,
                  date_format: str = FmtOpt) -> None:
    """Orders (one row per order or per order line): order_id, user_id, timestamp, revenue or quantity × unit_price."""
    _run("orders", file, mapping, workspace, as_json, date_format)


@app.command("responses")
@handle_errors
def import_responses(file: Path, mapping: list[str] = MapOpt, workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt,
                     date_format: str = FmtOpt,
                     kind: str = typer.Option(None, "--kind", help="nps|csat|ces: how to read scores of questions not defined in surveys/")) -> None:
    """Survey answers exported from other tools."""
    if kind is not None and kind not in ("nps", "csat", "ces", "rating"):
        raise CXJError(f"--kind {kind!r}: use nps, csat, ces or rating", errors=[{"field": "--kind", "value": kind, "message": "unknown kind"}])
    _run("responses", file, mapping, workspace, as_json, date_format, kind)


@app.command("costs")
@handle_errors
def import_costs(file: Path, mapping: list[str] = MapOpt, workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt,
                 date_format: str = FmtOpt) -> None:
    """Ad costs per campaign and day: date, campaign, channel, cost, impressions, clicks."""
    _run("costs", file, mapping, workspace, as_json, date_format)
