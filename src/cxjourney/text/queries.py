"""Registered queries over analysed comments (``responses`` joined with ``comment_analysis``):
``emotion_curve``, ``themes``, ``pain_points``, ``comment_search``. Comments are shown masked unless the
caller's role may see raw text (:func:`cxjourney.text.pii.can_see_raw`)."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Any, Literal

import pandas as pd
from pydantic import BaseModel, Field

from cxjourney.metrics.stats import flags_for, wilson
from cxjourney.query.registry import QueryContext, Result, register
from cxjourney.text.pii import can_see_raw, mask_pii

NOT_ANALYSED_HINT = "no analysed comments: run 'cxjourney text analyze' first"
PERIODS = {"day": "D", "week": "W", "month": "M", "quarter": "Q"}


class CommentFilter(BaseModel):
    journey: str | None = Field(default=None, description="Only this journey (responses without one are kept).")
    touchpoint: str | None = Field(default=None, description="Only comments left at this touchpoint.")
    since: datetime | None = Field(default=None, description="Responses at or after this time.")
    until: datetime | None = Field(default=None, description="Responses before this time.")
    language: Literal["pl", "en", "other"] | None = Field(default=None, description="Only this comment language.")


def _joined(ctx: QueryContext, f: CommentFilter) -> Any:
    """Ibis expression: one row per analysed comment with its response's context."""
    r = ctx.store.table("responses")
    ca = ctx.store.table("comment_analysis").select(
        "response_id", "question_id", "sentiment", "label", "theme", "masked_comment",
        c_language=ctx.store.table("comment_analysis").language,
    )
    j = r.join(ca, ["response_id", "question_id"])
    preds = []
    if f.journey:
        preds.append(j.journey.isnull() | (j.journey == f.journey))
    if f.touchpoint:
        preds.append(j.touchpoint == f.touchpoint)
    if f.since:
        preds.append(j.timestamp >= f.since)
    if f.until:
        preds.append(j.timestamp < f.until)
    if f.language:
        preds.append(j.c_language == f.language)
    return j.filter(*preds) if preds else j


def _shown(ctx: QueryContext, raw: Any, masked: Any) -> str:
    if can_see_raw(ctx.role):
        return "" if raw is None else str(raw)
    return str(masked) if isinstance(masked, str) else mask_pii(None if raw is None else str(raw))


def _mean_interval(mean: float | None, sd: float | None, n: int, confidence: float) -> tuple[float | None, float | None]:
    """Student-t interval of a mean sentiment, clipped to [-1, 1]; None when n < 2."""
    if mean is None or n < 2 or sd is None or (isinstance(sd, float) and math.isnan(sd)):
        return None, None
    from scipy import stats

    half = float(stats.t.ppf(0.5 + confidence / 2, n - 1)) * float(sd) / math.sqrt(n)
    return max(-1.0, mean - half), min(1.0, mean + half)


def _journey_order(ctx: QueryContext, journey: str | None) -> tuple[str | None, dict[str, tuple[int, str, int]]]:
    """touchpoint id -> (stage index, stage id, touchpoint index) from the journey YAML, if any."""
    ws = ctx.workspace
    if ws is None:
        return None, {}
    try:
        j = ws.journey(journey)
    except Exception:  # no journey files: order by what the data says
        if journey:
            raise
        return None, {}
    order: dict[str, tuple[int, str, int]] = {}
    k = 0
    for si, stage in enumerate(j.stages):
        for tp in stage.touchpoints:
            order[tp.id] = (si, stage.id, k)
            k += 1
    return j.id, order


class EmotionCurveParams(CommentFilter):
    by: Literal["touchpoint", "stage"] = Field(default="touchpoint", description="One point per touchpoint or per stage.")
    period: Literal["none", "day", "week", "month", "quarter"] = Field(default="none", description="Split by period.")
    segment: Literal["none", "channel", "language", "survey_id", "kind"] = Field(
        default="none", description="Split by a response column (language = the comment's language).")


