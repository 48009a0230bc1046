"""NPS, CSAT and CES as Ibis expressions, and the honest rows built from their aggregates.

A metric function builds an Ibis expression (keyword-only ``by=``, ``where=``, ``period=``) and never
executes it; the query layer executes it once and turns each aggregate row into
``{dimensions..., period, value, ci_low, ci_high, n, flags}`` with the helpers here.
Definitions and formulas: docs/metrics-scores.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import Any

import ibis
import ibis.expr.datatypes as dt

from cxjourney.errors import ValidationFailed
from cxjourney.metrics.stats import flags_for, mean_interval, nps_interval, wilson

SCORE_KINDS = ("nps", "csat", "ces")
BOUNDS = {"nps": (0.0, 10.0), "csat": (1.0, 5.0), "ces": (1.0, 7.0)}
# Plain dimensions (columns of the responses view); segments are "segment:<trait>" (a person trait).
DIMENSIONS = ("touchpoint", "stage", "journey", "channel", "survey", "language", "question")
PERIODS = {"day": "D", "week": "W", "month": "M"}
FILTER_KEYS = (*DIMENSIONS, "segment")


def segment_trait(dim: str) -> str | None:
    """'segment:plan' or 'trait:plan' -> 'plan'; None for a plain dimension."""
    for prefix in ("segment:", "trait:"):
        if dim.startswith(prefix) and len(dim) > len(prefix):
            return dim[len(prefix):]
    return None


def check_dimensions(by: Sequence[str]) -> None:
    bad = [d for d in by if d not in DIMENSIONS and segment_trait(d) is None]
    if bad:
        raise ValidationFailed(
            f"unknown dimension {bad[0]!r}",
            errors=[{"field": "by", "value": d, "message": f"use {', '.join(DIMENSIONS)} or segment:<trait>"} for d in bad],
        )


def parse_where(items: Sequence[str]) -> list[tuple[str, str]]:
    """['touchpoint=order', 'segment=plan:pro'] -> [(column, value)] where segments become ('segment:plan', 'pro')."""
    out: list[tuple[str, str]] = []
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or key not in FILTER_KEYS:
            raise ValidationFailed(f"bad filter {item!r}", errors=[{"field": "where", "value": item,
                                   "message": f"use key=value with key one of {', '.join(FILTER_KEYS)} (segment=trait:value)"}])
        if key == "segment":
            trait, sep2, tval = value.partition(":")
            if not sep2 or not trait:
                raise ValidationFailed(f"bad segment filter {item!r}", errors=[{"field": "where", "value": item, "message": "use segment=trait:value"}])
            out.append((f"segment:{trait}", tval))
        else:
            out.append((key, value))
    return out


@ibis.udf.scalar.builtin(name="timezone")
def _utc(tz: str, ts: dt.Timestamp(scale=6)) -> dt.Timestamp(timezone="UTC", scale=6):  # type: ignore[valid-type, empty-body]
    """DuckDB timezone(): a naive timestamp read as UTC."""


@ibis.udf.scalar.builtin(name="timezone")
def _wall(tz: str, ts: dt.Timestamp(timezone="UTC", scale=6)) -> dt.Timestamp(scale=6):  # type: ignore[valid-type, empty-body]
    """DuckDB timezone(): the wall-clock time in ``tz`` of a UTC instant."""


def local_time(ts: Any, timezone: str = "UTC") -> Any:
    """Stored timestamps are UTC; periods and date ranges use the ``timezone`` setting's wall clock."""
    if timezone in ("UTC", "Etc/UTC", "Z", ""):
        return ts
    return _wall(timezone, _utc("UTC", ts))


def responses_view(store: Any, *, place: dict[str, tuple[str, str]] | None = None, traits: Sequence[str] = (),
                   timezone: str = "UTC", survey_touchpoints: dict[str, str] | None = None) -> ibis.Table:
    """The responses table with touchpoint filled in from the survey definitions (survey -> touchpoint) and
    stage/journey from the journeys (touchpoint -> journey, stage),
    ``survey``/``question`` aliases, ``local_ts`` (wall-clock time in ``timezone``), and one
    ``segment:<trait>`` column per requested person trait."""
    r = store.table("responses")
    if survey_touchpoints:
        r = r.mutate(touchpoint=r.touchpoint.coalesce(r.survey_id.substitute(survey_touchpoints, else_=ibis.null())))
    place = place or {}
    stage_map = {tp: st for tp, (_, st) in place.items()}
    journey_map = {tp: j for tp, (j, _) in place.items()}
    stage = r.stage if not stage_map else r.stage.coalesce(r.touchpoint.substitute(stage_map, else_=ibis.null()))
    journey = r.journey if not journey_map else r.journey.coalesce(r.touchpoint.substitute(journey_map, else_=ibis.null()))
    t = r.mutate(stage=stage, journey=journey, survey=r.survey_id, question=r.question_id, local_ts=local_time(r.timestamp, timezone))
    if traits:
        p = store.table("persons")
        cols = {}
        for tr in dict.fromkeys(traits):
            v = p.traits[tr]
            cols[f"segment:{tr}"] = v.str.coalesce(v.cast("string").nullif("null"))
        p2 = p.select(_pid=p.person_id, **cols)
        t = t.left_join(p2, t.person_id == p2._pid).drop("_pid")
    return t


def _day(d: date | datetime) -> datetime:
    return d if isinstance(d, datetime) else datetime(d.year, d.month, d.day)


