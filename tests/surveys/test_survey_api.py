"""The survey API, hosted page and widget endpoints against a real server on 127.0.0.1."""

from __future__ import annotations

import re
from typing import Any

import httpx


def _rows(live: Any, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    # The server owns the file; read through its own store under its lock.
    st = live.app.state.store
    with st.lock:
        return st.con.execute(sql, params or []).fetchall()


def _post(live: Any, path: str, body: dict[str, Any]) -> httpx.Response:
    with httpx.Client(base_url=live.url, timeout=30) as c:
        return c.post(path, json={"writeKey": live.write_key, **body})


def test_response_is_stored_with_touchpoint_stage_and_person(live_server: Any) -> None:
    r = _post(live_server, "/api/v1/surveys/relationship-nps/responses",
              {"response_id": "resp-1", "userId": "alice", "answers": {"nps": 3, "comment": "Slow delivery"}})
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 2
    rows = _rows(live_server, "SELECT question_id, kind, score, comment, person_id, touchpoint, stage, journey, channel "
                              "FROM responses ORDER BY question_id")
    assert rows == [("comment", "text", None, "Slow delivery", "alice", "nps_survey", "advocacy", "online-store", "api"),
                    ("nps", "nps", 3.0, None, "alice", "nps_survey", "advocacy", "online-store", "api")]
    ev = _rows(live_server, "SELECT event, person_id, json_extract_string(properties, '$.survey_id') FROM events")
    assert ev == [("Survey Responded", "alice", "relationship-nps")]


def test_second_submit_of_the_same_response_is_an_idempotent_success(live_server: Any) -> None:
    body = {"response_id": "resp-dup", "userId": "bob", "answers": {"csat": 5}}
    first = _post(live_server, "/api/v1/surveys/checkout-csat/responses", body)
    second = _post(live_server, "/api/v1/surveys/checkout-csat/responses", body)
    assert first.json()["stored"] == 1 and not first.json()["duplicate"]
    assert second.status_code == 200 and second.json()["duplicate"] is True and second.json()["stored"] == 0
    assert _rows(live_server, "SELECT count(*) FROM responses")[0][0] == 1
    assert _rows(live_server, "SELECT count(*) FROM events WHERE event = 'Survey Responded'")[0][0] == 1


def test_bad_responses_get_a_4xx_naming_the_field_and_store_nothing(live_server: Any) -> None:
    cases = [
        ("/api/v1/surveys/relationship-nps/responses", {"userId": "c", "answers": {"nps": 11}}, 400, "answers.nps"),
        ("/api/v1/surveys/relationship-nps/responses", {"userId": "c", "answers": {"nps": "7.5"}}, 400, "answers.nps"),
        ("/api/v1/surveys/relationship-nps/responses", {"userId": "c", "answers": {"comment": "hi"}}, 400, "answers.nps"),
        ("/api/v1/surveys/relationship-nps/responses", {"userId": "c", "answers": {"nps": 9, "colour": "red"}}, 400, "answers.colour"),
        ("/api/v1/surveys/no-such-survey/responses", {"userId": "c", "answers": {"nps": 9}}, 404, "survey"),
        ("/api/v1/surveys/delivery-csat/responses", {"userId": "c", "answers": {"csat": 4, "on_time": "maybe"}}, 400, "answers.on_time"),
        ("/api/v1/surveys/checkout-csat/responses", {"answers": {"csat": 4}}, 400, "userId"),
    ]
    for path, body, status, field in cases:
        r = _post(live_server, path, body)
        assert r.status_code == status, (body, r.text)
        j = r.json()
        assert j["ok"] is False and field in [e["field"] for e in j["errors"]], (body, j)
    assert _rows(live_server, "SELECT count(*) FROM responses")[0][0] == 0
    with httpx.Client(base_url=live_server.url) as c:
        r = c.post("/api/v1/surveys/checkout-csat/responses", json={"userId": "c", "answers": {"csat": 4}})
    assert r.status_code == 401


def test_fatigue_cap_blocks_a_second_survey_from_any_channel(live_server: Any) -> None:
    # An e-mail answer (any channel) within survey_fatigue_days blocks the widget for that person.
    _post(live_server, "/api/v1/surveys/delivery-csat/responses", {"userId": "dana", "answers": {"csat": 4}, "channel": "email"})
    r = _post(live_server, "/w/show", {"survey": "support-ces", "userId": "dana"})
    assert r.json()["show"] is False and r.json()["reason"] == "fatigue"
    # Someone never asked is shown the survey once; the 'Survey Shown' then blocks every other survey.
    r1 = _post(live_server, "/w/show", {"survey": "support-ces", "anonymousId": "anon-9"})
    assert r1.json()["show"] is True
    r2 = _post(live_server, "/w/show", {"survey": "checkout-csat", "anonymousId": "anon-9"})
    assert r2.json() == {**r2.json(), "show": False, "reason": "fatigue"}
    shown = _rows(live_server, "SELECT person_id, json_extract_string(properties, '$.survey_id') FROM events WHERE event = 'Survey Shown'")
    assert shown == [("anon-9", "support-ces")]


def test_consent_refused_means_no_survey(live_server: Any) -> None:
    r = _post(live_server, "/w/show", {"survey": "support-ces", "anonymousId": "anon-c", "consent": False})
    assert r.json()["show"] is False and r.json()["reason"] == "no_consent"
    assert _rows(live_server, "SELECT count(*) FROM events")[0][0] == 0


def test_dismissal_is_recorded_once(live_server: Any) -> None:
    rid = _post(live_server, "/w/show", {"survey": "support-ces", "anonymousId": "anon-d"}).json()["response_id"]
    for _ in range(2):
        assert _post(live_server, "/w/dismiss", {"survey": "support-ces", "anonymousId": "anon-d", "response_id": rid}).status_code == 200
    assert _rows(live_server, "SELECT count(*) FROM events WHERE event = 'Survey Dismissed'")[0][0] == 1


def _link(live: Any, survey: str, person: str) -> str:
    from cxjourney.surveys.answers import link_signature

    return f"/s/{survey}?u={person}&sig={link_signature(live.settings.secret_key, survey, person)}&c=email"


def test_hosted_page_needs_a_valid_link(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url) as c:
        assert c.get("/s/relationship-nps?u=eve").status_code == 401
        assert c.get("/s/relationship-nps?u=eve&sig=0000").status_code == 401
        assert c.get("/s/nope?u=eve&sig=0000").status_code == 404
        page = c.get(_link(live_server, "relationship-nps", "eve") + "&lang=pl")
    assert page.status_code == 200
    html = page.text
    assert '<html lang="pl">' in html and "Jak prawdopodobne" in html
    assert len(re.findall(r'<input type="radio" name="nps" value="\d+"', html)) == 11
    assert '<label class="qlabel" for="a-comment">' in html and 'meta name="viewport"' in html


def test_hosted_page_stores_the_answer_and_shows_a_script_comment_as_text(live_server: Any) -> None:
    evil = '<script>window.pwned = 1</script> & "quotes"'
    with httpx.Client(base_url=live_server.url) as c:
        page = c.get(_link(live_server, "relationship-nps", "frank"))
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        r = c.post("/s/relationship-nps", data={**hidden, "nps": "2", "comment": evil})
        again = c.post("/s/relationship-nps", data={**hidden, "nps": "2", "comment": evil})
    assert r.status_code == 200 and again.status_code == 200
    assert "<script>window.pwned" not in r.text
    assert "&lt;script&gt;window.pwned = 1&lt;/script&gt; &amp; &#34;quotes&#34;" in r.text
    rows = _rows(live_server, "SELECT question_id, score, comment, person_id, channel FROM responses ORDER BY question_id")
    assert rows == [("comment", None, evil, "frank", "email"), ("nps", 2.0, None, "frank", "email")]
    shown = _rows(live_server, "SELECT count(*) FROM events WHERE event = 'Survey Shown'")[0][0]
    assert shown == 1


def test_hosted_page_shows_the_error_next_to_the_question(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url) as c:
        page = c.get(_link(live_server, "relationship-nps", "gina"))
        hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text))
        r = c.post("/s/relationship-nps", data={**hidden, "comment": "no score"})
    assert r.status_code == 400
    assert 'role="alert"' in r.text and 'href="#q-nps"' in r.text
    assert _rows(live_server, "SELECT count(*) FROM responses")[0][0] == 0


