"""Small, hand-built survey data for the alert tests, with a known drop, stable touchpoints, and detractors
with negative, positive and not-yet-analysed comments; plus a real webhook receiver and SMTP server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

NOW = datetime(2026, 6, 30, 12, 0)  # window 2026-06-24..06-30, baseline 2026-05-27..06-23


COLS = ["response_id", "question_id", "survey_id", "kind", "score", "comment", "person_id", "touchpoint", "timestamp", "received_at"]


def add_answer(con: Any, rid: str, *, kind: str, score: float | None, person: str, touchpoint: str, ts: datetime,
               question: str | None = None, comment: str | None = None, survey: str = "s") -> None:
    """Append one answer; ``con`` is a DuckDB connection, or a list collecting rows for :func:`flush`."""
    row = [rid, question or kind, survey, kind, score, comment, person, touchpoint, ts, ts]
    if isinstance(con, list):
        con.append(row)
    else:
        con.execute(f"INSERT INTO responses ({', '.join(COLS)}) VALUES ({', '.join('?' * len(COLS))})", row)


def flush(con: Any, rows: list[list[Any]]) -> None:
    import pandas as pd

    df = pd.DataFrame(rows, columns=COLS).astype({"score": "float64"})
    con.register("_alert_test_rows", df)
    con.execute(f"INSERT INTO responses ({', '.join(COLS)}) SELECT {', '.join(COLS)} FROM _alert_test_rows")
    con.unregister("_alert_test_rows")


def add_analysis(con: Any, rid: str, question: str, *, sentiment: float, label: str, comment: str) -> None:
    con.execute("INSERT INTO comment_analysis VALUES (?, ?, 'en', ?, ?, NULL, ?, 'test', ?)",
                [rid, question, sentiment, label, comment, NOW])


def build(db: Any, now: datetime = NOW) -> None:
    """checkout: NPS falls from about +60 (120 answers) to about -40 (60 answers) in the current window;
    delivery: NPS steady; tiny: a steep fall on 5 + 5 answers (too few to alert); csat at delivery steady."""
    con: list[list[Any]] = []
    base0, cur0 = now - timedelta(days=33), now - timedelta(days=5)
    for i in range(120):  # baseline at checkout: 80 promoters, 30 passives, 10 detractors
        s = 10 if i < 80 else 8 if i < 110 else 3
        add_answer(con, f"cb{i}", kind="nps", score=s, person=f"pb{i}", touchpoint="checkout", ts=base0 + timedelta(hours=5 * i))
    for i in range(60):  # current at checkout: 10 promoters, 16 passives, 34 detractors
        s = 9 if i < 10 else 7 if i < 26 else 4
        add_answer(con, f"cc{i}", kind="nps", score=s, person=f"pc{i}", touchpoint="checkout", ts=cur0 + timedelta(hours=2 * i))
    for i in range(100):
        add_answer(con, f"db{i}", kind="nps", score=[10, 9, 8, 5][i % 4], person=f"qb{i}", touchpoint="delivery",
                   ts=base0 + timedelta(hours=6 * i))
        add_answer(con, f"dsb{i}", kind="csat", score=[5, 4, 4, 2][i % 4], person=f"qb{i}", touchpoint="delivery",
                   ts=base0 + timedelta(hours=6 * i))
    for i in range(50):
        add_answer(con, f"dc{i}", kind="nps", score=[10, 9, 8, 5][i % 4], person=f"qc{i}", touchpoint="delivery",
                   ts=cur0 + timedelta(hours=2 * i))
        add_answer(con, f"dsc{i}", kind="csat", score=[5, 4, 4, 2][i % 4], person=f"qc{i}", touchpoint="delivery",
                   ts=cur0 + timedelta(hours=2 * i))
    for i in range(5):
        add_answer(con, f"tb{i}", kind="nps", score=10, person=f"tb{i}", touchpoint="tiny", ts=base0 + timedelta(days=i))
        add_answer(con, f"tc{i}", kind="nps", score=0, person=f"tc{i}", touchpoint="tiny", ts=cur0 + timedelta(hours=i))
    # Detractors with comments (the comment is a separate text answer of the same response, as surveys store it).
    day = now - timedelta(days=2)
    add_answer(con, "r-neg", kind="nps", score=2, person="alice", touchpoint="support", ts=day)
    add_answer(con, "r-neg", kind="text", score=None, person="alice", touchpoint="support", ts=day, question="comment",
               comment="Nobody answered my ticket for a week, call me on 600 100 200")
    add_analysis(db, "r-neg", "comment", sentiment=-0.8, label="negative", comment="Nobody answered my ticket for a week, call me on [PHONE]")
    add_answer(con, "r-pos", kind="nps", score=5, person="bob", touchpoint="support", ts=day, question="nps",
               comment="Great service, thank you, very helpful staff")
    add_analysis(db, "r-pos", "nps", sentiment=0.9, label="positive", comment="Great service, thank you, very helpful staff")
    add_answer(con, "r-new", kind="nps", score=1, person="carol", touchpoint="support", ts=day, question="nps",
               comment="Terrible experience, the worst shop ever, I am very angry and disappointed")
    add_answer(con, "r-old", kind="nps", score=0, person="dave", touchpoint="support", ts=now - timedelta(days=60),
               comment="Terrible, awful, worst ever")
    add_answer(con, "r-promoter", kind="nps", score=9, person="erin", touchpoint="support", ts=day,
               comment="Terrible delivery but I still love you")
    add_answer(con, "r-future", kind="nps", score=0, person="fred", touchpoint="support", ts=now + timedelta(days=1),
               comment="Terrible, awful, worst ever")
    flush(db, con)


@pytest.fixture
def store() -> Iterator[Any]:
    from cxjourney.storage import memory_store

    st = memory_store()
    build(st.con)
    yield st
    st.close()


@pytest.fixture
def settings(tmp_path: Any) -> Any:
    from cxjourney.config import Settings

    return Settings(workspace=tmp_path)


class Receiver:
    """A real HTTP server on 127.0.0.1 collecting POSTed JSON bodies; ``fail`` makes it answer 500."""

    def __init__(self) -> None:
        self.bodies: list[dict[str, Any]] = []
        self.fail = False
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's naming
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                if outer.fail:
                    self.send_response(500)
                else:
                    outer.bodies.append(json.loads(raw))
                    self.send_response(204)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


class Mailbox:
    def __init__(self) -> None:
        self.messages: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd hook name
        from email import message_from_bytes

        self.messages.append((envelope.rcpt_tos, message_from_bytes(envelope.content)))
        return "250 OK"


@pytest.fixture
def smtp_server() -> Iterator[tuple[Mailbox, int]]:
    """A real SMTP server (aiosmtpd) on loopback."""
    from aiosmtpd.controller import Controller
    from tests.conftest import free_port

    box = Mailbox()
    port = free_port()
    ctl = Controller(box, hostname="127.0.0.1", port=port)
    ctl.start()
    yield box, port
    ctl.stop()
