"""Latest alerts on the overview and a customer's alerts on the customer 360, from the registered ``alerts``
query over alerts the real check stored (detractors with a negative comment)."""

from __future__ import annotations

from htmltext import visible_text

from cxjourney.alerts import update_alert


def test_overview_lists_the_newest_alerts_with_kind_title_touchpoint_time_and_status(dash, dash_alerts):
    assert dash_alerts["created"]["detractor"] >= 5
    with dash.login("olga") as c:
        data = c.get("/dashboard/overview.json").json()
        text = visible_text(c.get("/dashboard/").text)
    panel = data["alerts"]
    assert panel["query"] == "alerts" and panel["status"] == "ok"
    assert 5 <= len(panel["rows"]) <= 10 and panel["meta"]["by_status"]["open"] >= 5
    first = panel["rows"][0]
    assert first["kind"] == "detractor" and first["touchpoint"] == "order" and first["status"] == "open"
    created = [r["created_at"] for r in panel["rows"]]
    assert created == sorted(created, reverse=True)
    assert "Latest alerts" in text and "Detractor (NPS 3) with a negative comment at order" in text
    assert "Detractor" in text and "open" in text
    assert data["changes"]["query"] == "score_change"  # the significant-changes panel stays


def test_a_followed_up_case_shows_its_new_status_on_the_next_page_load(dash, dash_alerts):
    st = dash.app.state
    with dash.login("ada") as c:
        aid = c.get("/dashboard/overview.json").json()["alerts"]["rows"][0]["alert_id"]
    update_alert(st.store, aid, now=dash_alerts_now(dash_alerts), status="contacted", assignee="ania", note="called back")
    with dash.login("ada") as c:
        rows = c.get("/dashboard/overview.json").json()["alerts"]["rows"]
    row = next(r for r in rows if r["alert_id"] == aid)
    assert row["status"] == "contacted" and row["assignee"] == "ania"
    st.store.con.execute("UPDATE alerts SET status = 'open', assignee = NULL, note = NULL, contacted_at = NULL WHERE alert_id = ?", [aid])


def dash_alerts_now(check: dict) -> object:
    from datetime import datetime

    return datetime.fromisoformat(check["checked_at"])


def test_customer_360_shows_the_persons_cases_with_the_comment_masked_for_an_agent(dash, dash_alerts):
    with dash.login("adam") as c:
        agent = c.get("/dashboard/customers/u6.json").json()
        html_text = visible_text(c.get("/dashboard/customers/u6").text)
    cases = agent["alerts"]
    assert cases and {a["kind"] for a in cases} == {"detractor"} and {a["person_id"] for a in cases} == {"u6"}
    assert "ewa.nowak@example.com" not in str(agent["alerts"]) and "ewa.nowak@example.com" not in html_text
    assert "Alerts and cases" in html_text and "Delivery was late and nobody answered" in html_text
    with dash.login("olga") as c:
        assert c.get("/dashboard/customers/u1.json").json()["alerts"] == []  # a promoter has no case


def test_agents_still_cannot_open_the_overview_with_its_alerts(dash, dash_alerts):
    with dash.login("adam") as c:
        assert c.get("/dashboard/overview.json").status_code == 403