def apply_filters(t: ibis.Table, *, where: Sequence[tuple[str, str]] = (), date_from: date | None = None,
                  date_to: date | None = None, journey: str | None = None) -> ibis.Table:
    """Filters: equality on dimensions/segments, a date range (``date_to`` inclusive, in local time), one journey."""
    preds = [t[col] == val for col, val in where]
    ts = t.local_ts if "local_ts" in t.columns else t.timestamp
    if date_from is not None:
        preds.append(ts >= _day(date_from))
    if date_to is not None:
        preds.append(ts < _day(date_to) + timedelta(days=1))
    if journey is not None:
        preds.append(t.journey == journey)
    return t.filter(preds) if preds else t


def _groups(t: ibis.Table, by: Sequence[str], period: str | None) -> dict[str, Any]:
    g: dict[str, Any] = {d: t[d] for d in by}
    if period is not None:
        g["period"] = (t.local_ts if "local_ts" in t.columns else t.timestamp).truncate(PERIODS[period]).date()
    return g


def score_aggregates(t: ibis.Table, *, kind: str, by: Sequence[str] = (), period: str | None = None) -> ibis.Table:
    """Per group: n, sum and sum of squares of scores, and the counts every score needs (an Ibis expression)."""
    s = t.filter((t.kind == kind) & t.score.notnull())
    aggs = {
        "n": s.count(),
        "total": s.score.sum(),
        "total_sq": (s.score * s.score).sum(),
        "promoters": (s.score >= 9).sum(),
        "detractors": (s.score <= 6).sum(),
        "top2": (s.score >= 4).sum(),
        "easy": (s.score >= 5).sum(),
    }
    g = _groups(s, by, period)
    return s.group_by(**g).aggregate(**aggs) if g else s.aggregate(**aggs)


def distribution(t: ibis.Table, *, kind: str, by: Sequence[str] = (), period: str | None = None) -> ibis.Table:
    """Count of each score value per group (an Ibis expression)."""
    s = t.filter((t.kind == kind) & t.score.notnull())
    return s.group_by(**_groups(s, by, period), score=s.score).aggregate(count=s.count())


def _f(x: Any) -> float:
    return 0.0 if x is None or x != x else float(x)


def score_row(kind: str, agg: dict[str, Any], *, min_sample: int, confidence: float, measure: str = "default") -> dict[str, Any]:
    """One honest row from one aggregate row: value, ci_low, ci_high, n, flags (+ kind-specific counts)."""
    n = _f(agg.get("n"))
    total, total_sq = _f(agg.get("total")), _f(agg.get("total_sq"))
    out: dict[str, Any] = {}
    if kind == "nps":
        prom, det = _f(agg.get("promoters")), _f(agg.get("detractors"))
        value, lo, hi = nps_interval(prom, det, n, confidence)
        out = {"value": value, "ci_low": lo, "ci_high": hi, "promoters": int(prom), "passives": int(n - prom - det),
               "detractors": int(det)}
    elif kind == "csat":
        top2 = _f(agg.get("top2"))
        s_lo, s_hi = wilson(top2, n, confidence)
        mean, m_lo, m_hi = mean_interval(n, total, total_sq, confidence, BOUNDS["csat"])
        share = top2 / n if n else None
        if measure == "mean":
            out = {"value": mean, "ci_low": m_lo, "ci_high": m_hi, "top2_share": share, "top2_ci_low": s_lo, "top2_ci_high": s_hi}
        else:
            out = {"value": share, "ci_low": s_lo, "ci_high": s_hi, "mean": mean, "mean_ci_low": m_lo, "mean_ci_high": m_hi}
        out["satisfied"] = int(top2)
    elif kind == "ces":
        easy = _f(agg.get("easy"))
        mean, m_lo, m_hi = mean_interval(n, total, total_sq, confidence, BOUNDS["ces"])
        e_lo, e_hi = wilson(easy, n, confidence)
        share = easy / n if n else None
        if measure == "easy":
            out = {"value": share, "ci_low": e_lo, "ci_high": e_hi, "mean": mean, "mean_ci_low": m_lo, "mean_ci_high": m_hi}
        else:
            out = {"value": mean, "ci_low": m_lo, "ci_high": m_hi, "easy_share": share, "easy_ci_low": e_lo, "easy_ci_high": e_hi}
        out["easy"] = int(easy)
    else:
        raise ValidationFailed(f"unknown score kind {kind!r}", errors=[{"field": "kind", "value": kind, "message": "use nps, csat or ces"}])
    flags = flags_for(n, min_sample)
    if n > 0 and (out.get("ci_low") is None):
        flags = sorted(set(flags) | {"no_interval"})
    return {**out, "n": int(n), "flags": flags}


def dims_of(rec: dict[str, Any], by: Sequence[str], period: str | None) -> dict[str, Any]:
    out = {d: _clean(rec.get(d)) for d in by}
    if period is not None:
        p = rec.get("period")
        if p is None or p != p:
            out["period"] = None
        else:
            out["period"] = (p.date() if isinstance(p, datetime) else p).isoformat() if hasattr(p, "isoformat") else str(p)
    return out


def _clean(v: Any) -> Any:
    if v is None:
        return None
    try:
        if v != v:
            return None
    except (TypeError, ValueError):
        pass
    return v.item() if hasattr(v, "item") else v


def sort_key(row: dict[str, Any], keys: Sequence[str]) -> tuple[Any, ...]:
    return tuple((row.get(k) is None, str(row.get(k))) for k in keys)
