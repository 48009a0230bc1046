"""Delivery of open, undelivered alerts: a JSON POST per alert to each ``alert_webhooks`` URL, and one e-mail
digest to ``alert_emails`` through ``smtp_host``. An alert is marked delivered only when every configured
channel took it; otherwise its ``delivery_error`` says why and the next delivery tries again (at least once:
a receiver can de-duplicate on ``alert_id`` / ``dedupe_key``). A failing channel never loses the alert.
"""

from __future__ import annotations

import json
import smtplib
from datetime import datetime
from email.message import EmailMessage
from typing import Any

import httpx

from cxjourney import __version__
from cxjourney.alerts.repo import _json_default, pending_delivery, record_delivery

WEBHOOK_TIMEOUT = 10.0
SMTP_TIMEOUT = 15.0


def payload(alert: dict[str, Any]) -> dict[str, Any]:
    """The JSON body POSTed to a webhook."""
    body = {k: v for k, v in alert.items() if k not in ("delivered_at", "delivery_error")}
    return json.loads(json.dumps({"source": "cxjourney", "version": __version__, "alert": body}, default=_json_default))


def _post_all(url: str, alerts: list[dict[str, Any]], errors: dict[int, list[str]]) -> None:
    with httpx.Client(timeout=WEBHOOK_TIMEOUT) as client:
        for i, a in enumerate(alerts):
            try:
                r = client.post(url, json=payload(a), headers={"User-Agent": f"cxjourney/{__version__}"})
                if r.status_code >= 300:
                    errors[a["alert_id"]].append(f"webhook {url}: HTTP {r.status_code}")
            except httpx.HTTPError as exc:
                # The receiver is unreachable: the rest would fail the same way, so record it for all of them.
                for b in alerts[i:]:
                    errors[b["alert_id"]].append(f"webhook {url}: {type(exc).__name__}: {exc}")
                return


def digest(alerts: list[dict[str, Any]], settings: Any) -> EmailMessage:
    msg = EmailMessage()
    msg["Subject"] = f"cxjourney: {len(alerts)} new alert(s)"
    msg["From"] = settings.smtp_from
    msg["To"] = ", ".join(settings.alert_emails)
    lines = [f"{len(alerts)} new alert(s) in the cxjourney workspace {settings.workspace}:", ""]
    for a in alerts:
        lines.append(f"#{a['alert_id']} [{a['kind']}] {a['title']}")
        d = a.get("details") or {}
        if a.get("person_id"):
            lines.append(f"    person {a['person_id']}, response {a.get('response_id')}")
        if d.get("comment"):
            lines.append(f"    comment: {d['comment']}")
        lines.append("")
    lines.append("Follow up: cxjourney alerts update ID --status contacted --note '...'")
    msg.set_content("\n".join(lines))
    return msg


def _email(alerts: list[dict[str, Any]], settings: Any, errors: dict[int, list[str]]) -> None:
    if not settings.smtp_host:
        for a in alerts:
            errors[a["alert_id"]].append("e-mail: alert_emails is set but smtp_host is not")
        return
    try:
        with smtplib.SMTP(settings.smtp_host, settings.smtp_port, timeout=SMTP_TIMEOUT) as smtp:
            smtp.send_message(digest(alerts, settings))
    except (smtplib.SMTPException, OSError) as exc:
        for a in alerts:
            errors[a["alert_id"]].append(f"e-mail via {settings.smtp_host}:{settings.smtp_port}: {type(exc).__name__}: {exc}")


def deliver_pending(store: Any, settings: Any, *, now: datetime, limit: int = 500) -> dict[str, Any]:
    """Send every open, undelivered alert through the configured channels and record the outcome."""
    alerts = pending_delivery(store, limit)
    channels = [f"webhook {u}" for u in settings.alert_webhooks] + (["e-mail"] if settings.alert_emails else [])
    out: dict[str, Any] = {"pending": len(alerts), "channels": channels, "delivered": 0, "failed": 0, "errors": []}
    if not alerts:
        return out
    if not channels:
        out["message"] = "no delivery channel configured (settings alert_webhooks, alert_emails)"
        return out
    errors: dict[int, list[str]] = {a["alert_id"]: [] for a in alerts}
    for url in settings.alert_webhooks:
        _post_all(url, alerts, errors)
    if settings.alert_emails:
        _email(alerts, settings, errors)
    results = {i: ("; ".join(e) if e else None) for i, e in errors.items()}
    record_delivery(store, results, now=now)
    out["delivered"] = sum(1 for e in results.values() if e is None)
    out["failed"] = len(results) - out["delivered"]
    out["errors"] = sorted({m for e in errors.values() for m in e})[:20]
    return out
