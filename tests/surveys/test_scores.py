"""Score queries over a real DuckDB store, checked against plain-Python arithmetic on the same answers."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

import pytest

from cxjourney.config import Settings
from cxjourney.ingest.normalize import normalize
from cxjourney.ingest.responses import store_responses
from cxjourney.ingest.writer import EventWriter
from cxjourney.metrics.stats import benjamini_hochberg, diff_proportions, mean_interval
from cxjourney.query import QueryContext, run_query
from cxjourney.storage import memory_store

NOW = datetime(2026, 3, 1)


def _answers(kind: str, scores: list[int], *, start: int = 0, touchpoint: str = "t", channel: str = "web",
             day: datetime = datetime(2026, 1, 10), users: list[str] | None = None) -> list[dict[str, Any]]:
    return [{"response_id": f"{kind}-{start + i}", "question_id": kind, "survey_id": f"s-{kind}", "kind": kind, "score": float(s),
             "comment": None, "user_id": (users[i] if users else f"u{start + i}"), "touchpoint": touchpoint, "journey": None,
             "stage": None, "channel": channel, "language": "en", "timestamp": day + timedelta(hours=i)} for i, s in enumerate(scores)]


@pytest.fixture
def store() -> Any:
    st = memory_store()
    st.writer = EventWriter(st)
    return st


def _ctx(store: Any, **kw: Any) -> QueryContext:
    return QueryContext(store, Settings(**kw), NOW)


def _put(store: Any, rows: list[dict[str, Any]]) -> None:
    store_responses(store, store.writer, rows, received_at=NOW, source="test")


def test_nps_counts_9_and_10_as_promoters_and_0_to_6_as_detractors(store: Any) -> None:
    _put(store, _answers("nps", [10, 9, 8, 7, 6, 0]))
    (row,) = run_query(_ctx(store), "nps", {}).rows
    assert (row["promoters"], row["passives"], row["detractors"], row["n"]) == (2, 2, 2, 6)
    assert row["value"] == 0.0 and "insufficient_sample" in row["flags"]


def test_csat_is_the_top_2_box_share_with_a_wilson_interval_and_a_mean(store: Any) -> None:
    scores = [5] * 20 + [4] * 10 + [3] * 5 + [1] * 5
    _put(store, _answers("csat", scores))
    (row,) = run_query(_ctx(store), "csat", {}).rows
    assert row["value"] == pytest.approx(30 / 40) and row["n"] == 40 and row["flags"] == []
    assert row["ci_low"] < 0.75 < row["ci_high"]
    m, lo, hi = mean_interval(40, sum(scores), sum(s * s for s in scores))
    assert row["mean"] == pytest.approx(sum(scores) / 40) and (row["mean_ci_low"], row["mean_ci_high"]) == pytest.approx((lo, hi))
    (by_mean,) = run_query(_ctx(store), "csat", {"measure": "mean"}).rows
    assert by_mean["value"] == pytest.approx(m)


def test_ces_is_a_mean_with_its_interval_and_the_share_easy(store: Any) -> None:
    scores = [7, 6, 5, 5, 2, 1] * 6
    _put(store, _answers("ces", scores))
    (row,) = run_query(_ctx(store), "ces", {}).rows
    assert row["value"] == pytest.approx(sum(scores) / 36) and row["easy_share"] == pytest.approx(4 / 6)
    assert 1 <= row["ci_low"] < row["value"] < row["ci_high"] <= 7


def test_scores_by_segment_touchpoint_and_month_with_filters(store: Any) -> None:
    _put(store, _answers("nps", [10] * 40, touchpoint="a", users=[f"pro{i}" for i in range(40)]))
    _put(store, _answers("nps", [0] * 10, start=100, touchpoint="b", day=datetime(2026, 2, 3), users=[f"free{i}" for i in range(10)]))
    traits = [normalize({"type": "identify", "userId": f"{p}{i}", "traits": {"plan": p}}, 0, received_at=NOW)
              for p, k in (("pro", 40), ("free", 10)) for i in range(k)]
    store.writer.write(traits)
    ctx = _ctx(store)
    rows = run_query(ctx, "nps", {"by": ["segment:plan"]}).rows
    assert [(r["segment:plan"], r["value"], r["n"]) for r in rows] == [("free", -100.0, 10), ("pro", 100.0, 40)]
    rows = run_query(ctx, "nps", {"by": ["touchpoint"], "period": "month"}).rows
    assert [(r["touchpoint"], r["period"], r["n"]) for r in rows] == [("a", "2026-01-01", 40), ("b", "2026-02-01", 10)]
    assert run_query(ctx, "nps", {"where": ["segment=plan:free"]}).rows[0]["n"] == 10
    assert run_query(ctx, "nps", {"from": "2026-02-01", "to": "2026-02-28"}).rows[0]["n"] == 10
    assert run_query(ctx, "nps", {"where": ["touchpoint=a"]}).rows[0]["value"] == 100.0


def test_a_figure_below_the_minimum_sample_is_flagged(store: Any) -> None:
    _put(store, _answers("nps", [9] * 29))
    assert run_query(_ctx(store), "nps", {}).rows[0]["flags"] == ["insufficient_sample"]
    assert run_query(_ctx(store, min_sample=20), "nps", {}).rows[0]["flags"] == []


def test_score_change_between_periods_reports_a_p_value(store: Any) -> None:
    rng = random.Random(3)
    _put(store, _answers("nps", [rng.choice([9, 10, 10, 8, 3]) for _ in range(200)], day=datetime(2026, 1, 1)))
    _put(store, _answers("nps", [rng.choice([0, 3, 5, 8, 9]) for _ in range(200)], start=1000, day=datetime(2026, 2, 1)))
    res = run_query(_ctx(store), "score_change", {"metric": "nps", "compare": "period", "a_from": "2026-01-01", "a_to": "2026-01-31",
                                                   "b_from": "2026-02-01", "b_to": "2026-02-28"})
    (row,) = res.rows
    assert row["n_a"] == 200 and row["n_b"] == 200 and row["value"] < -50
    assert row["p_value"] < 1e-6 and row["significant"] is True and row["ci_high"] < 0
    assert res.meta["multiple_testing"].startswith("Benjamini")


def test_score_change_between_segments_is_bh_adjusted(store: Any) -> None:
    _put(store, _answers("csat", [5] * 30 + [2] * 10, touchpoint="x"))
    _put(store, _answers("csat", [5] * 20 + [2] * 20, start=100, touchpoint="y"))
    _put(store, _answers("csat", [5] * 21 + [2] * 19, start=200, touchpoint="z"))
    rows = run_query(_ctx(store), "score_change", {"metric": "csat", "compare": "segment", "by": ["touchpoint"]}).rows
    assert [r["touchpoint"] for r in rows] == ["x", "y", "z"]
    assert [r["p_adjusted"] for r in rows] == pytest.approx(benjamini_hochberg([r["p_value"] for r in rows]))
    x = rows[0]
    d = diff_proportions(41, 80, 30, 40)
    assert x["value"] == pytest.approx(d["diff"]) and x["p_value"] == pytest.approx(d["p_value"])


def test_benjamini_hochberg_matches_hand_computed_values() -> None:
    # Sorted 0.01, 0.03, 0.04, 0.5 (m=4): p*m/rank = 0.04, 0.06, 0.0533, 0.5; then running minimum from the top.
    assert benjamini_hochberg([0.01, 0.04, 0.03, None, 0.5]) == pytest.approx([0.04, 0.16 / 3, 0.16 / 3, None, 0.5])


def test_score_distribution_counts_each_value(store: Any) -> None:
    _put(store, _answers("ces", [7, 7, 1]))
    rows = run_query(_ctx(store), "score_distribution", {"kind": "ces"}).rows
    assert [(r["score"], r["count"], r["n"]) for r in rows] == [(1.0, 1, 3), (7.0, 2, 3)]


def test_response_rate_is_answered_over_shown(store: Any) -> None:
    shown = [normalize({"type": "track", "event": "Survey Shown", "userId": f"u{i}", "timestamp": "2026-01-05T10:00:00",
                        "properties": {"survey_id": "s-nps", "response_id": f"nps-{i}", "channel": "widget", "touchpoint": "t"}},
                       0, received_at=NOW) for i in range(4)]
    store.writer.write(shown)
    _put(store, _answers("nps", [9]))  # response nps-0 answers the first shown survey
    (row,) = run_query(_ctx(store), "response_rate", {"by": ["survey"]}).rows
    assert (row["survey"], row["answered"], row["shown"], row["value"]) == ("s-nps", 1, 4, 0.25)


def test_unknown_dimension_or_filter_names_the_field(store: Any) -> None:
    from cxjourney.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as e:
        run_query(_ctx(store), "nps", {"by": ["colour"]})
    assert e.value.errors[0]["field"] == "by"
    with pytest.raises(ValidationFailed) as e:
        run_query(_ctx(store), "nps", {"where": ["segment=plan"]})
    assert e.value.errors[0]["field"] == "where"


def test_periods_and_date_ranges_use_the_timezone_setting(store: Any) -> None:
    # 23:30 UTC on 31 January is 00:30 on 1 February in Warsaw.
    _put(store, _answers("nps", [10], day=datetime(2026, 1, 31, 23, 30)))
    assert run_query(_ctx(store), "nps", {"period": "month"}).rows[0]["period"] == "2026-01-01"
    warsaw = _ctx(store, timezone="Europe/Warsaw")
    assert run_query(warsaw, "nps", {"period": "month"}).rows[0]["period"] == "2026-02-01"
    assert run_query(warsaw, "nps", {"from": "2026-02-01", "to": "2026-02-01"}).rows[0]["n"] == 1
    assert run_query(_ctx(store), "nps", {"from": "2026-02-01", "to": "2026-02-01"}).rows == []


def test_a_misspelt_segment_trait_gets_a_note_and_no_comparison_with_nothing(store: Any) -> None:
    _put(store, _answers("nps", [9, 10, 3] * 20))
    res = run_query(_ctx(store), "nps", {"by": ["segment:plann"]})
    assert [r["segment:plann"] for r in res.rows] == [None] and "plann" in res.meta["notes"][0]
    res = run_query(_ctx(store), "score_change", {"metric": "nps", "compare": "segment", "by": ["segment:plann"]})
    assert res.rows == [] and any("only one group" in n for n in res.meta["notes"])


def test_shortcut_filters_survey_channel_and_segment_narrow_every_score(store: Any) -> None:
    # The dashboard passes its survey, channel and segment boxes as these parameters.
    _put(store, _answers("nps", [10] * 5, channel="email", users=[f"v{i}" for i in range(5)]))
    _put(store, _answers("nps", [0] * 3, start=50, channel="widget", users=[f"n{i}" for i in range(3)]))
    store.writer.write([normalize({"type": "identify", "userId": f"v{i}", "traits": {"segment": "vip", "plan": "pro"}}, 0, received_at=NOW)
                        for i in range(5)])
    ctx = _ctx(store)
    assert run_query(ctx, "nps", {"channel": "widget"}).rows[0]["n"] == 3
    assert run_query(ctx, "nps", {"segment": "vip"}).rows[0]["value"] == 100.0
    assert run_query(ctx, "nps", {"segment": "plan:pro", "survey": "s-nps"}).rows[0]["n"] == 5
    assert run_query(ctx, "nps", {"survey": "other"}).rows == []
    assert run_query(ctx, "response_rate", {"channel": "widget"}).rows == []
