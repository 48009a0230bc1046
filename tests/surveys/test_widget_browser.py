"""The widget and the hosted page in real Chromium (Playwright): trigger, answer, dismissal, fatigue cap,
and a comment containing <script> shown as text, never run."""

from __future__ import annotations

import http.server
import threading
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


def _page(server: str, key: str, user: str, *, track_at_once: bool = False) -> str:
    """A shop page embedding the widget with one script tag. ``track_at_once``: the page tracks
    'Checkout Started' while it loads, before the widget has its configuration."""
    tag = f'<script src="{server}/w/widget.js" data-key="{key}" data-user-id="{user}"{"" if track_at_once else " async"}></script>'
    early = "<script>cxj.track('Checkout Started')</script>" if track_at_once else ""
    return (f'<!doctype html><html lang="en"><head><meta charset="utf-8"><title>shop</title></head><body>'
            f'<button id="pay" onclick="cxj.track(\'Checkout Started\')">Pay</button>{tag}{early}</body></html>')


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


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One Chromium for the module; each test opens its own contexts (separate cookies and storage)."""
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


def _answer_of(path: str) -> Any:
    return lambda r: r.url.split("?")[0].endswith(path) and r.request.method == "POST"


def test_widget_asks_after_its_trigger_stores_the_answer_records_dismissal_and_respects_fatigue(
        live_server: Any, site: dict[str, Any], browser: Any) -> None:
    # Synchronisation is on observable state only (cxj.ready, cxj.decisions, the widget's own HTTP answers,
    # the dialog appearing); the server answers /w/respond only after the rows are committed.
    ws = live_server.settings.workspace
    (ws / "surveys" / "widget-test.yaml").write_text(TEST_SURVEY, encoding="utf-8")
    (ws / "surveys" / "widget-url.yaml").write_text(SECOND_SURVEY, encoding="utf-8")
    site["pages"]["/alice"] = _page(live_server.url, live_server.write_key, "alice")
    site["pages"]["/bob"] = _page(live_server.url, live_server.write_key, "bob", track_at_once=True)
    site["pages"]["/page2"] = _page(live_server.url, live_server.write_key, "alice")

    ctx = browser.new_context()
    page = ctx.new_page()
    page.goto(site["url"] + "/alice")
    page.wait_for_function("window.cxj && window.cxj.ready")
    # Armed but not triggered: the server was never asked and nothing is shown.
    assert page.evaluate("cxj.decisions.length") == 0 and page.locator("[role=dialog]").count() == 0
    page.click("#pay")
    dialog = page.get_by_role("dialog", name="Checkout feedback")
    dialog.wait_for(timeout=10_000)
    assert page.evaluate("cxj.decisions") == [{"survey": "widget-test", "show": True, "reason": None}]
    page.keyboard.press("ArrowRight")  # keyboard: focus starts on the first score; arrows move within the radio group
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert page.evaluate("document.activeElement.value") == "4"
    page.get_by_label("Tell us more").fill("<b>bold</b> is fine")
    with page.expect_response(_answer_of("/w/respond")) as sent:
        dialog.get_by_role("button", name="Send").click()
    assert sent.value.json()["stored"] == 2
    page.get_by_role("status").wait_for(timeout=10_000)
    rows = _sql(live_server, "SELECT question_id, score, comment, person_id, touchpoint, channel FROM responses ORDER BY 1")
    assert rows == [("comment", None, "<b>bold</b> is fine", "alice", "checkout", "widget"),
                    ("csat", 4.0, None, "alice", "checkout", "widget")]

    # Another person (another browser) whose page tracks the event while the widget is still loading: the
    # event is kept until the triggers are armed. Bob dismisses with Escape: recorded, and remembered.
    bob_ctx = browser.new_context()
    bob = bob_ctx.new_page()
    bob.goto(site["url"] + "/bob")
    bob.get_by_role("dialog", name="Checkout feedback").wait_for(timeout=10_000)
    with bob.expect_response(_answer_of("/w/dismiss")) as gone:
        bob.keyboard.press("Escape")
    assert gone.value.json()["recorded"] == 1
    assert bob.locator("[role=dialog]").count() == 0
    assert bob.evaluate("localStorage.getItem('cxj_dis_widget-test') !== null")
    dismissed = _sql(live_server, "SELECT person_id, json_extract_string(properties, '$.survey_id') FROM events "
                                  "WHERE event = 'Survey Dismissed'")
    assert dismissed == [("bob", "widget-test")]
    bob_ctx.close()

    # Alice was asked moments ago: the fatigue cap stops the second survey (its URL trigger fires at once).
    p2 = ctx.new_page()
    p2.goto(site["url"] + "/page2")
    p2.wait_for_function("window.cxj && cxj.decisions.length > 0")
    assert p2.evaluate("cxj.decisions") == [{"survey": "widget-url", "show": False, "reason": "fatigue"}]
    assert p2.locator("[role=dialog]").count() == 0
    shown = _sql(live_server, "SELECT person_id, json_extract_string(properties, '$.survey_id') FROM events "
                              "WHERE event = 'Survey Shown' ORDER BY seq")
    assert shown == [("alice", "widget-test"), ("bob", "widget-test")]
    ctx.close()


EXIT_SURVEY = """\
id: widget-exit
name: {en: Before you go, pl: Zanim wyjdziesz}
touchpoint: browse
channels: [widget]
widget:
  triggers:
    - {exit_intent: true}
questions:
  - id: csat
    type: csat
    text: {en: How was your visit, pl: Jak minęła wizyta}
"""


def test_widget_waits_for_consent_and_fires_on_exit_intent(live_server: Any, site: dict[str, Any], browser: Any) -> None:
    (live_server.settings.workspace / "surveys" / "widget-exit.yaml").write_text(EXIT_SURVEY, encoding="utf-8")
    site["pages"]["/consent"] = (
        '<!doctype html><html lang="pl"><head><meta charset="utf-8"><title>shop</title></head><body><p>sklep</p>'
        f'<script src="{live_server.url}/w/widget.js" data-key="{live_server.write_key}" data-user-id="dana" '
        'data-require-consent="true"></script></body></html>')
    page = browser.new_page()
    page.goto(site["url"] + "/consent")
    page.wait_for_function("window.cxj && window.cxj.ready")
    # Without consent the widget does not even ask the server (checked synchronously: show() -> attempt()).
    assert page.evaluate("cxj.show('widget-exit'), cxj.decisions.length") == 0
    page.evaluate("cxj.consent(true)")
    page.dispatch_event("html", "mouseout", {"clientY": 0})  # the pointer leaves the window at the top
    dialog = page.get_by_role("dialog", name="Zanim wyjdziesz")  # Polish page, Polish texts
    dialog.wait_for(timeout=10_000)
    assert dialog.get_by_role("button", name="Wyślij").is_visible()
    assert page.evaluate("cxj.decisions") == [{"survey": "widget-exit", "show": True, "reason": None}]
    page.close()


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
