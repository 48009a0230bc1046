"""Surveys: NPS, CSAT and CES over time with intervals, score distributions, response rate, verbatims with
sentiment and themes (masked as the role requires), filtered by survey and the page filters."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard import charts
from cxjourney.dashboard.data import fetch, is_flagged, overall_and_trend
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import panel_json
from cxjourney.query.registry import QueryContext

SCORES = [("nps", "score"), ("csat", "rate"), ("ces", "score")]


def build(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    survey = next(iter(args.get("survey") or []), None) or None
    extra: dict[str, Any] = {}
    sentiment = next(iter(args.get("sentiment") or []), None) or None
    sentiment = sentiment if sentiment in ("positive", "neutral", "negative") else None
    fp = {**f.as_params(), **({"survey": survey} if survey else {})}
    scores = []
    for name, kind in SCORES:
        p = fetch(ctx, name, fp, period="week", **extra)
        head, trend = overall_and_trend(p)
        overall = fetch(ctx, name, fp, **extra)
        h2, _ = overall_and_trend(overall)
        chart = charts.line_with_band(trend, "period", name.upper(), percent=(kind == "rate"), small_label=t("n too small"))
        scores.append({"key": name, "kind": kind, "status": overall.status if not p.ok else p.status, "reason": p.reason or overall.reason,
                       "row": h2 or head, "flagged": is_flagged(h2 or head or {}), **panel_json(p, chart)})
    dists = []
    for kind, _ in SCORES:
        d = fetch(ctx, "score_distribution", fp, kind=kind)
        chart = None
        if d.ok and d.rows and "score" in d.rows[0]:
            chart = charts.bars([f"{r['score']:g}" for r in d.rows], [r.get("value") for r in d.rows], kind.upper(), percent=True)
            if chart is not None:
                chart["data"][0]["text"] = [f"n={r.get('count')}" for r in d.rows]
        dists.append({"key": kind, **panel_json(d, chart)})
    rr = fetch(ctx, "response_rate", fp, **extra)
    verbatims = fetch(ctx, "comment_search", fp, limit=50, label=sentiment, **extra)
    themes = fetch(ctx, "themes", fp, **extra)
    theme_chart = None
    names = {str(r["theme"]): str(r.get("name") or r["theme"]) for r in themes.rows} if themes.ok else {}
    if themes.ok and themes.rows and "theme" in themes.rows[0]:
        cnt = next((k for k in ("count", "n", "mentions") if k in themes.rows[0]), None)
        if cnt:
            top = themes.rows[:15]
            theme_chart = charts.bars([names[str(r["theme"])] for r in top], [r[cnt] for r in top], t("Themes"), horizontal=True)
    if verbatims.ok and verbatims.rows:
        found = fetch(ctx, "comment_themes", None, response_ids=sorted({str(v["response_id"]) for v in verbatims.rows if v.get("response_id")}))
        by_id = {(r["response_id"], r["question_id"]): r.get("theme") for r in found.rows} if found.ok else {}
        for v in verbatims.rows:
            theme = by_id.get((v.get("response_id"), v.get("question_id")))
            v["theme"] = names.get(str(theme), theme) if theme else None
    surveys = ctx.workspace.survey_ids() if ctx.workspace is not None else []
    return {
        "page": "surveys", "survey": survey, "sentiment": sentiment, "surveys": surveys, "scores": scores,
        "distributions": dists, "response_rate": panel_json(rr),
        "verbatims": panel_json(verbatims), "themes": panel_json(themes, theme_chart),
    }
