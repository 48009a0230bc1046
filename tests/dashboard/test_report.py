"""`cxjourney report` and /dashboard/report: the overview as one self-contained HTML file, and a PDF."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from htmltext import visible_text
from typer.testing import CliRunner


def _self_contained(html: str) -> bool:
    external = re.findall(r'<(?:script|link|img)\b[^>]*(?:src|href)="(?!data:|#)[^"]+"', html)
    return not external


def test_report_route_downloads_a_self_contained_overview(dash):
    with dash.login("olga") as c:
        r = c.get("/dashboard/report?lang=pl")
        js = c.get("/dashboard/report.json").json()
    assert r.status_code == 200 and "attachment" in r.headers["content-disposition"]
    assert _self_contained(r.text) and "Plotly" in r.text
    text = visible_text(r.text)
    assert "Przegląd" in text and "raport wygenerowany" in text
    assert js["ok"] is True and js["html"].startswith("<!doctype html>")


def test_agent_may_not_download_the_report(dash):
    with dash.login("adam") as c:
        assert c.get("/dashboard/report.json").status_code == 403


@pytest.mark.browser
def test_cxjourney_report_writes_html_and_pdf_offline(tmp_path: Path, make_workspace):
    if not Path("/usr/bin/chromium").exists():
        pytest.skip("Debian's chromium is not installed (make system-deps)")
    from cxjourney.cli.main import build

    ws = make_workspace(tmp_path / "ws")
    out, pdf = tmp_path / "r.html", tmp_path / "r.pdf"
    res = CliRunner().invoke(build(), ["report", "-w", str(ws), "-o", str(out), "--pdf", str(pdf), "--start", "2026-10-01"])
    assert res.exit_code == 0, res.output
    html = out.read_text(encoding="utf-8")
    assert _self_contained(html)
    text = visible_text(html)
    assert "Overview" in text and "NPS" in text and "start = 2026-10-01" in text
    assert pdf.read_bytes()[:5] == b"%PDF-" and pdf.stat().st_size > 10_000


def test_report_refuses_an_unknown_language_with_a_message(tmp_path: Path):
    from cxjourney.cli.main import build

    res = CliRunner().invoke(build(), ["report", "-w", str(tmp_path), "--lang", "de"])
    assert res.exit_code == 2 and "unknown language 'de'" in res.output
