"""The detectors on hand-built data: a real drop alerts once, steady and tiny touchpoints do not, and only
detractors with a negative comment become cases."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from tests.alerts.conftest import NOW

from cxjourney.alerts import run_check
from cxjourney.alerts.detect import windows


def _by_kind(out: dict[str, Any], kind: str) -> list[dict[str, Any]]:
    return [a for a in out["alerts"] if a["kind"] == kind]


def test_windows_are_the_last_days_and_the_baseline_just_before() -> None:
    w = windows(date(2026, 6, 30), 7, 28)
    assert (w["b_from"], w["b_to"]) == (date(2026, 6, 24), date(2026, 6, 30))
    assert (w["a_from"], w["a_to"]) == (date(2026, 5, 27), date(2026, 6, 23))


def test_significant_drop_alerts_only_at_the_touchpoint_that_dropped(store: Any, settings: Any) -> None:
    out = run_check(store, settings, now=NOW)
    drops = _by_kind(out, "score_drop")
    assert [(a["touchpoint"], a["details"]["metric"]) for a in drops] == [("checkout", "nps")]
    d = drops[0]["details"]
    assert d["n_baseline"] == 120 and d["n_current"] == 60
    assert round(d["baseline_value"], 1) == 58.3 and round(d["current_value"], 1) == -40.0
    assert d["difference"] < 0 and d["ci_high"] < 0 and d["p_adjusted"] < settings.alert_alpha
    assert "NPS dropped at checkout" in drops[0]["title"]


def test_a_steep_fall_on_too_few_answers_does_not_alert(store: Any, settings: Any) -> None:
    from cxjourney.query import QueryContext, run_query

    w = windows(NOW.date(), settings.alert_window_days, settings.alert_baseline_days)
    res = run_query(QueryContext(store, settings, NOW), "score_change",
                    {"metric": "nps", "by": ["touchpoint"], **{k: v.isoformat() for k, v in w.items()}})
    tiny = next(r for r in res.rows if r["touchpoint"] == "tiny")
    assert tiny["value"] == -200 and "insufficient_sample" in tiny["flags"]
    out = run_check(store, settings, now=NOW)
    assert "tiny" not in {a["touchpoint"] for a in _by_kind(out, "score_drop")}


def test_running_the_check_again_creates_nothing_twice(store: Any, settings: Any) -> None:
    first = run_check(store, settings, now=NOW)
    again = run_check(store, settings, now=NOW + timedelta(hours=3))
    assert first["created"] == {"score_drop": 1, "detractor": 2}
    assert again["created"] == {"score_drop": 0, "detractor": 0}
    assert again["found"] == first["found"]
    assert store.con.execute("SELECT count(*) FROM alerts").fetchall()[0][0] == 3


def test_a_lasting_drop_alerts_again_only_after_a_window(store: Any, settings: Any) -> None:
    first = run_check(store, settings, now=NOW)
    next_day = run_check(store, settings, now=NOW + timedelta(days=1))
    assert first["created"]["score_drop"] == 1
    assert next_day["found"]["score_drop"] == 1 and next_day["created"]["score_drop"] == 0
    # Once the last alert is a window old, the same lasting drop alerts again.
    store.con.execute("UPDATE alerts SET created_at = created_at - INTERVAL 7 DAY WHERE kind = 'score_drop'")
    again = run_check(store, settings, now=NOW + timedelta(days=1))
    assert again["created"]["score_drop"] == 1
    assert [a["dedupe_key"] for a in again["alerts"]] == ["score_drop:nps:checkout:2026-07-01"]


def test_only_recent_detractors_with_a_negative_comment_become_cases(store: Any, settings: Any) -> None:
    out = run_check(store, settings, now=NOW)
    cases = {a["response_id"]: a for a in _by_kind(out, "detractor")}
    # r-pos: positive comment; r-old: older than alert_lookback_days; r-promoter: score 9; r-future: after now;
    # the checkout detractors have no comment at all.
    assert sorted(cases) == ["r-neg", "r-new"]
    neg = cases["r-neg"]
    assert neg["person_id"] == "alice" and neg["touchpoint"] == "support" and neg["status"] == "open"
    assert neg["details"]["sentiment_source"] == "comment_analysis"
    assert "[PHONE]" in neg["details"]["comment"] and "600 100 200" not in neg["details"]["comment"]
    assert neg["title"] == "Detractor (NPS 2) with a negative comment at support"


def test_a_comment_not_analysed_yet_is_scored_on_the_fly(store: Any, settings: Any) -> None:
    out = run_check(store, settings, now=NOW)
    new = next(a for a in out["alerts"] if a["response_id"] == "r-new")
    assert new["details"]["sentiment_source"] == "on the fly"
    assert new["details"]["sentiment"] < 0 and new["details"]["analyzer"]


def test_the_lookback_setting_reaches_older_detractors(store: Any, settings: Any) -> None:
    out = run_check(store, settings.model_copy(update={"alert_lookback_days": 90}), now=NOW)
    assert "r-old" in {a["response_id"] for a in _by_kind(out, "detractor")}
