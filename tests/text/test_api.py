"""Text routes and text queries over real HTTP (uvicorn on 127.0.0.1)."""

from cxjourney.security.keys import create_key

COMMENTS = [
    ("c1", "Kurier spóźnił się trzy dni, dzwońcie 601 234 567", "delivery", "pl"),
    ("c2", "Świetna obsługa, szybka dostawa", "delivery", "pl"),
    ("c3", "The courier was rude and the parcel was damaged", "delivery", "en"),
    ("c4", "Great support, solved my problem fast", "support", "en"),
]


def _seed(store) -> None:  # type: ignore[no-untyped-def]
    with store.lock:
        for i, (rid, text, tp, lang) in enumerate(COMMENTS):
            store.con.execute(
                "INSERT INTO responses VALUES (?, 'q1', 's1', 'text', NULL, NULL, ?, 'p1', ?, NULL, NULL, 'web', ?, "
                "TIMESTAMP '2026-02-01 10:00:00' + INTERVAL (?) HOUR, TIMESTAMP '2026-02-01 10:00:00', 'test')",
                [rid, text, tp, lang, i])


def test_sentiment_route_scores_and_masks_for_non_admins(live_server):
    store = live_server.app.state.store
    analyst = create_key(store, "token", role="analyst", name="a")
    body = {"texts": ["Nie polecam, zadzwońcie 601 234 567", "Love the app"]}
    with live_server.client(analyst) as c:
        r = c.post("/api/v1/text/sentiment", json=body)
    assert r.status_code == 200, r.text
    rows = r.json()["rows"]
    assert [(x["language"], x["label"]) for x in rows] == [("pl", "negative"), ("en", "positive")]
    assert rows[0]["text"] == "Nie polecam, zadzwońcie [PHONE]"
    with live_server.client(live_server.admin_token) as c:
        assert "601 234 567" in c.post("/api/v1/text/sentiment", json=body).json()["rows"][0]["text"]


def test_bad_sentiment_request_gets_the_one_error_shape(live_server):
    with live_server.client(live_server.admin_token) as c:
        r = c.post("/api/v1/text/sentiment", json={"texts": []})
    assert r.status_code in (400, 422)
    body = r.json()
    assert body["ok"] is False and body["errors"]


def test_analyze_then_query_the_curve_and_search_over_http(live_server):
    _seed(live_server.app.state.store)
    with live_server.client(live_server.admin_token) as c:
        r = c.post("/api/v1/text/analyze", json={})
        assert r.status_code == 200, r.text
        assert r.json()["analyzed"] == 4
        curve = c.post("/api/v1/query", json={"query": "emotion_curve", "params": {}}).json()
        assert {row["touchpoint"] for row in curve["rows"]} == {"delivery", "support"}
        assert all("insufficient_sample" in row["flags"] for row in curve["rows"])
    analyst = create_key(live_server.app.state.store, "token", role="analyst", name="a")
    with live_server.client(analyst) as c:
        hits = c.get("/api/v1/query/comment_search", params={"q": "kurierzy"}).json()["rows"]
    assert len(hits) == 1 and "[PHONE]" in hits[0]["comment"] and "601" not in hits[0]["comment"]


def test_agents_may_not_recompute_the_analysis(live_server):
    agent = create_key(live_server.app.state.store, "token", role="agent", name="g")
    with live_server.client(agent) as c:
        r = c.post("/api/v1/text/analyze", json={})
    assert r.status_code == 403 and r.json()["ok"] is False
