"""`cxjourney alerts ...`: check for score drops and negative detractors, list alerts, follow cases up, and
the closed-loop figures. Locally, or through the running server when it holds the workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import typer

from cxjourney.cli.client import read_query, write_op
from cxjourney.cli.common import JsonOpt, WorkspaceOpt, console, handle_errors, print_json, print_rows
from cxjourney.errors import ValidationFailed

app = typer.Typer(help="Alerts (score drops, detractors with a negative comment) and the closed loop.",
                  no_args_is_help=True)

STATUSES = ("open", "contacted", "resolved", "dismissed")


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _params(**kw: Any) -> dict[str, Any]:
    """Given options only, times as ISO strings (the same params go to the server as JSON)."""
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in kw.items() if v is not None}


@app.command("check")
@handle_errors
def check(
    deliver: bool = typer.Option(False, "--deliver", help="Send open, undelivered alerts to the webhooks and e-mail."),
    as_of: datetime = typer.Option(None, "--as-of", help="Check as of this time (UTC) instead of now."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Detect and store new alerts; running it again creates nothing twice."""
    from cxjourney.alerts import run_check
    from cxjourney.workspace import Workspace

    body: dict[str, Any] = {"deliver": deliver, "as_of": as_of.isoformat() if as_of else None}
    out = write_op(workspace,
                   lambda c: run_check(c.store, c.settings, now=as_of or _now(), workspace=Workspace(c.settings), deliver=deliver),
                   lambda c: c.request("POST", "/api/v1/alerts/check", json=body))
    out.pop("ok", None)
    if as_json:
        print_json(out)
        return
    cr, fd = out["created"], out["found"]
    console.print(f"checked as of {out['checked_at']} (current window {out['current_window']}, baseline "
                  f"{out['baseline_window']}): {cr['score_drop']} new drop alert(s) ({fd['score_drop']} found), "
                  f"{cr['detractor']} new detractor case(s) ({fd['detractor']} found)")
    print_rows(out["alerts"], columns=["alert_id", "kind", "title", "person_id"])
    if "delivery" in out:
        d = out["delivery"]
        console.print(f"delivery: {d['delivered']} delivered, {d['failed']} failed of {d['pending']} pending"
                      + (f"; {d['message']}" if d.get("message") else ""))
        for e in d.get("errors", []):
            console.print(f"[yellow]{e}[/yellow]", highlight=False)


@app.command("list")
@handle_errors
def list_(
    status: str = typer.Option(None, help="open, contacted, resolved or dismissed."),
    kind: str = typer.Option(None, help="score_drop or detractor."),
    since: datetime = typer.Option(None, help="Alerts created at or after this time."),
    limit: int = typer.Option(100, help="At most this many (newest first)."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Stored alerts, newest first."""
    params = _params(status=status, kind=kind, since=since, limit=limit)
    res = read_query(workspace, "alerts", params)
    if as_json:
        print_json(res.model_dump())
        return
    print_rows(res.rows, f"alerts ({res.meta['shown']} of {res.meta['n']}: {res.meta['by_status']})",
               columns=["alert_id", "created_at", "kind", "status", "assignee", "title", "person_id"])


@app.command("update")
@handle_errors
def update(
    alert_id: int = typer.Argument(..., help="The alert's id (see 'cxjourney alerts list')."),
    status: str = typer.Option(None, help="contacted, resolved, dismissed, or open (reopen)."),
    assignee: str = typer.Option(None, help="Who follows the case up ('' clears it)."),
    note: str = typer.Option(None, help="Follow-up note ('' clears it)."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Follow a case up: open -> contacted -> resolved / dismissed, with an assignee and a note."""
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"--status must be one of {', '.join(STATUSES)}, not {status!r}",
                               errors=[{"field": "--status", "value": status, "message": f"one of {', '.join(STATUSES)}"}])
    from cxjourney.alerts import update_alert

    body = {k: v for k, v in {"status": status, "assignee": assignee, "note": note}.items() if v is not None}
    row = write_op(workspace,
                   lambda c: update_alert(c.store, alert_id, now=_now(), status=status, assignee=assignee, note=note),
                   lambda c: c.request("PATCH", f"/api/v1/alerts/{alert_id}", json=body)["alert"])
    if as_json:
        print_json(row)
    else:
        console.print(f"alert {row['alert_id']} is {row['status']}" + (f", assigned to {row['assignee']}" if row.get("assignee") else ""))


@app.command("closed-loop")
@handle_errors
def closed_loop(
    since: datetime = typer.Option(None, help="Cases created at or after this time."),
    until: datetime = typer.Option(None, help="Cases created before this time."),
    touchpoint: str = typer.Option(None, help="Only cases at this touchpoint."),
    by: str = typer.Option("none", help="none, touchpoint or assignee."),
    workspace: Path = WorkspaceOpt,
    as_json: bool = JsonOpt,
) -> None:
    """Detractor cases: share followed up, median time to first contact, recovery rate, with intervals."""
    params = _params(since=since, until=until, touchpoint=touchpoint, by=by)
    res = read_query(workspace, "closed_loop", params)
    if as_json:
        print_json(res.model_dump())
        return
    cols = ([by] if by != "none" else []) + ["metric", "value", "ci_low", "ci_high", "k", "n"]
    print_rows(res.rows, f"closed loop ({res.meta['cases']} case(s): {res.meta['by_status']})", columns=cols)