def test_metrics_route_returns_rows_with_interval_n_and_flags(live_server: Any) -> None:
    for i, s in enumerate([10, 9, 9, 7, 3]):
        _post(live_server, "/api/v1/surveys/relationship-nps/responses", {"response_id": f"m{i}", "userId": f"p{i}", "answers": {"nps": s}})
    with live_server.client(live_server.admin_token) as c:
        r = c.get("/api/v1/metrics/nps", params={"by": "touchpoint"})
        assert c.get("/api/v1/metrics/nps").status_code == 200
        assert c.get("/api/v1/metrics/bogus").status_code == 404
    assert r.status_code == 200, r.text
    (row,) = r.json()["rows"]
    assert row["touchpoint"] == "nps_survey" and row["n"] == 5 and row["value"] == 40.0
    assert (row["promoters"], row["passives"], row["detractors"]) == (3, 1, 1)
    assert row["ci_low"] < 40 < row["ci_high"] and row["flags"] == ["insufficient_sample"]
    with httpx.Client(base_url=live_server.url) as c:
        assert c.get("/api/v1/metrics/nps").status_code == 401


def test_widget_config_lists_widget_surveys_for_the_write_key(live_server: Any) -> None:
    with httpx.Client(base_url=live_server.url) as c:
        assert c.get("/w/config").status_code == 401
        cfg = c.get("/w/config", params={"k": live_server.write_key}).json()
        js = c.get("/w/widget.js")
    ids = sorted(s["id"] for s in cfg["surveys"])
    assert ids == ["checkout-csat", "relationship-nps", "support-ces"]  # delivery-csat is e-mail/link only
    assert js.status_code == 200 and "javascript" in js.headers["content-type"]
    assert "innerHTML" not in js.text




