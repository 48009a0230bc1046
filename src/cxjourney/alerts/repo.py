"""The ``alerts`` table: insert de-duplicated alerts, move a case through its lifecycle, record delivery.

Lifecycle: ``open`` -> ``contacted`` -> ``resolved`` or ``dismissed``; an open alert may also be dismissed, an
open drop alert resolved, and a closed one reopened. A detractor case cannot be resolved without first being
contacted, because the closed-loop figures (share followed up, recovery rate) count contacts.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from cxjourney.errors import NotFound, ValidationFailed

STATUSES = ("open", "contacted", "resolved", "dismissed")
KINDS = ("score_drop", "detractor")
TRANSITIONS: dict[str, tuple[str, ...]] = {
    "open": ("contacted", "resolved", "dismissed"),
    "contacted": ("resolved", "dismissed"),
    "resolved": ("open",),
    "dismissed": ("open",),
}
COLUMNS = ("alert_id", "kind", "dedupe_key", "created_at", "title", "details", "person_id", "response_id",
           "touchpoint", "status", "assignee", "note", "updated_at", "contacted_at", "closed_at", "delivered_at",
           "delivery_error")


def _json_default(o: Any) -> Any:
    if isinstance(o, (datetime, date)):
        return o.isoformat()
    if hasattr(o, "item"):
        return o.item()
    return str(o)


def insert_alerts(store: Any, candidates: list[dict[str, Any]], *, now: datetime) -> list[int]:
    """Insert each candidate unless an alert with its ``dedupe_key`` exists; returns the new alert ids."""
    new: list[int] = []
    if not candidates:
        return new
    con = store.con
    with store.lock:
        con.execute("BEGIN TRANSACTION")
        try:
            for c in candidates:
                rows = con.execute(
                    "INSERT INTO alerts (kind, dedupe_key, created_at, title, details, person_id, response_id, "
                    "touchpoint, status, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, 'open', ?) "
                    "ON CONFLICT DO NOTHING RETURNING alert_id",
                    [c["kind"], c["dedupe_key"], now, c["title"], json.dumps(c.get("details") or {}, default=_json_default),
                     c.get("person_id"), c.get("response_id"), c.get("touchpoint"), now],
                ).fetchall()
                new.extend(int(r[0]) for r in rows)
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
    return new


def _record(cols: tuple[str, ...], row: tuple[Any, ...]) -> dict[str, Any]:
    out = dict(zip(cols, row, strict=True))
    if isinstance(out.get("details"), str):
        out["details"] = json.loads(out["details"])
    return out


def get_alerts(store: Any, ids: list[int]) -> list[dict[str, Any]]:
    """The alerts with these ids, in id order."""
    if not ids:
        return []
    with store.lock:
        rows = store.con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM alerts WHERE alert_id IN (SELECT unnest(?)) ORDER BY alert_id", [ids]
        ).fetchall()
    return [_record(COLUMNS, r) for r in rows]


def get_alert(store: Any, alert_id: int) -> dict[str, Any]:
    found = get_alerts(store, [alert_id])
    if not found:
        raise NotFound(f"no alert {alert_id}", errors=[{"field": "alert_id", "value": alert_id, "message": "no such alert"}])
    return found[0]


def update_alert(store: Any, alert_id: int, *, now: datetime, status: str | None = None,
                 assignee: str | None = None, note: str | None = None) -> dict[str, Any]:
    """Change an alert's status (checked against the lifecycle), assignee and/or note; returns the alert."""
    if status is None and assignee is None and note is None:
        raise ValidationFailed("nothing to change: give a status, an assignee or a note",
                               errors=[{"field": "status", "message": "give status, assignee or note"}])
    if status is not None and status not in STATUSES:
        raise ValidationFailed(f"unknown status {status!r}",
                               errors=[{"field": "status", "value": status, "message": f"one of {', '.join(STATUSES)}"}])
    with store.lock:
        cur = get_alert(store, alert_id)
        sets: dict[str, Any] = {"updated_at": now}
        if status is not None and status != cur["status"]:
            allowed = TRANSITIONS[cur["status"]]
            if status not in allowed or (cur["kind"] == "detractor" and cur["status"] == "open" and status == "resolved"):
                hint = "a detractor case is marked contacted before it is resolved" if status == "resolved" else \
                    f"from {cur['status']} an alert can go to {', '.join(allowed)}"
                raise ValidationFailed(f"alert {alert_id} cannot go from {cur['status']} to {status}",
                                       errors=[{"field": "status", "value": status, "message": hint}])
            sets["status"] = status
            if status == "contacted" and cur["contacted_at"] is None:
                sets["contacted_at"] = now
            sets["closed_at"] = now if status in ("resolved", "dismissed") else None
        if assignee is not None:
            sets["assignee"] = assignee or None
        if note is not None:
            sets["note"] = note or None
        store.con.execute(f"UPDATE alerts SET {', '.join(f'{k} = ?' for k in sets)} WHERE alert_id = ?",
                          [*sets.values(), alert_id])
        return get_alert(store, alert_id)


def pending_delivery(store: Any, limit: int = 500) -> list[dict[str, Any]]:
    """Open alerts not delivered yet (new ones and those whose delivery failed), oldest first."""
    with store.lock:
        rows = store.con.execute(
            f"SELECT {', '.join(COLUMNS)} FROM alerts WHERE delivered_at IS NULL AND status = 'open' "
            "ORDER BY alert_id LIMIT ?", [limit]
        ).fetchall()
    return [_record(COLUMNS, r) for r in rows]


def record_delivery(store: Any, results: dict[int, str | None], *, now: datetime) -> None:
    """``results``: alert id -> None (delivered) or the error message (kept; retried at the next delivery)."""
    if not results:
        return
    con = store.con
    with store.lock:
        con.execute("BEGIN TRANSACTION")
        try:
            for alert_id, error in results.items():
                if error is None:
                    con.execute("UPDATE alerts SET delivered_at = ?, delivery_error = NULL WHERE alert_id = ?", [now, alert_id])
                else:
                    con.execute("UPDATE alerts SET delivery_error = ? WHERE alert_id = ?", [error[:2000], alert_id])
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
