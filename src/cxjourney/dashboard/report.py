"""The overview as a self-contained report: one HTML file with its stylesheet, plotly.js and the charts'
data inlined (opens offline, can be e-mailed), and a PDF of it printed by Debian's Chromium.

Used by ``cxjourney report`` and by the dashboard's ``/dashboard/report`` (download) and
``/dashboard/report.json`` (``{"ok": true, "html": ...}``, what the CLI asks a running server for)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.i18n import gettext
from cxjourney.dashboard.pages import overview
from cxjourney.dashboard.render import render
from cxjourney.query.registry import QueryContext

STATIC = Path(__file__).parent / "static"


def _plotly_js() -> str:
    import plotly

    return (Path(plotly.__file__).parent / "package_data" / "plotly.min.js").read_text(encoding="utf-8")


def _inline_script(js: str) -> str:
    return js.replace("</script", "<\\/script")  # a script body may not close its own tag


def render_report(ctx: QueryContext, f: Filters, lang: str, *, generated_at: datetime | None = None) -> str:
    """The overview (KPI tiles with intervals, targets, trends; changes; alerts; store figures) as one HTML
    document that needs no server and no network."""
    data = overview.build(ctx, f, lambda s: gettext(lang, s), {"lang": lang})
    when = generated_at or datetime.now(UTC).replace(tzinfo=None)
    return render("report.html", lang, **{**data, "page": "report"}, data=data, filters=f.as_params(), generated_at=when.isoformat(timespec="seconds"),
                  css=(STATIC / "dash.css").read_text(encoding="utf-8"), plotly_js=_inline_script(_plotly_js()),
                  dash_js=_inline_script((STATIC / "dash.js").read_text(encoding="utf-8")), user=None)


def write_pdf(html: str, path: Path, *, timeout_ms: float = 60_000) -> None:
    """Print the report to A4 PDF with Chromium (the charts are drawn first)."""
    from playwright.sync_api import sync_playwright

    from cxjourney.dashboard.screenshots import launch_chromium

    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page(viewport={"width": 1200, "height": 900})
            page.set_content(html, wait_until="load", timeout=timeout_ms)
            page.wait_for_selector("body[data-charts-ready='1']", state="attached", timeout=timeout_ms)
            page.emulate_media(media="print")
            page.pdf(path=str(path), format="A4", print_background=True,
                     margin={"top": "12mm", "bottom": "12mm", "left": "10mm", "right": "10mm"})
        finally:
            browser.close()


def report_filename(lang: str, f: Filters, ext: str = "html") -> str:
    parts = ["cxjourney-overview", lang] + [str(v) for v in (f.journey, f.start, f.end) if v]
    return "-".join(parts).replace("/", "_") + "." + ext


def local_report(settings: Any, store: Any, f: Filters, lang: str) -> str:
    from cxjourney.workspace import Workspace

    now = datetime.now(UTC).replace(tzinfo=None)
    ctx = QueryContext(store=store, settings=settings, now=now, workspace=Workspace(settings), role="admin")
    return render_report(ctx, f, lang, generated_at=now)
