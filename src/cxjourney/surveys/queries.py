"""Registered score queries: nps, csat, ces, response_rate, score_change, score_distribution.

Each builds one Ibis expression over ``responses`` (joined to ``persons`` for segments), executes it once,
and returns honest rows (value, ci_low, ci_high, n, flags). Formulas: docs/metrics-scores.md.
"""

from __future__ import annotations

from datetime import date
from typing import Any, Literal

import ibis
from pydantic import BaseModel, ConfigDict, Field, field_validator

from cxjourney.metrics import scores as sc
from cxjourney.metrics.stats import rate_row
from cxjourney.query.registry import QueryContext, Result, register

DEFINITIONS = {
    "nps": "NPS = 100 x (promoters 9-10 - detractors 0-6) / n; 95% adjusted-Wald interval (Rocks 2016)",
    "csat": "CSAT = share of answers 4-5 on the 1-5 scale (top-2-box), Wilson interval; mean with Student-t interval",
    "ces": "CES = mean on the 1-7 scale (7 = very easy), Student-t interval; easy share = answers 5-7, Wilson interval",
}


class _Common(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="forbid")
    by: list[str] = Field(default_factory=list, description="Dimensions, one row per combination: touchpoint, stage, journey, channel, "
                          "survey, language, question, segment:<trait> (a person trait, e.g. segment:plan).")
    period: Literal["day", "week", "month"] | None = Field(
        default=None, description="Also split by calendar day, week (Monday) or month, in the timezone setting.")
    date_from: date | None = Field(default=None, alias="from", description="First day (inclusive).")
    date_to: date | None = Field(default=None, alias="to", description="Last day (inclusive).")
    journey: str | None = Field(default=None, description="Only answers to surveys of this journey.")
    where: list[str] = Field(default_factory=list, description="key=value filters: touchpoint=, channel=, survey=, stage=, segment=trait:value")
    survey: str | None = Field(default=None, description="Only this survey (same as where=survey=<id>).")
    touchpoint: str | None = Field(default=None, description="Only this touchpoint (same as where=touchpoint=<id>).")
    channel: str | None = Field(default=None, description="Only this channel (same as where=channel=<name>).")
    segment: str | None = Field(default=None, description="Only people in this segment: trait:value (e.g. plan:pro); a bare value "
                                "means the trait named 'segment' (as the dashboard's segment box).")

    @field_validator("by", "where", mode="before")
    @classmethod
    def _split(cls, v: Any) -> Any:
        return [x for x in v.split(",") if x] if isinstance(v, str) else v

    def all_where(self) -> list[str]:
        """``where`` plus the shortcut filters, as key=value items."""
        out = list(self.where)
        for key in ("survey", "touchpoint", "channel"):
            if getattr(self, key):
                out.append(f"{key}={getattr(self, key)}")
        if self.segment:
            out.append(f"segment={self.segment if ':' in self.segment else 'segment:' + self.segment}")
        return out


class ScoreParams(_Common):
    measure: Literal["default", "mean", "easy"] = Field(
        default="default", description="csat: default top-2-box share or 'mean'; ces: default mean or 'easy' share")


class DistributionParams(_Common):
    kind: Literal["nps", "csat", "ces"] | None = Field(
        default=None, description="Which score's answers to count; default: the score question of `survey` when given, else nps.")


class ChangeParams(_Common):
    metric: Literal["nps", "csat", "ces"] = Field(description="The score to compare.")
    compare: Literal["period", "segment"] = Field(
        default="period", description="period: window b against window a; segment: each group of `by` against the rest (or `baseline`).")
    a_from: date | None = Field(default=None, description="Baseline period start (compare=period).")
    a_to: date | None = Field(default=None, description="Baseline period end, inclusive (compare=period).")
    b_from: date | None = Field(default=None, description="Current period start (compare=period).")
    b_to: date | None = Field(default=None, description="Current period end, inclusive (compare=period).")
    baseline: str | None = Field(default=None, description="compare=segment: the group every other is compared with (default: the rest)")
    alpha: float = Field(default=0.05, gt=0, lt=1, description="Significance level applied to the Benjamini-Hochberg adjusted p-value.")
    measure: Literal["default", "mean", "easy"] = Field(
        default="default", description="csat: default top-2-box share or 'mean'; ces: default mean or 'easy' share")


def _place(ctx: QueryContext) -> dict[str, tuple[str, str]]:
    """touchpoint -> (journey, stage), from the workspace's journeys (empty without a workspace)."""
    out: dict[str, tuple[str, str]] = {}
    if ctx.workspace is None:
        return out
    try:
        journeys = ctx.workspace.journeys()
    except Exception:  # an unreadable journeys/ folder must not hide the scores
        return out
    for j in journeys:
        for st, tp in j.touchpoints():
            out.setdefault(tp.id, (j.id, st.id))
    return out


