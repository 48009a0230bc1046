"""``cxjourney report``: the dashboard's overview as a self-contained HTML file and a PDF."""

from __future__ import annotations

from pathlib import Path

import typer

from cxjourney.cli.common import WorkspaceOpt, console, handle_errors


@handle_errors
def report(workspace: Path = WorkspaceOpt,
           out: Path = typer.Option(Path("cxjourney-report.html"), "--out", "-o", help="HTML file to write."),
           pdf: Path = typer.Option(None, "--pdf", help="Also print the report to this PDF file (Chromium)."),
           lang: str = typer.Option("en", "--lang", help="Language: en or pl."),
           start: str = typer.Option(None, help="First day (YYYY-MM-DD)."),
           end: str = typer.Option(None, help="Last day (YYYY-MM-DD)."),
           journey: str = typer.Option(None, help="Journey id."),
           channel: str = typer.Option(None, help="Only this channel."),
           segment: str = typer.Option(None, help="Only this segment.")) -> None:
    """Write the overview (KPIs with intervals, targets, trends, changes, alerts) as one HTML file that
    opens offline, and optionally a PDF of it."""
    from cxjourney.cli.client import open_client
    from cxjourney.dashboard.filters import parse_filters
    from cxjourney.dashboard.i18n import LANGUAGES
    from cxjourney.dashboard.report import local_report, write_pdf
    from cxjourney.errors import ValidationFailed

    if lang not in LANGUAGES:
        raise ValidationFailed(f"unknown language {lang!r}", errors=[{"field": "lang", "value": lang, "message": "use en or pl"}])
    raw = {k: v for k, v in {"start": start, "end": end, "journey": journey, "channel": channel, "segment": segment}.items() if v}
    f = parse_filters(raw)
    c = open_client(workspace)
    try:
        if c.mode == "local":
            html = local_report(c.settings, c.store, f, lang)  # type: ignore[union-attr]
        else:
            html = c.request("GET", "/dashboard/report.json", params={**raw, "lang": lang})["html"]  # type: ignore[union-attr]
    finally:
        c.close()
    out.write_text(html, encoding="utf-8")
    console.print(f"report written to {out} ({out.stat().st_size // 1024} KiB, self-contained)")
    if pdf is not None:
        write_pdf(html, pdf)
        console.print(f"PDF written to {pdf} ({pdf.stat().st_size // 1024} KiB)")
