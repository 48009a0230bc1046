"""The demo workspace feeds every other domain: the real queries (surveys, journeys, CLV, text, dashboard)
give full, plausible answers on a small seeded demo built once for this module."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any

import pytest

from cxjourney.demo import generate

NOW = datetime(2026, 11, 1)  # the end of the demo period


@pytest.fixture(scope="module")
def demo_ctx(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """A workspace made by ``init`` (example journey and surveys) holding a seeded demo."""
    from cxjourney.query import QueryContext
    from cxjourney.storage import connect
    from cxjourney.workspace import Workspace, init_workspace

    settings = init_workspace(tmp_path_factory.mktemp("demo") / "shop")
    store = connect(settings)
    generate(store, seed=5, customers=2_500, events=150_000)
    yield QueryContext(store, settings, NOW, Workspace(settings))
    store.close()


def run(ctx: Any, name: str, params: dict[str, Any] | None = None) -> Any:
    from cxjourney.query import run_query

    return run_query(ctx, name, params or {})


def test_every_surveyed_touchpoint_has_enough_answers_for_a_score(demo_ctx):
    ms = demo_ctx.settings.min_sample
    for metric, touchpoints in (("nps", {"nps_survey"}), ("csat", {"order", "delivery"}), ("ces", {"support"})):
        rows = {r["touchpoint"]: r for r in run(demo_ctx, metric, {"by": ["touchpoint"]}).rows}
        assert set(rows) == touchpoints
        for tp, r in rows.items():
            assert r["n"] >= ms and "insufficient_sample" not in r["flags"], (metric, tp, r)
    nps = run(demo_ctx, "nps").rows[0]
    assert -10 < nps["value"] < 50 and nps["ci_low"] < nps["value"] < nps["ci_high"]
    ces = run(demo_ctx, "ces", {"by": ["touchpoint"]}).rows[0]
    assert 3.5 < ces["value"] < 6  # agreement that it was easy (7 = easiest): mostly easy, some effort


def test_response_rates_come_from_shown_dismissed_and_responded_events(demo_ctx):
    rows = {r["survey"]: r for r in run(demo_ctx, "response_rate", {"by": ["survey"]}).rows}
    assert set(rows) == {"checkout-csat", "delivery-csat", "support-ces", "relationship-nps"}
    for sid, r in rows.items():
        assert 0.15 < r["value"] < 0.6 and r["n"] >= 50, (sid, r)
    dismissed = demo_ctx.store.con.execute("SELECT count(*) FROM events WHERE event = 'Survey Dismissed'").fetchall()[0][0]
    assert dismissed > 0


def test_all_five_stages_are_reached_and_the_stage_funnel_narrows(demo_ctx):
    steps = ["stage:awareness", "stage:consideration", "stage:purchase", "stage:retention", "stage:advocacy"]
    rows = run(demo_ctx, "funnel", {"steps": steps, "window": "180d"}).rows
    reached = [r["reached"] for r in rows]
    assert len(reached) == 5 and all(n > 0 for n in reached)
    assert reached == sorted(reached, reverse=True) and reached[-1] >= 30
    overview = run(demo_ctx, "journey_overview").rows
    reach = {r["stage"]: r["value"] for r in overview if r["metric"] == "reach" and r["touchpoint"] is None}
    assert set(reach) == {"awareness", "consideration", "purchase", "retention", "advocacy"}
    assert min(reach.values()) >= 30
    touchpoints = {r["touchpoint"] for r in overview if r["metric"] == "reach" and r["touchpoint"] and r["value"] > 0}
    assert len(touchpoints) == 14  # every touchpoint of the example journey has people
    kpis = {(r["stage"], r["metric"]): r for r in run(demo_ctx, "stage_kpis").rows}
    assert 0.01 < kpis[("awareness", "ctr")]["value"] < 0.05
    assert 0.2 < kpis[("consideration", "bounce_rate")]["value"] < 0.6
    assert 1.5 < kpis[("consideration", "pages_per_session")]["value"] < 5
    assert 0.15 < kpis[("retention", "repeat_purchase_rate")]["value"] < 0.45


def test_product_to_order_funnel_converts_a_few_percent(demo_ctx):
    rows = run(demo_ctx, "funnel", {"steps": ["Product Viewed", "Product Added", "Checkout Started", "Order Completed"]}).rows
    assert [r["reached"] > 0 for r in rows] == [True] * 4
    assert 0.005 < rows[-1]["overall"] < 0.05
    assert rows[-1]["dropoff"] > 0  # some checkouts are abandoned


def test_monthly_retention_cohorts_cover_the_six_months_and_some_people_churn(demo_ctx):
    rows = run(demo_ctx, "retention", {"cohort": "month"}).rows
    cohorts = {r["cohort"] for r in rows}
    assert len(cohorts) == 6
    month1 = [r["value"] for r in rows if r["offset"] == 1]
    assert len(month1) == 5 and all(0.05 < v < 0.5 for v in month1)
    buyers = run(demo_ctx, "retention", {"cohort": "month", "basis": "first_purchase"}).rows
    assert any(r["offset"] >= 3 and r["active"] > 0 for r in buyers)  # repeat buyers months later
    churn = run(demo_ctx, "churn", {"basis": "first_purchase"}).rows[0]
    assert 0.1 < churn["value"] < 0.9 and churn["n"] >= 100


def test_bgnbd_fits_the_orders_with_interior_parameters(demo_ctx):
    rows = run(demo_ctx, "clv_fit", {"model": "bgnbd", "calibration_end": "2026-10-31"}).rows
    params = {r["param"]: r["value"] for r in rows}
    assert set(params) == {"r", "alpha", "a", "b"}
    assert all(0.01 < v < 1e4 for v in params.values()), params


def test_comments_in_polish_and_english_follow_the_scores_along_the_journey(demo_ctx):
    from cxjourney.text.analyze import analyze_comments
    from cxjourney.text.sentiment import default_analyzer

    analyze_comments(demo_ctx.store, default_analyzer(), now=NOW)
    curve = {r["touchpoint"]: r for r in run(demo_ctx, "emotion_curve").rows}
    assert {"order", "delivery", "support", "nps_survey"} <= set(curve)
    assert curve["support"]["value"] < curve["order"]["value"]  # support comments answer "what made it hard?"
    langs = dict(run(demo_ctx, "emotion_curve", {"segment": "language"}).meta.get("languages", {})) or dict(
        demo_ctx.store.con.execute("SELECT language, count(*) FROM comment_analysis GROUP BY 1").fetchall())
    assert langs.get("pl", 0) >= 100 and langs.get("en", 0) >= 60
    # Sentiment of a comment agrees with the score of its answer.
    low, high = demo_ctx.store.con.execute("""
        SELECT avg(a.sentiment) FILTER (WHERE s.score <= 6), avg(a.sentiment) FILTER (WHERE s.score >= 9)
        FROM comment_analysis a JOIN responses s ON s.response_id = a.response_id AND s.kind = 'nps'""").fetchall()[0]
    assert low < 0 < high
    themes = run(demo_ctx, "themes").rows
    assert len(themes) >= 5 and sum(r["n"] for r in themes) >= 200


def test_dashboard_has_tickets_and_ad_costs_for_every_campaign(demo_ctx):
    con = demo_ctx.store.con
    created, resolved = con.execute(
        "SELECT count(*) FILTER (WHERE event = 'Ticket Created'), count(*) FILTER (WHERE event = 'Ticket Resolved') FROM tickets"
    ).fetchall()[0]
    assert created >= 50 and 0.9 * created <= resolved <= created
    days = dict(con.execute("SELECT campaign, count(DISTINCT date) FROM ad_costs WHERE channel = 'ads' GROUP BY 1").fetchall())
    assert len(days) == 4 and min(days.values()) >= 150  # every ad campaign has costs on (nearly) all 184 days
    names = {r["event"] for r in run(demo_ctx, "event_names").rows}
    assert {"Ad Clicked", "Order Completed", "Ticket Created", "Survey Shown", "Review Submitted", "Referral Sent"} <= names


def test_demo_command_stores_customer_scores_as_of_the_end_of_the_period(demo_ctx):
    from cxjourney.cli.demo import _scores

    done = _scores(demo_ctx.store, demo_ctx.settings, "2026-11-01")
    buyers = demo_ctx.store.con.execute("SELECT count(DISTINCT person_id) FROM orders").fetchall()[0][0]
    assert done == {"customer_scores": buyers}
    summary = {r["metric"]: r for r in run(demo_ctx, "clv_summary").rows}
    assert summary["mean_clv"]["value"] > 0 and 0 < summary["share_at_risk"]["value"] < 1
