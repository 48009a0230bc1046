"""One alert check: run both detectors as of ``now``, store what is new (de-duplicated), optionally deliver."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from cxjourney.alerts.detect import local_today, negative_detractors, score_drops, windows
from cxjourney.alerts.repo import get_alerts, insert_alerts
from cxjourney.query import QueryContext


def run_check(store: Any, settings: Any, *, now: datetime, workspace: Any = None, deliver: bool = False,
              analyzer: Any = None) -> dict[str, Any]:
    """Detect, store and (with ``deliver``) send alerts. Running it again as of the same time creates nothing."""
    ctx = QueryContext(store, settings, now, workspace)
    with store.lock:
        candidates = score_drops(ctx) + negative_detractors(ctx, analyzer)
        created = insert_alerts(store, candidates, now=now)
        rows = get_alerts(store, created)
    w = windows(local_today(now, settings.timezone), settings.alert_window_days, settings.alert_baseline_days)
    out: dict[str, Any] = {
        "checked_at": now.isoformat(),
        "current_window": f"{w['b_from']}..{w['b_to']}",
        "baseline_window": f"{w['a_from']}..{w['a_to']}",
        "found": {k: sum(1 for c in candidates if c["kind"] == k) for k in ("score_drop", "detractor")},
        "created": {k: sum(1 for r in rows if r["kind"] == k) for k in ("score_drop", "detractor")},
        "alerts": rows,
    }
    if deliver:
        from cxjourney.alerts.deliver import deliver_pending

        out["delivery"] = deliver_pending(store, settings, now=now)
    return out
