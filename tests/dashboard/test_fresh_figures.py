"""A page is served from the result cache only while the data behind it is unchanged: after every kind of
change (new events, a survey answer, an identity merge, a GDPR erasure, a model refresh, a text analysis, an
alert check and its follow-up, ad costs, an edited journey file) the very next page load shows the new figure.

Each test first loads the page twice (so its answers are in the shared cache), changes the data the way a
user or an integration does (real HTTP calls to the real server on 127.0.0.1), and loads the page again."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest

from conftest import BASE, DashServer, running_dash


@pytest.fixture(scope="module")
def srv(tmp_path_factory: pytest.TempPathFactory) -> Iterator[DashServer]:
    """Its own server: these tests change the data, the shared one stays as the other tests expect it."""
    with running_dash(tmp_path_factory.mktemp("fresh") / "ws") as s:
        yield s


def api(s: DashServer) -> httpx.Client:
    return httpx.Client(base_url=s.url, timeout=60, headers={"Authorization": f"Bearer {s.admin_token}"})


def page(s: DashServer, path: str = "/dashboard/overview.json") -> dict[str, Any]:
    with s.login("ada") as c:
        r = c.get(path)
        assert r.status_code == 200, r.text
        return r.json()


def cached_page(s: DashServer, path: str = "/dashboard/overview.json") -> dict[str, Any]:
    """The page loaded twice: the second answer comes from the shared cache (nothing changed between).

    The analytics rollups are brought up to date first: an answer read from rollups that lag behind the
    events is kept only until their next refresh, so the server's background refresh landing between the
    loads would recompute it."""
    cache = s.app.state.dashboard_cache
    with api(s) as c:
        assert c.post("/api/v1/admin/rollups/refresh").status_code == 200

    def stamps() -> dict[str, float]:  # when each answer was computed (clock-bound ones may roll over a minute)
        return {k: e.at for k, e in cache._d.items() if e.bucket is None}

    page(s, path)
    before = stamps()
    second = page(s, path)
    assert stamps() == before and before  # nothing recomputed: every answer was reused
    return second


def tile(data: dict[str, Any], key: str) -> dict[str, Any]:
    return next(t for t in data["tiles"] if t["key"] == key)


def test_new_events_show_in_the_store_figures_on_the_next_load(srv: DashServer) -> None:
    before = cached_page(srv)["store"]["events"]
    srv.post_events([{"type": "track", "userId": "u3", "event": "Product Viewed", "messageId": f"fresh-ev-{i}",
                      "timestamp": (BASE + timedelta(days=3, hours=i)).isoformat() + "Z"} for i in range(3)])
    assert page(srv)["store"]["events"] == before + 3


def test_new_events_recompute_only_the_answers_that_read_events(srv: DashServer) -> None:
    cached_page(srv)
    cache = srv.app.state.dashboard_cache

    def computed(name: str) -> float:
        return cache._d[json.dumps([name, {}, "admin"], sort_keys=True)].at

    assert cache.reads(json.dumps(["nps", {}, "admin"], sort_keys=True)) == {"responses"}
    nps, summary = computed("nps"), computed("store_summary")
    srv.post_events([{"type": "track", "userId": "u4", "event": "Product Viewed", "messageId": "fresh-only-1",
                      "timestamp": (BASE + timedelta(days=4)).isoformat() + "Z"}])
    page(srv)
    assert computed("store_summary") != summary  # read the events: computed again
    assert computed("nps") == nps  # read only the survey answers: reused


def test_a_survey_answer_moves_the_nps_n_on_the_next_load(srv: DashServer) -> None:
    n = tile(cached_page(srv), "nps")["row"]["n"]
    with httpx.Client(base_url=srv.url, timeout=60, auth=(srv.write_key, "")) as c:
        r = c.post("/api/v1/surveys/relationship-nps/responses",
                   json={"response_id": "fresh-r1", "userId": "u2", "answers": {"nps": 10}})
        assert r.status_code == 200 and r.json()["stored"] >= 1, r.text
    assert tile(page(srv), "nps")["row"]["n"] == n + 1


def test_an_identity_merge_shows_in_the_persons_count_on_the_next_load(srv: DashServer) -> None:
    srv.post_events([{"type": "page", "anonymousId": "anon-fresh", "name": "Home", "messageId": "fresh-anon-1",
                      "timestamp": (BASE + timedelta(days=2)).isoformat() + "Z"}])
    persons = cached_page(srv)["store"]["persons"]
    srv.post_events([{"type": "identify", "anonymousId": "anon-fresh", "userId": "u5", "messageId": "fresh-merge-1",
                      "timestamp": (BASE + timedelta(days=2, minutes=5)).isoformat() + "Z"}])
    assert page(srv)["store"]["persons"] == persons - 1  # the anonymous visitor is u5 now


def test_a_gdpr_erasure_removes_the_person_from_the_figures_on_the_next_load(srv: DashServer) -> None:
    before = cached_page(srv)
    with api(srv) as c:
        r = c.delete("/api/v1/admin/persons/u39")
        assert r.status_code == 200, r.text
        removed = r.json()["removed"]
    after = page(srv)
    assert after["store"]["events"] == before["store"]["events"] - removed["events"]
    assert after["store"]["responses"] == before["store"]["responses"] - removed["responses"]
    assert tile(after, "nps")["row"]["n"] == tile(before, "nps")["row"]["n"] - removed["responses"]


def test_an_alert_check_and_a_follow_up_show_on_the_next_load(srv: DashServer) -> None:
    assert cached_page(srv)["alerts"]["rows"] == []
    with api(srv) as c:
        r = c.post("/api/v1/alerts/check", json={"as_of": (BASE + timedelta(days=31)).isoformat()})
        assert r.status_code == 200, r.text
    rows = page(srv)["alerts"]["rows"]
    assert rows and rows[0]["status"] == "open"
    cached_page(srv)
    with api(srv) as c:
        r = c.patch(f"/api/v1/alerts/{rows[0]['alert_id']}", json={"assignee": "ania"})
        assert r.status_code == 200, r.text
    row = next(x for x in page(srv)["alerts"]["rows"] if x["alert_id"] == rows[0]["alert_id"])
    assert row["assignee"] == "ania"


def test_a_model_refresh_shows_the_stored_customer_value_on_the_next_load(srv: DashServer) -> None:
    srv.post_events([{"type": "track", "userId": f"u{p}", "event": "Order Completed", "messageId": f"fresh-o-{p}-{k}",
                      "properties": {"order_id": f"fo-{p}-{k}", "revenue": 50.0 + 10 * k + p, "currency": "PLN"},
                      "timestamp": (BASE + timedelta(days=3 + 9 * k + p % 5, hours=p)).isoformat() + "Z"}
                     for p in range(36) for k in range(1 + p % 3)])  # enough repeat buyers for the model
    before = tile(cached_page(srv), "clv")
    with api(srv) as c:
        r = c.post("/api/v1/clv/refresh", json={})
        assert r.status_code == 200, r.text
    after = tile(page(srv), "clv")
    assert before["status"] == "empty" and before["row"] is None  # nothing stored yet
    assert after["status"] == "ok" and after["row"]["n"] == r.json()["customers"] > 30, after["row"]


def test_a_text_analysis_shows_themes_on_the_next_load(srv: DashServer) -> None:
    before = cached_page(srv, "/dashboard/surveys.json")
    with api(srv) as c:
        r = c.post("/api/v1/text/analyze", json={})
        assert r.status_code == 200, r.text
    after = page(srv, "/dashboard/surveys.json")
    assert not before["themes"]["rows"], before["themes"]
    assert after["themes"]["rows"] and any(v.get("theme") for v in after["verbatims"]["rows"])


def test_an_edited_journey_target_shows_on_the_next_load(srv: DashServer) -> None:
    before = tile(cached_page(srv), "nps")["target"]
    assert before is not None
    path = next(srv.settings.workspace.joinpath("journeys").glob("*.yaml"))
    text = path.read_text()
    old = f"nps: {before['value']:g}"
    assert old in text
    path.write_text(text.replace(old, f"nps: {before['value'] + 7:g}", 1))
    try:
        assert tile(page(srv), "nps")["target"]["value"] == before["value"] + 7
    finally:
        path.write_text(text)


def _metric_values(v: Any, metric: str) -> list[Any]:
    """The value of every row of ``metric`` anywhere in a page's JSON."""
    if isinstance(v, dict):
        own = [v["value"]] if v.get("metric") == metric and "value" in v else []
        return own + [x for w in v.values() for x in _metric_values(w, metric)]
    if isinstance(v, list):
        return [x for w in v for x in _metric_values(w, metric)]
    return []


def test_ad_costs_imported_again_for_the_same_day_show_on_the_next_load(srv: DashServer, tmp_path: Any) -> None:
    """Re-importing a day replaces its cost in place (same row count): the journey page's cost per conversion
    still follows. Imports run in-process with the server's store (the CLI asks to stop the server first)."""
    from cxjourney.ingest.importer import import_file

    def costs(amount: float) -> None:
        f = tmp_path / f"costs-{amount}.csv"
        f.write_text(f"date,campaign,channel,cost\n{(BASE + timedelta(days=1)).date()},autumn,web,{amount}\n")
        assert import_file(srv.app.state.store, "costs", f).accepted == 1

    costs(100.0)
    before = _metric_values(cached_page(srv, "/dashboard/journey.json"), "cost_per_conversion")
    costs(900.0)
    after = _metric_values(page(srv, "/dashboard/journey.json"), "cost_per_conversion")
    pairs = [(b, a) for b, a in zip(before, after, strict=True) if b]
    assert pairs and all(abs(a - 9 * b) < 1e-6 for b, a in pairs), (before, after)  # 100 PLN, then 900 PLN