def test_sampling_asks_the_configured_share_and_the_same_people_on_every_page(live_server: Any) -> None:
    from datetime import datetime

    from cxjourney.surveys.answers import sampled

    # relationship-nps has sample_rate 0.2. The draw is a hash of (person, survey, fatigue window).
    now = datetime(2026, 3, 1)
    share = sum(sampled(f"p{i}", "relationship-nps", 0.2, now=now, days=30) for i in range(20_000)) / 20_000
    assert 0.19 < share < 0.21
    clock, days = live_server.app.state.clock(), live_server.settings.survey_fatigue_days
    draw = {f"visitor-{i}": sampled(f"visitor-{i}", "relationship-nps", 0.2, now=clock, days=days) for i in range(200)}
    people = [v for v, yes in draw.items() if yes][:3] + [v for v, yes in draw.items() if not yes][:3]
    answers = [_post(live_server, "/w/show", {"survey": "relationship-nps", "anonymousId": v}).json() for v in people]
    assert [a["show"] for a in answers] == [True] * 3 + [False] * 3
    assert {a["reason"] for a in answers[3:]} == {"not_sampled"}
    again = _post(live_server, "/w/show", {"survey": "relationship-nps", "anonymousId": people[3]}).json()
    assert again["reason"] == "not_sampled"  # reloading the page does not re-draw
    shown = _rows(live_server, "SELECT person_id FROM events WHERE event = 'Survey Shown' ORDER BY seq")
    assert [r[0] for r in shown] == people[:3]  # people outside the sample leave no trace and may be asked by another survey