@register("emotion_curve", EmotionCurveParams, summary="Mean comment sentiment along the journey, with intervals and n.")
def emotion_curve(ctx: QueryContext, params: EmotionCurveParams) -> Result:
    journey_id, order = _journey_order(ctx, params.journey)
    j = _joined(ctx, params)
    j = j.filter(j.sentiment.notnull())
    cols: dict[str, Any] = {"touchpoint": j.touchpoint.fill_null("(none)"), "stage": j.stage}
    if params.period != "none":
        cols["period"] = j.timestamp.truncate(PERIODS[params.period]).cast("date")
    if params.segment != "none":
        cols["segment"] = (j.c_language if params.segment == "language" else j[params.segment]).fill_null("(none)")
    base = j.select(sentiment=j.sentiment, negative=(j.label == "negative").cast("int64"),
                    positive=(j.label == "positive").cast("int64"), **cols)
    df = base.execute()
    if df.empty:
        return Result(rows=[], meta={"journey": journey_id, "hint": NOT_ANALYSED_HINT, "n": 0})
    # Stage: the journey's stage of the touchpoint wins over what the response row says.
    df["stage"] = [order[t][1] if t in order else (s if isinstance(s, str) else "(none)")
                   for t, s in zip(df["touchpoint"], df["stage"], strict=True)]
    stage_index = {sid: si for si, sid, _ in order.values()}
    keys = ["stage"] if params.by == "stage" else ["stage", "touchpoint"]
    keys += [c for c in ("period", "segment") if c in df.columns]
    rows = []
    for key, g in df.groupby(keys, sort=False, dropna=False):
        key = key if isinstance(key, tuple) else (key,)
        dims = dict(zip(keys, key, strict=True))
        n = len(g)
        mean = float(g["sentiment"].mean())
        lo, hi = _mean_interval(mean, float(g["sentiment"].std(ddof=1)) if n > 1 else None, n, ctx.settings.confidence)
        flags = flags_for(n, ctx.settings.min_sample)
        tp = dims.get("touchpoint")
        in_journey = (tp in order) if params.by == "touchpoint" else (dims["stage"] in stage_index)
        if order and not in_journey:
            flags.append("not_in_journey")
        rows.append({
            **({"period": str(dims["period"])} if "period" in dims else {}),
            **({"segment": dims["segment"]} if "segment" in dims else {}),
            "stage": dims["stage"],
            **({"touchpoint": tp} if params.by == "touchpoint" else {}),
            "value": round(mean, 4), "ci_low": None if lo is None else round(lo, 4),
            "ci_high": None if hi is None else round(hi, 4), "n": n,
            "share_negative": round(float(g["negative"].sum()) / n, 4),
            "share_positive": round(float(g["positive"].sum()) / n, 4),
            "flags": flags,
        })

    def sort_key(row: dict[str, Any]) -> tuple[Any, ...]:
        tp = row.get("touchpoint")
        if params.by == "touchpoint" and tp in order:
            pos: tuple[Any, ...] = (0, order[tp][2], "")
        elif params.by == "stage" and row["stage"] in stage_index:
            pos = (0, stage_index[row["stage"]], "")
        else:
            pos = (1, 0, f"{row['stage']}/{tp or ''}")
        return (row.get("period", ""), row.get("segment", ""), *pos)

    rows.sort(key=sort_key)
    return Result(rows=rows, meta={
        "journey": journey_id, "by": params.by, "n": int(len(df)), "value": "mean sentiment in [-1, 1]",
        "interval": f"Student-t {ctx.settings.confidence:.0%} interval of the mean",
        "min_sample": ctx.settings.min_sample,
    })


class ThemesParams(CommentFilter):
    k: int = Field(default=6, ge=1, le=30, description="Number of themes to look for.")
    seed: int = Field(default=0, description="Seed of the topic model (same seed, same themes).")
    examples: int = Field(default=3, ge=0, le=20, description="Example comments per theme.")


