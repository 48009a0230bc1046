"""A crash (kill -9) of the server never loses an event whose request was answered 200."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import httpx
import pytest

from tests.backbone.conftest import start_server_process


@pytest.mark.slow
def test_kill_9_mid_stream_loses_no_acknowledged_event(workspace: Path) -> None:
    sp = start_server_process(workspace)
    acked: list[str] = []
    sent = 0
    lock = threading.Lock()
    stop = threading.Event()

    def hammer(worker: int) -> None:
        nonlocal sent
        n = 0
        with httpx.Client(base_url=sp.url, auth=(sp.write_key, ""), timeout=10) as c:
            while not stop.is_set():
                ids = [f"w{worker}-{n}-{j}" for j in range(25)]
                n += 1
                body = {"batch": [{"type": "track", "userId": f"u{worker}", "event": "Product Viewed", "messageId": m} for m in ids]}
                with lock:
                    sent += len(ids)
                try:
                    r = c.post("/v1/batch", json=body)
                except httpx.HTTPError:
                    continue  # no answer: these may or may not be stored; nobody was told "ok"
                if r.status_code == 200:
                    with lock:
                        acked.extend(ids)

    threads = [threading.Thread(target=hammer, args=(i,), daemon=True) for i in range(6)]
    try:
        for t in threads:
            t.start()
        deadline = time.time() + 30
        while len(acked) < 1500 and time.time() < deadline:
            time.sleep(0.05)
        sp.kill9()  # mid-stream: requests are in flight
    finally:
        stop.set()
        for t in threads:
            t.join(timeout=30)
        sp.stop()
    assert len(acked) >= 500, "the server acknowledged too little before the crash to prove anything"
    assert sent > len(acked), "the crash was not mid-stream"

    from cxjourney.config import load_settings
    from cxjourney.storage import connect

    with connect(load_settings(workspace), read_only=True) as st:  # replays the WAL like any restart
        stored = {r[0] for r in st.con.execute("SELECT message_id FROM events").fetchall()}
        dups = st.con.execute("SELECT count(*) - count(DISTINCT message_id) FROM events").fetchone()[0]
    lost = [m for m in acked if m not in stored]
    assert lost == [], f"{len(lost)} acknowledged events lost, e.g. {lost[:5]}"
    assert dups == 0
