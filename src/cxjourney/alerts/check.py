"""One alert check: run both detectors as of ``now``, store what is new (de-duplicated), optionally deliver."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from cxjourney.alerts.detect import local_today, negative_detractors, score_drops, windows
from cxjourney.alerts.repo import get_alerts, insert_alerts
from cxjourney.query import QueryContext


def run_check(store: Any, settings: Any, *, now: datetime, workspace: Any = None, deliver: bool = False,
              analyzer: Any = None) -> dict[str, Any]:
    """Detect, store and (with ``deliver``) send alerts. Running it again as of the same time creates nothing."""
    ctx = QueryContext(store, settings, now, workspace)
    with store.lock:
        found = score_drops(ctx)
        # A lasting drop alerts again only once a window has passed since its last alert.
        drops = [c for c in found if not _alerted_recently(store, c, now, settings.alert_window_days)]
        cases = negative_detractors(ctx, analyzer)
        candidates = drops + cases
        created = insert_alerts(store, candidates, now=now)
        rows = get_alerts(store, created)
    w = windows(local_today(now, settings.timezone), settings.alert_window_days, settings.alert_baseline_days)
    out: dict[str, Any] = {
        "checked_at": now.isoformat(),
        "current_window": f"{w['b_from']}..{w['b_to']}",
        "baseline_window": f"{w['a_from']}..{w['a_to']}",
        "found": {"score_drop": len(found), "detractor": len(cases)},
        "created": {k: sum(1 for r in rows if r["kind"] == k) for k in ("score_drop", "detractor")},
        "alerts": rows,
    }
    if deliver:
        from cxjourney.alerts.deliver import deliver_pending

        out["delivery"] = deliver_pending(store, settings, now=now)
    return out


def _alerted_recently(store: Any, drop: dict[str, Any], now: datetime, window_days: int) -> bool:
    """A lasting drop alerts once per window: is there a drop alert for the same metric and touchpoint created
    in the ``window_days`` days before ``now``?"""
    rows = store.con.execute(
        "SELECT count(*) FROM alerts WHERE kind = 'score_drop' AND json_extract_string(details, '$.metric') = ? "
        "AND touchpoint IS NOT DISTINCT FROM ? AND created_at > ? AND created_at <= ? AND dedupe_key <> ?",
        [drop["details"]["metric"], drop.get("touchpoint"), now - timedelta(days=window_days), now, drop["dedupe_key"]],
    ).fetchall()
    return bool(rows[0][0])
