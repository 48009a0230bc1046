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
    extra = {"survey": survey, "survey_id": survey}
    fp = f.as_params()
    scores = []
    for name, kind in SCORES:
        p = fetch(ctx, name, fp, period="week", **extra)
        head, trend = overall_and_trend(p)
        overall = fetch(ctx, name, fp, **extra)
        h2, _ = overall_and_trend(overall)
        chart = charts.line_with_band(trend, "period", name.upper(), percent=(kind == "rate"), small_label=t("n too small"))
        scores.append({"key": name, "kind": kind, "status": overall.status if not p.ok else p.status, "reason": p.reason or overall.reason,
                       "row": h2 or head, "flagged": is_flagged(h2 or head or {}), **panel_json(p, chart)})
    dist = fetch(ctx, "score_distribution", fp, **extra)
    dist_chart = None
    if dist.ok and dist.rows and "score" in dist.rows[0]:
        cnt = next((k for k in ("count", "n", "responses") if k in dist.rows[0]), None)
        if cnt:
            dist_chart = charts.bars([str(r["score"]) for r in dist.rows], [r[cnt] for r in dist.rows], t("Score distribution"))
    rr = fetch(ctx, "response_rate", fp, **extra)
    verbatims = fetch(ctx, "comment_search", fp, limit=50, **extra)
    themes = fetch(ctx, "themes", fp, **extra)
    theme_chart = None
    if themes.ok and themes.rows and "theme" in themes.rows[0]:
        cnt = next((k for k in ("count", "n", "mentions") if k in themes.rows[0]), None)
        if cnt:
            top = themes.rows[:15]
            theme_chart = charts.bars([str(r["theme"]) for r in top], [r[cnt] for r in top], t("Themes"), horizontal=True)
    surveys = ctx.workspace.survey_ids() if ctx.workspace is not None else []
    return {
        "page": "surveys", "survey": survey, "surveys": surveys, "scores": scores,
        "distribution": panel_json(dist, dist_chart), "response_rate": panel_json(rr),
        "verbatims": panel_json(verbatims), "themes": panel_json(themes, theme_chart),
    }
