"""Scores follow the experience, comments speak Polish and English, and carry something to mask."""

from __future__ import annotations

import re
from typing import Any

from scipy import stats


def q(store: Any, sql: str) -> list[tuple[Any, ...]]:
    return store.con.execute(sql).fetchall()


def _scores_by(store: Any, survey: str, condition_sql: str, join_event: str, key: str) -> tuple[list[float], list[float]]:
    rows = q(store, f"""
        SELECT r.score, ({condition_sql}) AS flag
        FROM responses r
        JOIN events s ON s.event = 'Survey Responded' AND s.properties->>'$.response_id' = r.response_id
        JOIN events e ON e.event = '{join_event}' AND e.properties->>'$.{key}' = s.properties->>'$.{key}'
        WHERE r.survey_id = '{survey}' AND r.kind IN ('nps', 'csat', 'ces')""")
    return [r[0] for r in rows if r[1]], [r[0] for r in rows if not r[1]]


def test_delivery_csat_is_lower_when_the_courier_is_late(stats_demo):
    store, _ = stats_demo
    late, on_time = _scores_by(store, "delivery-csat", "(e.properties->>'$.delay_days')::INT >= 2", "Order Delivered", "order_id")
    assert len(late) >= 15 and len(on_time) >= 60
    assert sum(late) / len(late) < sum(on_time) / len(on_time) - 1.0
    assert stats.ttest_ind(late, on_time, equal_var=False).pvalue < 0.001


def test_checkout_csat_is_lower_after_a_failed_payment(stats_demo):
    store, _ = stats_demo
    failed, smooth = _scores_by(store, "checkout-csat", "(e.properties->>'$.payment_attempts')::INT > 1", "Order Completed", "order_id")
    assert len(failed) >= 10
    assert stats.mannwhitneyu(failed, smooth, alternative="less").pvalue < 0.01


def test_nps_is_lower_for_buyers_who_had_a_late_parcel_or_a_ticket_in_the_last_four_months(stats_demo):
    store, _ = stats_demo
    rows = q(store, """
        SELECT r.score,
               exists(SELECT 1 FROM tickets t WHERE t.person_id = r.person_id AND t.timestamp < r.timestamp
                      AND t.timestamp > r.timestamp - INTERVAL 120 DAY)
               OR exists(SELECT 1 FROM events d WHERE d.event = 'Order Delivered' AND d.person_id = r.person_id
                         AND d.timestamp < r.timestamp AND d.timestamp > r.timestamp - INTERVAL 120 DAY
                         AND (d.properties->>'$.delay_days')::INT >= 2) AS trouble
        FROM responses r
        WHERE r.kind = 'nps' AND exists(SELECT 1 FROM orders o WHERE o.person_id = r.person_id AND o.timestamp < r.timestamp)""")
    trouble = [s for s, t in rows if t]
    smooth = [s for s, t in rows if not t]
    assert len(trouble) >= 15 and len(smooth) >= 60
    assert _nps(trouble) < _nps(smooth) - 20
    assert stats.mannwhitneyu(trouble, smooth, alternative="less").pvalue < 0.01


def _nps(scores: list[float]) -> float:
    return 100.0 * (sum(s >= 9 for s in scores) - sum(s <= 6 for s in scores)) / len(scores)


def test_loyal_customers_nps_drops_in_the_last_month(stats_demo):
    store, _ = stats_demo
    rows = q(store, """
        SELECT r.score, r.timestamp >= TIMESTAMP '2026-10-02' AS last_month, p.traits->>'$.segment' AS segment
        FROM responses r JOIN persons p USING (person_id) WHERE r.kind = 'nps'""")
    loyal_before = [s for s, last, seg in rows if seg == "loyal" and not last]
    loyal_last = [s for s, last, seg in rows if seg == "loyal" and last]
    vip_before = [s for s, last, seg in rows if seg == "vip" and not last]
    vip_last = [s for s, last, seg in rows if seg == "vip" and last]
    assert len(loyal_last) >= 30
    assert _nps(loyal_last) < _nps(loyal_before) - 25
    assert abs(_nps(vip_last) - _nps(vip_before)) < 30  # the drop is one segment's, not everyone's