def _survey_touchpoints(ctx: QueryContext) -> dict[str, str]:
    """survey id -> touchpoint, from surveys/ (answers imported without a touchpoint get their survey's)."""
    if ctx.workspace is None:
        return {}
    try:
        from cxjourney.surveys.loader import cached_catalogue

        return {s.id: s.touchpoint for s in cached_catalogue(ctx.settings).surveys.values()}
    except Exception:  # unreadable survey files must not hide the scores
        return {}


def _view(ctx: QueryContext, p: _Common, extra_dims: list[str] | None = None) -> tuple[ibis.Table, list[str]]:
    sc.check_dimensions(p.by)
    where = sc.parse_where(p.all_where())
    dims = [*p.by, *(extra_dims or [])]
    traits = [t for d in dims if (t := sc.segment_trait(d))] + [t for c, _ in where if (t := sc.segment_trait(c))]
    t = sc.responses_view(ctx.store, place=_place(ctx), traits=traits, timezone=ctx.settings.timezone,
                          survey_touchpoints=_survey_touchpoints(ctx))
    by_cols = {d: f"segment:{sc.segment_trait(d)}" if sc.segment_trait(d) else d for d in p.by}
    t = t.mutate(**{d: t[c] for d, c in by_cols.items() if d != c})
    return sc.apply_filters(t, where=where, date_from=p.date_from, date_to=p.date_to, journey=p.journey), list(p.by)


def segment_notes(rows: list[dict[str, Any]], by: list[str]) -> list[str]:
    """A note for each segment dimension no respondent has a value for (a misspelt trait shows as one empty group)."""
    return [f"no respondent has the person trait {sc.segment_trait(d)!r}: check its spelling (the rows show it as empty)"
            for d in by if sc.segment_trait(d) and rows and all(r.get(d) is None for r in rows)]


def _meta(ctx: QueryContext, kind: str, rows: list[dict[str, Any]], by: list[str] | None = None, **more: Any) -> dict[str, Any]:
    out = {"metric": kind, "definition": DEFINITIONS.get(kind), "confidence": ctx.settings.confidence,
           "min_sample": ctx.settings.min_sample, "n": sum(r.get("n", 0) for r in rows), **more}
    notes = segment_notes(rows, by or [])
    if notes:
        out["notes"] = notes
    return out


def _scores(kind: str, ctx: QueryContext, p: ScoreParams) -> Result:
    t, by = _view(ctx, p)
    df = sc.score_aggregates(t, kind=kind, by=by, period=p.period).execute()
    rows = []
    for rec in df.to_dict(orient="records"):
        if sc._f(rec.get("n")) == 0:
            continue
        rows.append({**sc.dims_of(rec, by, p.period),
                     **sc.score_row(kind, rec, min_sample=ctx.settings.min_sample, confidence=ctx.settings.confidence, measure=p.measure)})
    keys = [*by, "period"] if p.period else by
    rows.sort(key=lambda r: sc.sort_key(r, keys))
    return Result(rows=rows, meta=_meta(ctx, kind, rows, by, measure=p.measure))


@register("nps", ScoreParams, summary="Net Promoter Score with its adjusted-Wald interval, by any dimension and period.")
def nps(ctx: QueryContext, params: ScoreParams) -> Result:
    return _scores("nps", ctx, params)


@register("csat", ScoreParams, summary="CSAT top-2-box share (Wilson interval) and mean (t interval).")
def csat(ctx: QueryContext, params: ScoreParams) -> Result:
    return _scores("csat", ctx, params)


@register("ces", ScoreParams, summary="CES mean (t interval) and share easy (5-7, Wilson interval).")
def ces(ctx: QueryContext, params: ScoreParams) -> Result:
    return _scores("ces", ctx, params)


@register("score_distribution", DistributionParams, summary="How many answers each score value got, with shares and intervals.")
def score_distribution(ctx: QueryContext, params: DistributionParams) -> Result:
    kind = params.kind or _survey_kind(ctx, params.survey) or "nps"
    t, by = _view(ctx, params)
    df = sc.distribution(t, kind=kind, by=by, period=params.period).execute()
    recs = df.to_dict(orient="records")
    keys = [*by, "period"] if params.period else by
    totals: dict[tuple[Any, ...], int] = {}
    for rec in recs:
        k = tuple(sc.dims_of(rec, by, params.period).values())
        totals[k] = totals.get(k, 0) + int(rec["count"])
    rows = []
    for rec in recs:
        dims = sc.dims_of(rec, by, params.period)
        n = totals[tuple(dims.values())]
        r = rate_row(int(rec["count"]), n, min_sample=ctx.settings.min_sample, confidence=ctx.settings.confidence, **dims)
        r["score"] = float(rec["score"])
        r["count"] = r.pop("k")
        rows.append(r)
    rows.sort(key=lambda r: (*sc.sort_key(r, keys), r["score"]))
    return Result(rows=rows, meta={**_meta(ctx, kind, []), "kind": kind, "n": sum(totals.values()), "value": "share of the group's answers"})


