"""`cxjourney surveys validate|list|link`: surveys as code."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import typer

from cxjourney.cli.common import (
    JsonOpt,
    WorkspaceOpt,
    console,
    err_console,
    handle_errors,
    print_json,
    print_rows,
)

app = typer.Typer(help="Surveys as code: validate, list, and make personal survey links.", no_args_is_help=True)


@app.command("validate")
@handle_errors
def validate(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Check every survey file; report each problem with file, line and field (exit 1 when any)."""
    from cxjourney.config import load_settings
    from cxjourney.surveys import workspace_check

    surveys, problems, _ = workspace_check(load_settings(workspace))
    if as_json:
        print_json({"ok": not problems, "surveys": [s.id for s in surveys], "errors": problems})
    else:
        for p in problems:
            val = f" (value: {p['value']!r})" if p.get("value") is not None else ""
            err_console.print(f"{p['file']}:{p['line']}: {p['field'] or '(file)'}: {p['message']}{val}", highlight=False)
        if not problems:
            console.print(f"[green]ok[/green]: {len(surveys)} survey(s) valid: {', '.join(s.id for s in surveys) or 'none'}")
    if problems:
        raise typer.Exit(1)


@app.command("list")
@handle_errors
def list_(workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """List the surveys with their touchpoint, channels and questions."""
    from cxjourney.config import load_settings
    from cxjourney.surveys import catalogue

    cat = catalogue(load_settings(workspace))
    rows = []
    for s in cat.surveys.values():
        journey, stage = cat.journey_stage(s)
        rows.append({"survey": s.id, "touchpoint": s.touchpoint, "stage": stage, "journey": journey, "channels": s.channels,
                     "questions": [f"{q.id}:{q.type}" for q in s.questions],
                     "sample_rate": s.widget.sample_rate if s.widget else None})
    print_json({"rows": rows}) if as_json else print_rows(rows, "surveys")


@app.command("link")
@handle_errors
def link(survey: str = typer.Argument(..., help="Survey id."),
         person: list[str] = typer.Option([], "--person", help="The respondent's user id (repeatable)."),
         persons_file: Path = typer.Option(None, "--persons-file", help="A text file with one user id per line (an e-mail campaign)."),
         channel: str = typer.Option("email", "--channel", help="email or link (recorded with the answer)."),
         lang: str = typer.Option(None, "--lang", help="en or pl (default: the browser's language)."),
         base_url: str = typer.Option(None, "--base-url", help="Public address of the server (default: host:port setting)."),
         force: bool = typer.Option(False, "--force", help="Make links even for people asked within survey_fatigue_days."),
         workspace: Path = WorkspaceOpt, as_json: bool = JsonOpt) -> None:
    """Print signed personal links to the hosted survey page (/s/<survey>?u=<person>&sig=...), one per line,
    skipping people any channel asked within survey_fatigue_days (the fatigue cap; --force overrides).
    Exit status 1 when every person was skipped."""
    from cxjourney.cli.client import open_client
    from cxjourney.config import load_settings
    from cxjourney.errors import ValidationFailed
    from cxjourney.surveys import catalogue
    from cxjourney.surveys.answers import link_signature

    settings = load_settings(workspace)
    s = catalogue(settings).get(survey)
    if channel not in ("email", "link"):
        raise ValidationFailed(f"unknown channel {channel!r}", errors=[{"field": "--channel", "value": channel, "message": "use email or link"}])
    if channel not in s.channels:
        raise ValidationFailed(f"survey {survey!r} is not sent by {channel}", errors=[{"field": "--channel", "value": channel, "message": f"the survey's channels: {', '.join(s.channels)}"}])
    people = [p.strip() for p in person if p.strip()]
    if persons_file is not None:
        people += [ln.strip() for ln in persons_file.read_text(encoding="utf-8").splitlines() if ln.strip()]
    people = list(dict.fromkeys(people))
    if not people:
        raise ValidationFailed("give --person (repeatable) or --persons-file", errors=[{"field": "--person", "message": "missing"}])
    skipped: list[dict[str, Any]] = []
    if not force:
        client = open_client(workspace)
        try:
            rows = client.run("survey_fatigue", {"persons": people}).rows
        finally:
            client.close()
        skipped = [{"person": r["person"], "last_asked": r["last_asked"], "asked_again_from": r["asked_again_from"]}
                   for r in rows if not r["may_ask"]]
    skip = {r["person"] for r in skipped}
    links = []
    for pid in people:
        if pid in skip:
            continue
        q = {"u": pid, "sig": link_signature(settings.secret_key, s.id, pid), "c": channel}
        if lang:
            q["lang"] = lang
        links.append({"person": pid, "url": f"{(base_url or settings.base_url).rstrip('/')}/s/{s.id}?{urlencode(q)}"})
    if as_json:
        print_json({"survey": s.id, "links": links, "skipped": skipped, "fatigue_days": settings.survey_fatigue_days})
    else:
        for item in links:
            console.print(item["url"], highlight=False, soft_wrap=True)
        for r in skipped:
            err_console.print(f"skipped {r['person']}: asked {r['last_asked'][:16].replace('T', ' ')}, not again before "
                              f"{r['asked_again_from'][:10]} (survey_fatigue_days = {settings.survey_fatigue_days}; --force overrides)",
                              highlight=False)
    if not links:
        raise typer.Exit(1)