def _theme_frame(ctx: QueryContext, params: ThemesParams) -> tuple[pd.DataFrame, Any]:
    from cxjourney.text.themes import extract_themes

    j = _joined(ctx, params)
    df = j.select("response_id", "question_id", "comment", "masked_comment", "c_language", "sentiment", "label",
                  "touchpoint", "stage", "timestamp").order_by(["timestamp", "response_id", "question_id"]).execute()
    if df.empty:
        return df, None
    model = extract_themes(df["comment"].fillna("").astype(str).tolist(), df["c_language"].fillna("other").tolist(),
                           k=params.k, seed=params.seed)
    df["theme_id"] = model.assignment
    df["weight"] = model.weight
    return df, model


def _examples(ctx: QueryContext, g: pd.DataFrame, k: int, order: str) -> list[dict[str, Any]]:
    if k == 0 or g.empty:
        return []
    if order == "negative":
        g = g.sort_values(["sentiment", "weight", "response_id"], ascending=[True, False, True], na_position="last")
    else:
        g = g.sort_values(["weight", "response_id"], ascending=[False, True])
    return [{"response_id": r.response_id, "touchpoint": r.touchpoint, "sentiment": _num(r.sentiment),
             "comment": _shown(ctx, r.comment, r.masked_comment)} for r in g.head(k).itertuples()]


def _num(x: Any) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else round(float(x), 4)


@register("themes", ThemesParams, summary="Topics of the comments, named by their top terms, with counts and sentiment.")
def themes(ctx: QueryContext, params: ThemesParams) -> Result:
    df, model = _theme_frame(ctx, params)
    if model is None:
        return Result(rows=[], meta={"hint": NOT_ANALYSED_HINT, "n": 0})
    total = len(df)
    rows = []
    for t in model.themes:
        g = df[df["theme_id"] == t.id]
        scored = g["sentiment"].dropna()
        n = len(g)
        mean = float(scored.mean()) if len(scored) else None
        lo, hi = _mean_interval(mean, float(scored.std(ddof=1)) if len(scored) > 1 else None, len(scored), ctx.settings.confidence)
        rows.append({
            "theme": t.id, "name": t.name, "terms": t.terms, "n": n, "share": round(n / total, 4),
            "mean_sentiment": _num(mean), "ci_low": _num(lo), "ci_high": _num(hi),
            "negative_n": int((g["label"] == "negative").sum()),
            "flags": flags_for(len(scored), ctx.settings.min_sample),
            "examples": _examples(ctx, g, params.examples, "weight"),
        })
    unassigned = int(sum(1 for a in model.assignment if a is None))
    return Result(rows=rows, meta={"n": total, "unassigned": unassigned, "k": model.k, "seed": model.seed,
                                   "method": "NMF on TF-IDF of lemmas"})


class PainPointsParams(ThemesParams):
    min_n: int = Field(default=3, ge=1, description="Leave out theme x touchpoint cells with fewer comments.")
    limit: int = Field(default=20, ge=1, le=500, description="At most this many pain points.")


@register("pain_points", PainPointsParams, summary="Themes x touchpoints ranked by volume and negativity, with the comments behind them.")
def pain_points(ctx: QueryContext, params: PainPointsParams) -> Result:
    df, model = _theme_frame(ctx, params)
    if model is None:
        return Result(rows=[], meta={"hint": NOT_ANALYSED_HINT, "n": 0})
    names = {t.id: t.name for t in model.themes}
    df = df[df["theme_id"].notna() & df["sentiment"].notna()].copy()
    df["touchpoint"] = df["touchpoint"].fillna("(none)")
    rows = []
    for (theme_id, tp), g in df.groupby(["theme_id", "touchpoint"], sort=True):
        n = len(g)
        if n < params.min_n:
            continue
        neg = int((g["label"] == "negative").sum())
        if neg == 0:
            continue
        lo, hi = wilson(neg, n, ctx.settings.confidence)
        share = neg / n
        rows.append({
            "theme": theme_id, "name": names[theme_id], "touchpoint": tp, "stage": _first(g["stage"]),
            "n": n, "negative_n": neg, "share_negative": round(share, 4),
            "share_negative_ci_low": _num(lo), "share_negative_ci_high": _num(hi),
            "mean_sentiment": _num(float(g["sentiment"].mean())), "pain_score": round(neg * share, 4),
            "flags": flags_for(n, ctx.settings.min_sample),
            "comments": _examples(ctx, g[g["label"] == "negative"], params.examples, "negative"),
        })
    rows.sort(key=lambda r: (-r["pain_score"], r["mean_sentiment"], r["theme"], r["touchpoint"]))
    return Result(rows=rows[: params.limit], meta={
        "n": int(len(df)), "pain_score": "negative_n x share_negative (volume times concentration)",
        "k": model.k, "seed": model.seed,
    })