def test_comments_are_about_sixty_percent_polish_and_forty_english(stats_demo):
    store, _ = stats_demo
    by_lang = dict(q(store, "SELECT language, count(*) FROM responses WHERE kind = 'text' GROUP BY 1"))
    assert set(by_lang) == {"pl", "en"}
    share_pl = by_lang["pl"] / (by_lang["pl"] + by_lang["en"])
    assert 0.5 <= share_pl <= 0.7
    # Polish comments are Polish (diacritics), English ones are not.
    pl = [r[0] for r in q(store, "SELECT comment FROM responses WHERE kind = 'text' AND language = 'pl'")]
    assert sum(bool(re.search("[ąćęłńóśźż]", c)) for c in pl) / len(pl) > 0.8
    assert q(store, "SELECT count(*) FROM responses WHERE kind = 'text' AND (score IS NOT NULL OR comment IS NULL)")[0][0] == 0


def test_low_delivery_scores_come_with_complaints_about_the_courier(stats_demo):
    store, _ = stats_demo
    rows = q(store, """
        SELECT c.comment, s.score FROM responses c JOIN responses s ON s.response_id = c.response_id AND s.kind = 'csat'
        WHERE c.survey_id = 'delivery-csat' AND c.kind = 'text'""")
    low = [c for c, s in rows if s <= 2]
    high = [c for c, s in rows if s >= 5]
    assert low and high
    words = re.compile(r"kurier|courier|paczk|parcel|przesyłk|deliver|dostaw|opóźn|late|uszkodz|damaged|porysowan|scratched|opakowanie|packaging", re.I)
    assert sum(bool(words.search(c)) for c in low) / len(low) > 0.9
    negative = re.compile(r"spóźnił|late|uszkodz|damaged|nie przyjechał|never came|zawiódł|let me down|dłużej|longer", re.I)
    assert sum(bool(negative.search(c)) for c in high) == 0


def test_some_comments_hold_pii_and_two_hold_html_payloads(small_demo):
    store, _ = small_demo
    comments = [r[0] for r in q(store, "SELECT comment FROM responses WHERE kind = 'text'")]
    assert sum("<script>alert(1)</script>" in c for c in comments) == 1
    assert sum("<img src=x onerror=alert(1)>" in c for c in comments) == 1
    pii = re.compile(r"[\w.]+@example\.(com|net|org)|\+4[489][\d ]{8,}")
    assert 2 <= sum(bool(pii.search(c)) for c in comments) <= 2 + len(comments) // 10


def test_survey_events_match_the_responses(small_demo):
    store, _ = small_demo
    responded = q(store, "SELECT count(*) FROM events WHERE event = 'Survey Responded'")[0][0]
    answered = q(store, "SELECT count(DISTINCT response_id) FROM responses")[0][0]
    assert responded == answered > 0
    shown = q(store, "SELECT count(*) FROM events WHERE event = 'Survey Shown'")[0][0]
    assert shown > responded
    stages = dict(q(store, "SELECT survey_id, any_value(stage || '/' || touchpoint) FROM responses GROUP BY 1"))
    assert stages == {"checkout-csat": "purchase/order", "delivery-csat": "retention/delivery",
                      "support-ces": "retention/support", "relationship-nps": "advocacy/nps_survey"}
    ranges = dict((r[0], (r[1], r[2])) for r in q(store, "SELECT kind, min(score), max(score) FROM responses WHERE kind IN ('nps', 'csat', 'ces') GROUP BY 1"))
    assert ranges["nps"][0] >= 0 and ranges["nps"][1] <= 10
    assert ranges["csat"][0] >= 1 and ranges["csat"][1] <= 5
    assert ranges["ces"][0] >= 1 and ranges["ces"][1] <= 7
