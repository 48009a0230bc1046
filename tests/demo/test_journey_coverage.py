"""The demo feeds the online-store journey: every touchpoint has events, the funnel looks like retail."""

from __future__ import annotations

from typing import Any

from cxjourney.journeys.loader import check_journey
from cxjourney.journeys.match import with_touchpoints
from cxjourney.workspace import template_dir


def q(store: Any, sql: str) -> list[tuple[Any, ...]]:
    return store.con.execute(sql).fetchall()


def journey():
    j, problems = check_journey(template_dir() / "journeys" / "online-store.yaml")
    assert j is not None, problems
    return j


def test_every_touchpoint_of_the_journey_gets_events(small_demo):
    store, _ = small_demo
    j = journey()
    t = with_touchpoints(store.table("events"), j)
    got = dict(t.group_by("touchpoint").aggregate(n=t.count()).execute().itertuples(index=False, name=None))
    missing = [tp.id for _, tp in j.touchpoints() if got.get(tp.id, 0) == 0]
    assert not missing, f"touchpoints without events: {missing}"


def test_people_thin_out_from_consideration_to_purchase_to_advocacy(small_demo):
    store, _ = small_demo
    t = with_touchpoints(store.table("events"), journey())
    per_stage = dict(t.group_by("stage").aggregate(n=t.person_id.nunique()).execute().itertuples(index=False, name=None))
    assert per_stage["consideration"] > per_stage["purchase"] > per_stage["advocacy"] > 0
    assert per_stage["awareness"] > per_stage["purchase"]
    assert per_stage["retention"] <= per_stage["purchase"]


def test_orders_are_about_two_to_four_percent_of_visits(stats_demo):
    store, _ = stats_demo
    (sessions,) = q(store, """
        WITH p AS (SELECT person_id, timestamp, lag(timestamp) OVER (PARTITION BY person_id ORDER BY timestamp, seq) AS prev
                   FROM events WHERE type = 'page')
        SELECT count(*) FILTER (WHERE prev IS NULL OR timestamp - prev > INTERVAL 30 MINUTE) FROM p""")[0]
    orders = q(store, "SELECT count(*) FROM orders")[0][0]
    assert 0.02 <= orders / sessions <= 0.04


def test_some_customers_buy_again_and_orders_carry_revenue(stats_demo):
    store, _ = stats_demo
    buyers, repeaters = q(store, "SELECT count(*), count(*) FILTER (WHERE n >= 2) FROM "
                                 "(SELECT person_id, count(*) AS n FROM orders GROUP BY 1)")[0]
    assert 0.15 <= repeaters / buyers <= 0.6
    bad = q(store, """SELECT count(*) FROM events WHERE event = 'Order Completed' AND (revenue <= 0 OR
             abs(revenue - (SELECT sum(x.price) FROM (SELECT unnest(from_json(properties->'$.products', '[{"price":"DOUBLE"}]'), recursive := true)) x)) > 0.01
             OR properties->>'$.currency' <> 'PLN')""")[0][0]
    assert bad == 0


def test_anonymous_history_before_sign_up_belongs_to_the_customer(small_demo):
    store, _ = small_demo
    anon_events = q(store, "SELECT count(*) FROM events WHERE user_id IS NULL AND person_id IN "
                           "(SELECT person_id FROM persons WHERE email IS NOT NULL)")[0][0]
    assert anon_events > 0
    # Every anonymous id maps to the person its events are stored under.
    wrong = q(store, "SELECT count(*) FROM events e JOIN identities i ON i.id = e.anonymous_id WHERE i.person_id <> e.person_id")[0][0]
    assert wrong == 0
    # The identify call carries both ids and the traits; the customer's id maps to itself.
    uid, aid, traits = q(store, "SELECT user_id, anonymous_id, properties->>'$.traits.segment' FROM events "
                                "WHERE type = 'identify' ORDER BY seq LIMIT 1")[0]
    assert aid is not None and traits in ("new", "loyal", "vip")
    assert q(store, f"SELECT person_id FROM identities WHERE id = '{aid}'")[0][0] == uid
    assert q(store, f"SELECT person_id FROM identities WHERE id = '{uid}'")[0][0] == uid
    # Nothing a customer did before identifying carries the user id.
    early = q(store, "SELECT count(*) FROM events e JOIN (SELECT person_id, min(timestamp) AS t FROM events WHERE type = 'identify' "
                     "GROUP BY 1) i USING (person_id) WHERE e.timestamp < i.t AND e.user_id IS NOT NULL")[0][0]
    assert early == 0


def test_ad_costs_count_the_clicks_and_every_clicked_ad_has_its_impression_event(small_demo):
    store, _ = small_demo
    from_costs = dict((r[0], (r[1], r[2])) for r in q(store, "SELECT campaign, sum(impressions), sum(clicks) FROM ad_costs GROUP BY 1"))
    from_events = dict((r[0], (r[1], r[2])) for r in q(store, """
        SELECT campaign, count(*) FILTER (WHERE event IN ('Ad Impression', 'Email Opened')),
               count(*) FILTER (WHERE event IN ('Ad Clicked', 'Email Clicked'))
        FROM events WHERE event IN ('Ad Impression', 'Ad Clicked', 'Email Opened', 'Email Clicked') GROUP BY 1"""))
    assert set(from_costs) == set(from_events)
    ads = ("brand-search", "generic-search", "social-prospecting", "display-retargeting")
    for name, (imp, clk) in from_events.items():
        assert from_costs[name][1] == clk  # clicks: exactly the click events
        if name in ads:  # unclicked ad impressions are only counted in ad_costs, never written as events
            assert imp <= clk <= imp + 3 and from_costs[name][0] > 10 * clk  # (an impression may fall before the period)
        else:  # e-mail: opens are per person events
            assert from_costs[name][0] == imp
    clicks = sum(from_costs[k][1] for k in ads if k in from_costs)
    impressions = sum(from_costs[k][0] for k in ads if k in from_costs)
    assert 0.01 <= clicks / impressions <= 0.04
    # Search is paid per click (a day without clicks costs nothing), display and social per impression.
    assert q(store, "SELECT count(*) FROM ad_costs WHERE cost < 0 OR currency <> 'PLN'")[0][0] == 0
    spent = dict(q(store, "SELECT campaign, sum(cost) FROM ad_costs GROUP BY 1"))
    assert set(spent) == set(from_events) and min(spent.values()) > 0


def test_campaign_landing_pages_carry_utm_and_campaign(small_demo):
    store, _ = small_demo
    rows = q(store, "SELECT url, campaign, channel, context->>'$.campaign.medium' FROM events WHERE type = 'page' AND campaign IS NOT NULL LIMIT 50")
    assert rows
    for url, campaign, channel, medium in rows:
        assert f"utm_campaign={campaign}" in url and channel in ("ads", "email") and medium
    assert q(store, "SELECT count(*) FROM events WHERE type = 'page' AND path = '/search' AND url LIKE '%?q=%'")[0][0] > 0
