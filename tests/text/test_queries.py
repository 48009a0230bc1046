"""Emotion curve, themes, pain points and search over analysed survey comments."""

from datetime import datetime

import pytest

from cxjourney.config import load_settings
from cxjourney.query import QueryContext, run_query
from cxjourney.storage import connect
from cxjourney.workspace import Workspace


@pytest.fixture(scope="module")
def ctx(comments_workspace):  # type: ignore[no-untyped-def]
    settings = load_settings(comments_workspace)
    store = connect(settings, read_only=True)
    yield QueryContext(store, settings, datetime(2026, 3, 1), Workspace(settings), role="analyst")
    store.close()


def test_comment_analysis_holds_one_scored_masked_row_per_comment(ctx):
    con = ctx.store.con
    n_comments = con.execute("SELECT count(*) FROM responses WHERE comment IS NOT NULL").fetchall()[0][0]
    rows = con.execute("SELECT language, label, analyzer FROM comment_analysis").fetchall()
    assert len(rows) == n_comments > 400
    assert {r[0] for r in rows} == {"pl", "en"}
    assert {r[1] for r in rows} == {"negative", "neutral", "positive"}
    assert {r[2] for r in rows} == {"project-v1"}


def test_emotion_curve_follows_the_journey_order_with_intervals_and_n(ctx):
    res = run_query(ctx, "emotion_curve", {})
    assert res.meta["journey"] == "shop"
    assert [r["touchpoint"] for r in res.rows] == ["ad", "email", "home", "browse", "product", "checkout",
                                                    "delivery", "support"]
    assert [r["stage"] for r in res.rows][:3] == ["awareness"] * 3
    assert sum(r["n"] for r in res.rows) == res.meta["n"]
    for r in res.rows:
        assert -1 <= r["ci_low"] <= r["value"] <= r["ci_high"] <= 1
        assert r["flags"] == ([] if r["n"] >= 30 else ["insufficient_sample"])


def test_emotion_curve_by_stage_and_language_segment_adds_up(ctx):
    by_stage = run_query(ctx, "emotion_curve", {"by": "stage"})
    assert [r["stage"] for r in by_stage.rows] == ["awareness", "consideration", "purchase", "retention"]
    seg = run_query(ctx, "emotion_curve", {"by": "stage", "segment": "language"})
    assert {r["segment"] for r in seg.rows} == {"pl", "en"}
    assert sum(r["n"] for r in seg.rows) == sum(r["n"] for r in by_stage.rows)


def test_emotion_curve_flags_small_cells_by_month(ctx):
    res = run_query(ctx, "emotion_curve", {"period": "month"})
    assert len({r["period"] for r in res.rows}) >= 2
    assert any("insufficient_sample" in r["flags"] for r in res.rows)


def test_delivery_complaints_read_as_negative_at_the_courier_touchpoint(ctx):
    res = run_query(ctx, "comment_search", {"q": "kurier", "touchpoint": "delivery", "label": "negative"})
    assert res.rows and all(r["label"] == "negative" and r["touchpoint"] == "delivery" for r in res.rows)


def test_themes_are_named_by_top_terms_and_stable_with_the_same_seed(ctx):
    a = run_query(ctx, "themes", {"k": 4, "seed": 3})
    b = run_query(ctx, "themes", {"k": 4, "seed": 3})
    assert [(r["name"], r["n"]) for r in a.rows] == [(r["name"], r["n"]) for r in b.rows]
    assert len(a.rows) >= 4
    for r in a.rows:
        assert r["name"] == ", ".join(r["terms"][:3]) and r["n"] > 0 and r["examples"]
        assert -1 <= r["mean_sentiment"] <= 1
    assert sum(r["n"] for r in a.rows) + a.meta["unassigned"] == a.meta["n"]


def test_pain_points_rank_negative_volume_first_with_the_comments_behind_them(ctx):
    res = run_query(ctx, "pain_points", {"k": 5, "limit": 10})
    assert res.rows
    scores = [r["pain_score"] for r in res.rows]
    assert scores == sorted(scores, reverse=True)
    top = res.rows[0]
    assert top["negative_n"] >= 1 and top["comments"]
    assert all(c["sentiment"] < 0 for c in top["comments"])
    assert 0 <= top["share_negative_ci_low"] <= top["share_negative"] <= top["share_negative_ci_high"] <= 1


def test_search_finds_polish_words_in_any_inflection_and_without_diacritics(ctx):
    res = run_query(ctx, "comment_search", {"q": "paczka", "limit": 500})
    matched = {m for r in res.rows for m in r["matched"]}
    assert {"paczka", "paczkę", "paczki"} <= matched
    folded = run_query(ctx, "comment_search", {"q": "zwrot pieniadze", "limit": 500})
    assert folded.rows and all(len(r["matched"]) >= 2 for r in folded.rows)


def test_search_filters_by_score_and_date(ctx):
    neg = run_query(ctx, "comment_search", {"max_score": -0.5, "limit": 1000})
    assert neg.rows and all(r["sentiment"] <= -0.5 for r in neg.rows)
    early = run_query(ctx, "comment_search", {"until": "2026-01-10T00:00:00", "limit": 1000})
    assert early.rows and all(r["timestamp"] < "2026-01-10" for r in early.rows)


def test_masked_roles_never_see_pii_and_admin_does(text_workspace):
    from cxjourney.text.analyze import analyze_comments
    from cxjourney.text.sentiment import default_analyzer

    settings = load_settings(text_workspace)
    store = connect(settings)
    try:
        store.con.execute(
            "INSERT INTO responses VALUES ('pii1','q1','s1','text',NULL,NULL,"
            "'Kurier nie przyszedł, dzwońcie 601 234 567 albo jan@example.com','p1','delivery','shop',NULL,"
            "'web','pl',TIMESTAMP '2026-02-01 10:00:00',TIMESTAMP '2026-02-01 10:00:00','test')")
        analyze_comments(store, default_analyzer(), now=datetime(2026, 3, 1))
        masked = store.con.execute("SELECT masked_comment FROM comment_analysis").fetchall()[0][0]
        assert masked == "Kurier nie przyszedł, dzwońcie [PHONE] albo [EMAIL]"
        for role, raw in (("agent", False), ("analyst", False), ("admin", True)):
            c = QueryContext(store, settings, datetime(2026, 3, 1), Workspace(settings), role=role)
            hit = run_query(c, "comment_search", {"q": "kurierzy"}).rows
            assert len(hit) == 1
            assert ("601 234 567" in hit[0]["comment"]) is raw
            assert ("[PHONE]" in hit[0]["comment"]) is not raw
            # searching for the hidden text must not reveal that it is there
            assert bool(run_query(c, "comment_search", {"q": "example"}).rows) is raw
    finally:
        store.close()


def test_search_rows_carry_survey_theme_and_the_responses_score(ctx):
    res = run_query(ctx, "comment_search", {"q": "kurier", "limit": 5})
    assert res.rows
    for row in res.rows:
        assert row["survey_id"] == "s1" and isinstance(row["theme"], str | None)
        assert "score" in row and "score_kind" in row