def _first(s: pd.Series) -> str | None:
    vals = s.dropna()
    return str(vals.iloc[0]) if len(vals) else None


class CommentSearchParams(CommentFilter):
    q: str = Field(default="", description="Words to find in any inflection (all must occur); empty: every comment.")
    min_score: float | None = Field(default=None, ge=-1, le=1, description="Sentiment at least this.")
    max_score: float | None = Field(default=None, ge=-1, le=1, description="Sentiment at most this.")
    label: Literal["negative", "neutral", "positive"] | None = Field(default=None, description="Only this label.")
    limit: int = Field(default=100, ge=1, le=10_000, description="At most this many comments, newest first.")


@register("comment_search", CommentSearchParams, summary="Find comments by words in any inflection, with filters.")
def comment_search(ctx: QueryContext, params: CommentSearchParams) -> Result:
    from cxjourney.text.search import matches, parse_query

    j = _joined(ctx, params)
    if params.min_score is not None:
        j = j.filter(j.sentiment >= params.min_score)
    if params.max_score is not None:
        j = j.filter(j.sentiment <= params.max_score)
    if params.label:
        j = j.filter(j.label == params.label)
    import ibis

    df = j.select("response_id", "question_id", "survey_id", "timestamp", "touchpoint", "stage", "c_language",
                  "sentiment", "label", "theme", "comment", "masked_comment", "person_id").order_by(
        [ibis.desc("timestamp"), "response_id", "question_id"]).execute()
    query = parse_query(params.q)
    rows: list[dict[str, Any]] = []
    total = 0
    for r in df.itertuples():
        # Match on the masked text so a search cannot reveal a phone number or e-mail to a masked role.
        text = r.comment if can_see_raw(ctx.role) else r.masked_comment
        hits = matches(str(text or ""), query) if query else []
        if query and not hits:
            continue
        total += 1
        if len(rows) < params.limit:
            rows.append({"response_id": r.response_id, "question_id": r.question_id, "survey_id": r.survey_id,
                         "timestamp": str(r.timestamp), "touchpoint": r.touchpoint, "stage": r.stage,
                         "language": r.c_language, "sentiment": _num(r.sentiment), "label": r.label,
                         "theme": r.theme if isinstance(r.theme, str) else None,
                         "comment": _shown(ctx, r.comment, r.masked_comment), "matched": hits})
    _attach_scores(ctx, rows)
    return Result(rows=rows, meta={"n": total, "shown": len(rows), "q": params.q,
                                   "score": "the score given in the same response (first scored question)"})


def _attach_scores(ctx: QueryContext, rows: list[dict[str, Any]]) -> None:
    """``score`` and ``score_kind``: the score the respondent gave in the same response (NPS, CSAT...), the
    first scored question by question id; None when the response has none."""
    if not rows:
        return
    r = ctx.store.table("responses")
    ids = sorted({row["response_id"] for row in rows})
    scored = r.filter(r.score.notnull() & r.response_id.isin(ids)).select(
        "response_id", "question_id", "kind", "score").order_by(["response_id", "question_id"]).execute()
    first: dict[str, tuple[Any, Any]] = {}
    for s in scored.itertuples():
        first.setdefault(s.response_id, (s.kind, s.score))
    for row in rows:
        kind, score = first.get(row["response_id"], (None, None))
        row["score"] = _num(score)
        row["score_kind"] = kind
