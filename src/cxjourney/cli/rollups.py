"""`cxjourney rollups`: the per-person rollups the journey analytics read (see docs/analytics.md, "Rollups")."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer

from cxjourney.cli.client import write_op
from cxjourney.cli.common import JsonOpt, WorkspaceOpt, console, handle_errors, print_json

app = typer.Typer(help="The per-person rollups behind fast journey analytics: status and refresh.", no_args_is_help=True)


def _local_status(c: Any) -> dict[str, Any]:
    from cxjourney.analytics import rollups
    from cxjourney.workspace import Workspace

    return rollups.describe(c.store, c.settings, Workspace(c.settings).journeys())


def _local_refresh(c: Any, full: bool) -> dict[str, Any]:
    from cxjourney.analytics import rollups
    from cxjourney.workspace import Workspace

    return rollups.refresh(c.store, c.settings, Workspace(c.settings).journeys(), full=full).as_json()


@app.command("status")
@handle_errors
def status(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Are the rollups up to date with the events (and the journeys' matchers)?"""
    out = write_op(workspace, _local_status, lambda c: c.request("GET", "/api/v1/admin/rollups"))
    if as_json:
        print_json(out)
        return
    st = out.get("state") or {}
    if not st:
        console.print("no rollups yet: queries compute from the events. Build them with `cxjourney rollups refresh`.")
        return
    console.print(f"{'up to date' if out['fresh'] else 'stale'}: {st.get('n_events'):,} events, "
                  f"{st.get('n_persons'):,} persons, refreshed {st.get('refreshed_at')} in {st.get('seconds', 0):.1f} s")


@app.command("refresh")
@handle_errors
def refresh(
    full: bool = typer.Option(False, "--full", help="Rebuild everything instead of only the persons with new events."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Bring the rollups up to date now (the server also does it every `rollup_refresh_seconds`)."""
    out = write_op(workspace, lambda c: _local_refresh(c, full),
                   lambda c: c.request("POST", "/api/v1/admin/rollups/refresh", params={"full": str(full).lower()}))
    if as_json:
        print_json(out)
        return
    console.print(f"rollups: {out['mode']} refresh, {out['touched']:,} person(s) recomputed in {out['seconds']:.1f} s")
