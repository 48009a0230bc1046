"""`cxjourney demo [DIR]`: write the seeded demo online store into a workspace (created if needed)."""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

from cxjourney.cli.common import JsonOpt, console, err_console, handle_errors, print_json, print_rows
from cxjourney.errors import ValidationFailed, WorkspaceLocked

app = typer.Typer(help="The demo online store.", add_completion=False)


def _parse_start(value: str) -> date:
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise ValidationFailed(
            f"--start must be a date like 2026-05-01, got {value!r}",
            errors=[{"field": "start", "value": value, "message": "expected YYYY-MM-DD"}],
        ) from None


def _scores(store: object, settings: object, end: str) -> dict[str, object]:
    """Customer scores (BG/NBD + Gamma-Gamma CLV, P(alive)) as of the end of the period, so the customer
    views have them at once; a demo too small to fit the model is left without (and says why)."""
    from cxjourney.errors import CXJError
    from cxjourney.models.workspace import refresh_scores

    try:
        done = refresh_scores(store, settings, now=datetime.fromisoformat(end))
    except CXJError as exc:
        return {"customer_scores": 0, "scores_skipped": exc.message}
    return {"customer_scores": done["customers"]}


def _rollups(store: object, settings: object) -> float:
    """Build the analytics rollups, so the first dashboard view is fast."""
    from cxjourney.analytics import rollups
    from cxjourney.workspace import Workspace

    return rollups.refresh(store, settings, Workspace(settings).journeys(), full=True).seconds  # type: ignore[arg-type]


@app.command("demo")
@handle_errors
def demo(
    directory: Path = typer.Argument(Path("."), help="Workspace directory (created with the example journey if missing)."),
    seed: int = typer.Option(7, help="Random seed: the same seed and options give identical tables."),
    customers: int = typer.Option(None, help="Customers who sign up (default: events / 100)."),
    events: int = typer.Option(500_000, help="Event target; reached with anonymous visitors after the customers."),
    start: str = typer.Option("2026-05-01", help="First day of the demo period (YYYY-MM-DD); the clock is never read."),
    months: int = typer.Option(6, help="Length of the demo period in months."),
    force: bool = typer.Option(False, "--force", help="Clear the workspace's events, persons, responses and costs first."),
    as_json: bool = JsonOpt,
) -> None:
    """Write a realistic, deterministic online-store business (events, orders, tickets, surveys, ad costs)."""
    from cxjourney.config import CONFIG_FILE, load_settings
    from cxjourney.demo import generate
    from cxjourney.demo.generate import ensure_empty
    from cxjourney.storage import connect
    from cxjourney.workspace import init_workspace

    first_day = _parse_start(start)
    settings = init_workspace(directory) if not (directory / CONFIG_FILE).exists() else load_settings(directory)
    try:
        store = connect(settings)
    except WorkspaceLocked as exc:
        raise WorkspaceLocked(f"{exc.message}. Stop the server before writing the demo.") from None
    t0 = time.perf_counter()
    try:
        ensure_empty(store, force)
        if as_json:
            counts = generate(store, seed=seed, customers=customers, events=events, start=first_day, months=months, force=force)
        else:
            with Progress(TextColumn("[bold]demo[/bold] {task.description:<10}"), BarColumn(),
                          TextColumn("{task.completed:,}/{task.total:,} events"), TimeElapsedColumn(),
                          console=err_console) as prog:
                task = prog.add_task("customers", total=events)

                def report(stage: str, done: int, total: int) -> None:
                    prog.update(task, description=stage, completed=min(done, total))

                counts = generate(store, seed=seed, customers=customers, events=events, start=first_day,
                                  months=months, force=force, progress=report)
        counts.update(_scores(store, settings, counts["end"]))
        counts["rollups_seconds"] = round(_rollups(store, settings), 1)
    finally:
        store.close()
    counts["seconds"] = round(time.perf_counter() - t0, 1)
    counts["workspace"] = str(settings.workspace)
    if as_json:
        print_json(counts)
    else:
        print_rows([{"what": k, "count": v} for k, v in counts.items()], "demo online store")
        console.print(f"try: cxjourney summary -w {directory}   ·   cxjourney serve -w {directory}")
