"""A small real workspace for the dashboard: survey answers imported from CSV, events posted through the
real collection API to a real server on 127.0.0.1, and three users (admin, analyst, agent)."""

from __future__ import annotations

import csv
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

PASSWORD = "correct-horse-1"
USERS = {"ada": "admin", "olga": "analyst", "adam": "agent"}
XSS_COMMENT = 'Great <script>window.__xss=1</script> shop <img src=x onerror="window.__xss=2"> contact me at jan.kowalski@example.com'
DETRACTOR_PII_COMMENT = "Delivery was late and nobody answered, write to ewa.nowak@example.com"  # u6's NPS 3
BASE = datetime(2026, 10, 1, 9, 0, 0)


@dataclass
class DashServer:
    url: str
    settings: Any
    app: Any
    write_key: str
    admin_token: str
    server: Any
    thread: Any

    def login(self, username: str, **kw: Any) -> httpx.Client:
        with httpx.Client(base_url=self.url, timeout=60) as first:
            r = first.post("/dashboard/login", data={"username": username, "password": PASSWORD, "next": "/dashboard/"})
            assert r.status_code == 303, r.text
            cookie = first.cookies["cxj_session"]
        return httpx.Client(base_url=self.url, timeout=60, cookies={"cxj_session": cookie}, **kw)

    def post_events(self, batch: list[dict[str, Any]]) -> None:
        with httpx.Client(base_url=self.url, timeout=60, auth=(self.write_key, "")) as c:
            for i in range(0, len(batch), 200):
                r = c.post("/v1/batch", json={"batch": batch[i:i + 200]})
                assert r.status_code == 200, r.text


def _responses_csv(path: Path) -> None:
    rows = []
    for i in range(60):  # 60 NPS answers: enough for an interval
        score = [10, 9, 9, 8, 7, 10, 3, 6, 9, 10][i % 10]
        comment = XSS_COMMENT if i == 0 else DETRACTOR_PII_COMMENT if i == 6 else (
            "Fast delivery, friendly staff" if score >= 9 else "Delivery was late" if score <= 6 else "")
        rows.append({"response_id": f"r{i}", "user_id": f"u{i % 40}", "survey_id": "post-purchase-nps", "question_id": "nps",
                     "score": score, "comment": comment, "touchpoint": "order", "journey": "online-store", "stage": "purchase",
                     "channel": "web", "timestamp": (BASE + timedelta(days=i % 28, hours=i)).isoformat()})
    for i in range(8):  # a handful of CSAT answers: too few, must show the flag
        rows.append({"response_id": f"c{i}", "user_id": f"u{i}", "survey_id": "delivery-csat", "question_id": "csat",
                     "score": 4 + (i % 2), "comment": "", "touchpoint": "delivery", "journey": "online-store", "stage": "retention",
                     "channel": "email", "timestamp": (BASE + timedelta(days=i)).isoformat()})
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)


def demo_events(n_people: int = 40) -> list[dict[str, Any]]:
    ev: list[dict[str, Any]] = []
    for p in range(n_people):
        uid = f"u{p}"
        t = BASE + timedelta(days=p % 28, minutes=p)

        def add(kind: str, dt: int, uid: str = uid, t: datetime = t, **kw: Any) -> None:
            ev.append({"type": kind, "userId": uid, "timestamp": (t + timedelta(minutes=dt)).isoformat() + "Z",
                       "messageId": f"m-{uid}-{len(ev)}", **kw})

        add("identify", 0, traits={"email": f"{uid}@example.com", "plan": "gold" if p % 4 == 0 else "basic", "city": "Kraków" if p % 2 else "Gdańsk"})
        add("page", 1, name="Home", properties={"path": "/", "url": "https://shop.example/"}, context={"page": {"path": "/", "url": "https://shop.example/"}})
        add("track", 2, event="Product Viewed", properties={"product_id": f"p{p % 5}"})
        if p % 2 == 0:
            add("track", 3, event="Product Added", properties={"product_id": f"p{p % 5}"})
        if p % 3 == 0:
            add("track", 4, event="Checkout Started")
        if p % 4 == 0:
            add("track", 5, event="Order Completed", properties={"order_id": f"o{p}", "revenue": 100.0 + p, "currency": "PLN"})
        if p % 5 == 0:
            add("track", 60, event="Ticket Created", properties={"ticket_id": f"t{p}", "subject": "Where is my parcel?"})
    return ev


def _start(ws: Path) -> DashServer:
    import uvicorn

    from cxjourney.api.app import create_app
    from cxjourney.config import load_settings
    from cxjourney.security.keys import create_key
    from cxjourney.storage import connect

    with __import__("socket").socket() as s:
        s.bind(("127.0.0.1", 0))
        port = int(s.getsockname()[1])
    settings = load_settings(ws, port=port)
    with connect(settings) as st:
        wk = create_key(st, "write", name="test")
        tok = create_key(st, "token", role="admin", name="test")
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="on"))
    th = threading.Thread(target=server.run, daemon=True)
    th.start()
    deadline = time.time() + 30
    while not server.started:
        if time.time() > deadline or not th.is_alive():
            raise RuntimeError("test server did not start")
        time.sleep(0.02)
    return DashServer(f"http://127.0.0.1:{port}", settings, app, wk, tok, server, th)


def build_workspace(root: Path) -> Path:
    """Workspace with users and imported survey answers (before the server owns the file)."""
    from cxjourney.config import load_settings
    from cxjourney.ingest.importer import import_file
    from cxjourney.security.keys import add_user
    from cxjourney.storage import connect
    from cxjourney.workspace import init_workspace

    init_workspace(root)
    csv_path = root / "answers.csv"
    _responses_csv(csv_path)
    with connect(load_settings(root)) as st:
        for name, role in USERS.items():
            add_user(st, name, role, PASSWORD)
        rep_nps = import_file(st, "responses", csv_path, now=BASE + timedelta(days=40))
        assert rep_nps.accepted >= 60, rep_nps
    return root


@contextmanager
def running_dash(ws_dir: Path) -> Iterator[DashServer]:
    """The real server over a small workspace built in ``ws_dir`` and fed the demo events."""
    srv = _start(build_workspace(ws_dir))
    srv.post_events(demo_events())
    try:
        yield srv
    finally:
        srv.server.should_exit = True
        srv.thread.join(timeout=30)


@pytest.fixture(scope="session")
def dash(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashServer]:
    """A running server over a small workspace, shared by the dashboard and browser tests (read-mostly)."""
    with running_dash(tmp_path_factory.mktemp("dash") / "ws") as srv:
        yield srv


@pytest.fixture(scope="session")
def dash_alerts(dash: DashServer) -> dict[str, Any]:
    """The alert check run once on the shared server's store (as of 31 days after the first answer): the
    detractors with a negative comment become open cases. Returns the check's answer."""
    from cxjourney.alerts import run_check

    st = dash.app.state
    return run_check(st.store, st.settings, now=BASE + timedelta(days=31), workspace=st.workspace)


@pytest.fixture(scope="session")
def password() -> str:
    return PASSWORD


@pytest.fixture(scope="session")
def make_workspace() -> Any:
    """build_workspace: a small workspace with the three users, for tests that run their own server."""
    return build_workspace
