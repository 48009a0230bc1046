"""The case lifecycle and the closed-loop figures: followed-up share, time to first contact, recovery rate."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from tests.alerts.conftest import NOW, add_answer

from cxjourney.alerts import run_check, update_alert
from cxjourney.alerts.loop import median_interval
from cxjourney.errors import NotFound, ValidationFailed
from cxjourney.metrics.stats import wilson
from cxjourney.query import QueryContext, run_query


def _case(store: Any, settings: Any, response_id: str) -> dict[str, Any]:
    out = run_check(store, settings, now=NOW)
    return next(a for a in out["alerts"] if a["response_id"] == response_id)


def test_a_case_goes_open_contacted_resolved_with_its_times(store: Any, settings: Any) -> None:
    case = _case(store, settings, "r-neg")
    t1, t2 = NOW + timedelta(hours=4), NOW + timedelta(days=2)
    a = update_alert(store, case["alert_id"], now=t1, status="contacted", assignee="ania", note="called, apologised")
    assert (a["status"], a["assignee"], a["note"], a["contacted_at"], a["closed_at"]) == ("contacted", "ania", "called, apologised", t1, None)
    a = update_alert(store, case["alert_id"], now=t2, status="resolved")
    assert (a["status"], a["contacted_at"], a["closed_at"], a["assignee"]) == ("resolved", t1, t2, "ania")
    a = update_alert(store, case["alert_id"], now=t2 + timedelta(hours=1), status="open")
    assert a["closed_at"] is None and a["contacted_at"] == t1  # reopened: the first contact stays recorded


def test_a_detractor_case_cannot_be_resolved_without_a_contact(store: Any, settings: Any) -> None:
    case = _case(store, settings, "r-neg")
    with pytest.raises(ValidationFailed) as exc:
        update_alert(store, case["alert_id"], now=NOW, status="resolved")
    assert exc.value.errors[0]["field"] == "status"
    assert update_alert(store, case["alert_id"], now=NOW, status="dismissed")["status"] == "dismissed"


def test_a_drop_alert_can_be_resolved_directly_and_unknown_ids_are_named(store: Any, settings: Any) -> None:
    out = run_check(store, settings, now=NOW)
    drop = next(a for a in out["alerts"] if a["kind"] == "score_drop")
    assert update_alert(store, drop["alert_id"], now=NOW, status="resolved")["status"] == "resolved"
    with pytest.raises(NotFound, match="no alert 999"):
        update_alert(store, 999, now=NOW, status="contacted")
    with pytest.raises(ValidationFailed):
        update_alert(store, drop["alert_id"], now=NOW)


def test_recovery_rate_counts_the_next_answer_after_the_contact(store: Any, settings: Any) -> None:
    # Six extra recent detractor cases; four contacted; of those three answer again later.
    con = store.con
    day = NOW - timedelta(days=1)
    for i in range(6):
        add_answer(con, f"x{i}", kind="nps", score=3, person=f"px{i}", touchpoint="support", ts=day,
                   comment="Terrible, awful service, I am very angry")
    out = run_check(store, settings, now=NOW)
    ids = {a["response_id"]: a["alert_id"] for a in out["alerts"] if a["kind"] == "detractor"}
    assert len(ids) == 8
    contact = NOW + timedelta(hours=6)
    for i in range(4):
        update_alert(store, ids[f"x{i}"], now=contact, status="contacted")
    # px0: answers 9 after the contact (recovered); px1: answers 8 before the contact (does not count) and 4 after
    # (not recovered); px2: 7 then later 2 (the NEXT answer counts: recovered); px3: never answers again.
    later = contact + timedelta(days=10)
    add_answer(con, "y0", kind="nps", score=9, person="px0", touchpoint="support", ts=later)
    add_answer(con, "y1a", kind="nps", score=8, person="px1", touchpoint="support", ts=contact - timedelta(hours=1))
    add_answer(con, "y1b", kind="nps", score=4, person="px1", touchpoint="support", ts=later)
    add_answer(con, "y2a", kind="nps", score=7, person="px2", touchpoint="support", ts=later)
    add_answer(con, "y2b", kind="nps", score=2, person="px2", touchpoint="support", ts=later + timedelta(days=5))
    ctx = QueryContext(store, settings, NOW + timedelta(days=30))
    res = run_query(ctx, "closed_loop", {})
    rows = {r["metric"]: r for r in res.rows}
    assert rows["cases"]["n"] == 8 and res.meta["by_status"] == {"open": 4, "contacted": 4}
    assert (rows["followed_up"]["k"], rows["followed_up"]["n"]) == (4, 8)
    assert (rows["resurveyed"]["k"], rows["resurveyed"]["n"]) == (3, 4)
    rec = rows["recovery_rate"]
    assert (rec["k"], rec["n"]) == (2, 3) and rec["value"] == pytest.approx(2 / 3)
    assert (rec["ci_low"], rec["ci_high"]) == pytest.approx(wilson(2, 3, 0.95))
    assert "insufficient_sample" in rec["flags"]  # 3 < min_sample 30
    med = rows["median_hours_to_first_contact"]
    assert med["value"] == pytest.approx(6.0) and med["n"] == 4
    assert rows["median_hours_answer_to_first_contact"]["value"] == pytest.approx(30.0)
    # As of a time before the later answers, nobody has answered again yet.
    early = {r["metric"]: r for r in run_query(QueryContext(store, settings, contact + timedelta(days=1)), "closed_loop", {}).rows}
    assert early["resurveyed"]["k"] == 0 and early["recovery_rate"]["n"] == 0 and early["recovery_rate"]["value"] is None
    # Split by assignee / touchpoint keeps the same totals.
    by_tp = [r for r in run_query(ctx, "closed_loop", {"by": "touchpoint"}).rows if r["metric"] == "cases"]
    assert [(r["touchpoint"], r["n"]) for r in by_tp] == [("support", 8)]


def test_enough_cases_clear_the_insufficient_sample_flag(store: Any, settings: Any) -> None:
    res = run_query(QueryContext(store, settings.model_copy(update={"min_sample": 2}), NOW), "closed_loop", {})
    assert run_query(QueryContext(store, settings, NOW), "closed_loop", {}).meta["cases"] == 0
    assert {r["metric"]: r["flags"] for r in res.rows}["followed_up"] == ["insufficient_sample"]  # no cases yet
    run_check(store, settings, now=NOW)
    res = run_query(QueryContext(store, settings.model_copy(update={"min_sample": 2}), NOW), "closed_loop", {})
    fu = {r["metric"]: r for r in res.rows}["followed_up"]
    assert (fu["k"], fu["n"], fu["value"], fu["flags"]) == (0, 2, 0.0, [])


def test_median_interval_uses_order_statistics() -> None:
    assert median_interval([], 0.95) == (None, None, None)
    assert median_interval([3.0, 1.0, 2.0], 0.95) == (2.0, None, None)  # n=3 is too few for a 95% interval
    med, lo, hi = median_interval([float(x) for x in range(1, 21)], 0.95)
    # n=20: P(B <= 5) = 0.0207 <= 0.025 < P(B <= 6): x(6) .. x(15)
    assert (med, lo, hi) == (10.5, 6.0, 15.0)


def test_alerts_query_lists_newest_first_with_filters(store: Any, settings: Any) -> None:
    run_check(store, settings, now=NOW)
    ctx = QueryContext(store, settings, NOW)
    res = run_query(ctx, "alerts", {})
    ids = [r["alert_id"] for r in res.rows]
    assert ids == sorted(ids, reverse=True) and res.meta["n"] == 3 and res.meta["by_status"] == {"open": 3}
    det = run_query(ctx, "alerts", {"kind": "detractor", "limit": 1})
    assert len(det.rows) == 1 and det.meta["n"] == 2 and det.rows[0]["details"]["score"] in (1.0, 2.0)
    assert run_query(ctx, "alerts", {"status": "resolved"}).rows == []
    assert run_query(ctx, "alerts", {"since": (NOW + timedelta(seconds=1)).isoformat()}).rows == []
