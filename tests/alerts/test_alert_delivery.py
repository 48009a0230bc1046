"""Delivery to a real webhook receiver and a real SMTP server on loopback; failures keep the alert."""

from __future__ import annotations

from typing import Any

from tests.alerts.conftest import NOW
from tests.conftest import free_port

from cxjourney.alerts import deliver_pending, run_check


def _delivery_state(store: Any) -> dict[int, tuple[Any, Any]]:
    rows = store.con.execute("SELECT alert_id, delivered_at, delivery_error FROM alerts ORDER BY alert_id").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def test_new_alerts_reach_the_webhook_and_the_mailbox_once(store: Any, settings: Any, receiver: Any, smtp_server: Any) -> None:
    box, port = smtp_server
    s = settings.model_copy(update={"alert_webhooks": [receiver.url], "alert_emails": ["cx@example.com"],
                                    "smtp_host": "127.0.0.1", "smtp_port": port, "smtp_from": "alerts@example.com"})
    out = run_check(store, s, now=NOW, deliver=True)
    assert out["delivery"]["delivered"] == 3 and out["delivery"]["failed"] == 0
    assert sorted(b["alert"]["kind"] for b in receiver.bodies) == ["detractor", "detractor", "score_drop"]
    body = next(b for b in receiver.bodies if b["alert"]["response_id"] == "r-neg")
    assert body["source"] == "cxjourney" and body["alert"]["person_id"] == "alice"
    assert body["alert"]["details"]["comment"].endswith("[PHONE]")
    assert len(box.messages) == 1
    rcpt, msg = box.messages[0]
    assert rcpt == ["cx@example.com"] and msg["Subject"] == "cxjourney: 3 new alert(s)"
    text = msg.get_payload(decode=True).decode()
    assert "NPS dropped at checkout" in text and "person alice" in text
    assert all(at is not None and err is None for at, err in _delivery_state(store).values())
    # Nothing new, nothing sent again.
    again = run_check(store, s, now=NOW, deliver=True)
    assert again["delivery"]["pending"] == 0 and len(receiver.bodies) == 3 and len(box.messages) == 1


def test_a_failing_webhook_keeps_the_alert_and_it_is_delivered_later(store: Any, settings: Any, receiver: Any) -> None:
    receiver.fail = True
    s = settings.model_copy(update={"alert_webhooks": [receiver.url]})
    out = run_check(store, s, now=NOW, deliver=True)
    assert out["created"] == {"score_drop": 1, "detractor": 2}
    assert out["delivery"]["failed"] == 3 and "HTTP 500" in out["delivery"]["errors"][0]
    state = _delivery_state(store)
    assert len(state) == 3 and all(at is None and "HTTP 500" in err for at, err in state.values())
    receiver.fail = False
    later = deliver_pending(store, s, now=NOW)
    assert later["delivered"] == 3 and len(receiver.bodies) == 3
    assert all(at is not None and err is None for at, err in _delivery_state(store).values())


def test_an_unreachable_webhook_and_smtp_server_are_recorded_not_raised(store: Any, settings: Any) -> None:
    dead = free_port()
    s = settings.model_copy(update={"alert_webhooks": [f"http://127.0.0.1:{dead}/hook"], "alert_emails": ["cx@example.com"],
                                    "smtp_host": "127.0.0.1", "smtp_port": dead})
    out = run_check(store, s, now=NOW, deliver=True)
    assert out["delivery"]["failed"] == 3
    errors = {err for _, err in _delivery_state(store).values()}
    assert len(errors) == 1 and "ConnectError" in next(iter(errors)) and "e-mail via 127.0.0.1" in next(iter(errors))


def test_without_channels_nothing_is_marked_delivered(store: Any, settings: Any) -> None:
    out = run_check(store, settings, now=NOW, deliver=True)
    assert out["delivery"]["pending"] == 3 and "no delivery channel" in out["delivery"]["message"]
    assert all(at is None for at, _ in _delivery_state(store).values())
    s = settings.model_copy(update={"alert_emails": ["cx@example.com"]})  # e-mail without smtp_host
    assert "smtp_host is not" in deliver_pending(store, s, now=NOW)["errors"][0]


def test_closed_alerts_are_not_delivered(store: Any, settings: Any, receiver: Any) -> None:
    from cxjourney.alerts import update_alert

    out = run_check(store, settings, now=NOW)
    update_alert(store, out["alerts"][0]["alert_id"], now=NOW, status="dismissed")
    res = deliver_pending(store, settings.model_copy(update={"alert_webhooks": [receiver.url]}), now=NOW)
    assert res["delivered"] == 2 and len(receiver.bodies) == 2