def _survey_kind(ctx: QueryContext, survey_id: str | None) -> str | None:
    """The score kind (nps/csat/ces) of a survey's first score question, from surveys/."""
    if survey_id is None or ctx.workspace is None:
        return None
    try:
        from cxjourney.surveys.loader import cached_catalogue

        q = cached_catalogue(ctx.settings).surveys.get(survey_id)
    except Exception:  # unreadable survey files: fall back to the default kind
        return None
    sq = q.score_question() if q is not None else None
    return sq.stored_kind if sq is not None and sq.stored_kind in sc.SCORE_KINDS else None


# ---- response rate ------------------------------------------------------------------------------


@register("response_rate", _Common, summary="Surveys answered / surveys shown (Wilson interval), by survey, touchpoint, channel, period.")
def response_rate(ctx: QueryContext, params: _Common) -> Result:
    sc.check_dimensions(params.by)
    where = sc.parse_where(params.all_where())
    place = _place(ctx)
    ev = ctx.store.table("events")
    shown = ev.filter((ev.type == "track") & (ev.event == "Survey Shown"))
    props = shown.properties
    tp = props["touchpoint"].str
    v = shown.select(
        person_id=shown.person_id, timestamp=shown.timestamp, local_ts=sc.local_time(shown.timestamp, ctx.settings.timezone), channel=props["channel"].str.coalesce(shown.channel),
        survey=props["survey_id"].str, touchpoint=tp, rid=props["response_id"].str.coalesce(shown.message_id),
        stage=tp.substitute({k: s for k, (_, s) in place.items()}, else_=ibis.null()) if place else ibis.null().cast("string"),
        journey=tp.substitute({k: j for k, (j, _) in place.items()}, else_=ibis.null()) if place else ibis.null().cast("string"),
        language=ibis.null().cast("string"), question=ibis.null().cast("string"),
    )
    traits = [t for d in params.by if (t := sc.segment_trait(d))] + [t for c, _ in where if (t := sc.segment_trait(c))]
    if traits:
        p = ctx.store.table("persons")
        cols = {f"segment:{tr}": p.traits[tr].str.coalesce(p.traits[tr].cast("string").nullif("null")) for tr in dict.fromkeys(traits)}
        p2 = p.select(_pid=p.person_id, **cols)
        v = v.left_join(p2, v.person_id == p2._pid).drop("_pid")
        v = v.mutate(**{d: v[f"segment:{sc.segment_trait(d)}"] for d in params.by if sc.segment_trait(d) and d != f"segment:{sc.segment_trait(d)}"})
    v = sc.apply_filters(v, where=where, date_from=params.date_from, date_to=params.date_to, journey=params.journey)
    r = ctx.store.table("responses")
    answered = r.select(_rid=r.response_id).distinct()
    v = v.left_join(answered, v.rid == answered._rid).mutate(answered=ibis._._rid.notnull())
    g = {d: v[d] for d in params.by}
    if params.period:
        g["period"] = v.local_ts.truncate(sc.PERIODS[params.period]).date()
    aggs = {"shown": v.rid.nunique(), "answered": v.rid.nunique(where=v.answered)}
    df = (v.group_by(**g).aggregate(**aggs) if g else v.aggregate(**aggs)).execute()
    rows = []
    for rec in df.to_dict(orient="records"):
        n = int(sc._f(rec["shown"]))
        if n == 0:
            continue
        dims = sc.dims_of(rec, params.by, params.period)
        row = rate_row(int(sc._f(rec["answered"])), n, min_sample=ctx.settings.min_sample, confidence=ctx.settings.confidence, **dims)
        row["answered"] = row.pop("k")
        row["shown"] = n
        rows.append(row)
    keys = [*params.by, "period"] if params.period else params.by
    rows.sort(key=lambda r: sc.sort_key(r, keys))
    meta: dict[str, Any] = {"metric": "response_rate", "confidence": ctx.settings.confidence, "min_sample": ctx.settings.min_sample,
                            "definition": "distinct surveys answered / distinct 'Survey Shown' (by response id); imported answers never shown are not counted",
                            "n": sum(r["n"] for r in rows)}
    notes = segment_notes(rows, params.by)
    if notes:
        meta["notes"] = notes
    return Result(rows=rows, meta=meta)

