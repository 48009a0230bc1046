"""The widget and the hosted page in real Chromium (Playwright): trigger, answer, dismissal, fatigue cap,
and a comment containing <script> shown as text, never run."""

from __future__ import annotations

import http.server
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]

TEST_SURVEY = """\
id: widget-test
name: {en: Checkout feedback, pl: Opinia o kasie}
touchpoint: checkout
channels: [widget]
widget:
  triggers:
    - {event: Checkout Started, delay_seconds: 0.3}
  sample_rate: 1.0
questions:
  - id: csat
    type: csat
    required: true
    text: {en: How easy was paying, pl: Jak łatwo się płaciło}
  - id: comment
    type: text
    text: {en: Tell us more, pl: Powiedz nam więcej}
"""
SECOND_SURVEY = """\
id: widget-url
name: {en: Browsing feedback, pl: Opinia o przeglądaniu}
touchpoint: browse
channels: [widget]
widget:
  triggers:
    - {url: 'page2', delay_seconds: 0}
questions:
  - id: csat
    type: csat
    text: {en: How was browsing, pl: Jak się przeglądało}
"""


def _page(server: str, key: str, user: str) -> str:
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shop</title></head><body>'
            f'<button id="pay" onclick="cxj.track(\'Checkout Started\')">Pay</button>'
            f'<script src="{server}/w/widget.js" data-key="{key}" data-user-id="{user}" async></script></body></html>')


@pytest.fixture
def site(live_server: Any) -> Iterator[dict[str, Any]]:
    """A tiny loopback web server (another origin) serving pages that embed the widget with one script tag."""
    pages: dict[str, str] = {}

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            body = pages.get(self.path.split("?")[0], "").encode()
            self.send_response(200 if body else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *a: Any) -> None:
            pass

    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    th = threading.Thread(target=httpd.serve_forever, daemon=True)
    th.start()
    try:
        yield {"url": f"http://127.0.0.1:{httpd.server_address[1]}", "pages": pages}
    finally:
        httpd.shutdown()
        th.join(timeout=10)


@pytest.fixture
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield b
        finally:
            b.close()


def _sql(live: Any, sql: str) -> list[tuple[Any, ...]]:
    st = live.app.state.store
    with st.lock:
        return st.con.execute(sql).fetchall()


def _wait_for(fn: Any, timeout: float = 10.0) -> Any:
    end = time.time() + timeout
    while time.time() < end:
        v = fn()
        if v:
            return v
        time.sleep(0.1)
    return fn()


def test_widget_asks_after_its_trigger_stores_the_answer_records_dismissal_and_respects_fatigue(
        live_server: Any, site: dict[str, Any], browser: Any) -> None:
    ws = live_server.settings.workspace
    (ws / "surveys" / "widget-test.yaml").write_text(TEST_SURVEY, encoding="utf-8")
    (ws / "surveys" / "widget-url.yaml").write_text(SECOND_SURVEY, encoding="utf-8")
    site["pages"]["/alice"] = _page(live_server.url, live_server.write_key, "alice")
    site["pages"]["/bob"] = _page(live_server.url, live_server.write_key, "bob")
    site["pages"]["/page2"] = _page(live_server.url, live_server.write_key, "alice")

    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(site["url"] + "/alice")
    page.wait_for_function("window.cxj && window.cxj.loaded")
    page.wait_for_timeout(800)
    assert page.locator("[role=dialog]").count() == 0  # nothing before the trigger
    page.click("#pay")
    dialog = page.get_by_role("dialog", name="Checkout feedback")
    dialog.wait_for(timeout=10_000)
    page.keyboard.press("ArrowRight")  # keyboard: focus starts on the first score; arrows move within the radio group
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "4"
    page.get_by_label("Tell us more").fill("<b>bold</b> is fine")
    dialog.get_by_role("button", name="Send").click()
    page.get_by_role("status").wait_for(timeout=10_000)
    rows = _wait_for(lambda: _sql(live_server, "SELECT question_id, score, comment, person_id, touchpoint, channel FROM responses ORDER BY 1"))
    assert rows == [("comment", None, "<b>bold</b> is fine", "alice", "checkout", "widget"),
                    ("csat", 4.0, None, "alice", "checkout", "widget")]

    # Another person (another browser) dismisses the survey with Escape: recorded, and remembered in the browser.
    bob_ctx = browser.new_context()
    bob = bob_ctx.new_page()
    bob.goto(site["url"] + "/bob")
    bob.wait_for_function("window.cxj && window.cxj.loaded")
    bob.click("#pay")
    bob.get_by_role("dialog").wait_for(timeout=10_000)
    bob.keyboard.press("Escape")
    assert bob.locator("[role=dialog]").count() == 0
    dismissed = _wait_for(lambda: _sql(live_server, "SELECT person_id, json_extract_string(properties, '$.survey_id') FROM events "
                                                    "WHERE event = 'Survey Dismissed'"))
    assert dismissed == [("bob", "widget-test")]
    assert bob.evaluate("localStorage.getItem('cxj_dis_widget-test') !== null")
    bob_ctx.close()

    # Alice was asked minutes ago: the fatigue cap stops the second survey (its URL trigger fires at once).
    answers: list[dict[str, Any]] = []
    p2 = ctx.new_page()
    p2.on("response", lambda r: answers.append(r.json()) if r.url.endswith("/w/show") else None)
    p2.goto(site["url"] + "/page2")
    _wait_for(lambda: answers, timeout=10)
    p2.wait_for_timeout(500)
    assert answers and answers[0]["show"] is False and answers[0]["reason"] == "fatigue"
    assert p2.locator("[role=dialog]").count() == 0
    shown = _sql(live_server, "SELECT person_id, json_extract_string(properties, '$.survey_id') FROM events "
                              "WHERE event = 'Survey Shown' ORDER BY seq")
    assert shown == [("alice", "widget-test"), ("bob", "widget-test")]
    ctx.close()


def test_hosted_page_works_by_keyboard_and_shows_a_script_comment_as_text(live_server: Any, browser: Any) -> None:
    from cxjourney.surveys.answers import link_signature

    sig = link_signature(live_server.settings.secret_key, "relationship-nps", "carol")
    page = browser.new_page(viewport={"width": 375, "height": 740})  # a phone
    page.goto(f"{live_server.url}/s/relationship-nps?u=carol&sig={sig}&lang=pl")
    assert page.get_by_role("heading", level=1).inner_text() == "Czy poleciłbyś nas?"
    follow_up = page.get_by_label("Co powinniśmy poprawić?")
    assert not follow_up.is_visible()  # the detractor follow-up waits for a score
    page.get_by_role("radio", name="2", exact=True).check()
    assert follow_up.is_visible()
    evil = "<script>window.pwned = 1</script><img src=x onerror=\"window.pwned = 2\">"
    follow_up.fill(evil)
    page.get_by_role("button", name="Wyślij").press("Enter")
    page.get_by_role("status").wait_for(timeout=10_000)
    assert page.locator("dd.answer").nth(1).inner_text() == evil
    assert page.evaluate("window.pwned") is None
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # no sideways scrolling on a phone
    rows = _sql(live_server, "SELECT question_id, score, comment, person_id FROM responses ORDER BY 1")
    assert rows == [("comment", None, evil, "carol"), ("nps", 2.0, None, "carol")]
