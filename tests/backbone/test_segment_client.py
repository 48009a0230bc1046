"""Done-when: the official Segment Python client (segment-analytics-python), unchanged, sends track, page,
identify, alias, group and screen calls to a real cxjourney server, and every event is stored exactly once,
also when the client retries the same batch after the first attempt was committed but never answered."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import orjson
import pytest

analytics = pytest.importorskip("segment.analytics", reason="segment-analytics-python (dev dependency) is not installed")


def _send_all_calls(client: Any, tag: str) -> list[str]:
    ids = [f"{tag}-{k}" for k in ("track", "page", "identify", "alias", "group", "screen")]
    client.track(user_id="sdk-user", event="Order Completed", properties={"order_id": f"{tag}-o1", "revenue": 42.5},
                 message_id=ids[0])
    client.page(anonymous_id="sdk-anon", name="Home", properties={"url": "https://shop.example/"}, message_id=ids[1])
    client.identify(user_id="sdk-user", anonymous_id="sdk-anon", traits={"email": "sdk@example.com"}, message_id=ids[2])
    client.alias(previous_id="sdk-old", user_id="sdk-user", message_id=ids[3])
    client.group(user_id="sdk-user", group_id="acme", traits={"plan": "pro"}, message_id=ids[4])
    client.screen(user_id="sdk-user", name="Checkout", message_id=ids[5])
    return ids


def _counts(live: Any, ids: list[str]) -> dict[str, int]:
    st = live.app.state.store
    with st.lock:
        rows = st.con.execute(
            "SELECT message_id, count(*) FROM events WHERE message_id IN (SELECT unnest(?)) GROUP BY 1", [ids]
        ).fetchall()
    return dict(rows)


def test_official_segment_client_events_are_stored_once_each(live_server: Any) -> None:
    errors: list[Any] = []
    client = analytics.Client(live_server.write_key, host=live_server.url, sync_mode=True,
                              on_error=lambda e, batch: errors.append(e))
    ids = _send_all_calls(client, "sync")
    assert errors == []
    assert _counts(live_server, ids) == {i: 1 for i in ids}
    # the stitched person sees all of it under one id
    st = live_server.app.state.store
    with st.lock:
        persons = st.con.execute("SELECT DISTINCT person_id FROM events WHERE message_id LIKE 'sync-%'").fetchall()
    assert persons == [("sdk-user",)]


class _FlakyProxy:
    """Loopback proxy in front of the server. The first ``failures`` requests are forwarded (so the server
    commits them) and then the client gets no usable answer: a 503, or the connection dropped."""

    def __init__(self, upstream: str, failures: int, mode: str):
        self.upstream = upstream
        self.failures = failures
        self.mode = mode
        self.attempts: list[list[str]] = []
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with proxy.lock:
                    proxy.attempts.append([e.get("messageId") for e in orjson.loads(body).get("batch", [])])
                    fail = len(proxy.attempts) <= proxy.failures
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type", "content-encoding")}
                r = httpx.post(proxy.upstream + self.path, content=body, headers=headers, timeout=30)
                if fail and proxy.mode == "drop":
                    self.close_connection = True
                    self.connection.shutdown(2)  # committed upstream, but the client never hears back
                    return
                status, data = (503, b'{"ok": false}') if fail else (r.status_code, r.content)
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> _FlakyProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.mark.parametrize("mode", ["503", "drop"])
def test_segment_client_retry_after_a_lost_answer_stores_nothing_twice(mode: str, live_server: Any) -> None:
    with _FlakyProxy(live_server.url, failures=2, mode=mode) as proxy:
        errors: list[Any] = []
        client = analytics.Client(live_server.write_key, host=proxy.url, max_retries=5, upload_interval=0.05,
                                  upload_size=100, on_error=lambda e, batch: errors.append(e))
        ids = _send_all_calls(client, f"retry-{mode}")
        client.flush()
        client.join()
    assert errors == []
    # The client really retried: the same messageIds went out more than once (the first attempts were committed).
    sent = [mid for attempt in proxy.attempts for mid in attempt]
    assert len(proxy.attempts) >= 3
    assert all(sent.count(i) >= 2 for i in ids if i in proxy.attempts[0])
    assert set(sent) == set(ids)
    assert _counts(live_server, ids) == {i: 1 for i in ids}
