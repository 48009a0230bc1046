"""The registered query ``score_change``: period vs period, or segment vs segment, with p-values.

Every comparison row carries the difference (b - a) as ``value`` with its interval, both groups' n and
values, the p-value and the Benjamini-Hochberg adjusted p-value over all rows of the table.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import ibis

from cxjourney.errors import ValidationFailed
from cxjourney.metrics import scores as sc
from cxjourney.metrics.stats import benjamini_hochberg, diff_means, diff_nps, diff_proportions
from cxjourney.query.registry import QueryContext, Result, register
from cxjourney.surveys.queries import DEFINITIONS, ChangeParams, _view, segment_notes

KEYS = ("n", "total", "total_sq", "promoters", "detractors", "top2", "easy")


def _compare(kind: str, measure: str, a: dict[str, float], b: dict[str, float], confidence: float) -> dict[str, Any]:
    if kind == "nps":
        return diff_nps((a["promoters"], a["detractors"], a["n"]), (b["promoters"], b["detractors"], b["n"]), confidence)
    if (kind == "csat" and measure != "mean") or (kind == "ces" and measure == "easy"):
        col = "top2" if kind == "csat" else "easy"
        return diff_proportions(a[col], a["n"], b[col], b["n"], confidence)
    return diff_means((a["n"], a["total"], a["total_sq"]), (b["n"], b["total"], b["total_sq"]), confidence)


def _agg(rec: dict[str, Any]) -> dict[str, float]:
    return {k: sc._f(rec.get(k)) for k in KEYS}


def _row(ctx: QueryContext, p: ChangeParams, dims: dict[str, Any], a: dict[str, float], b: dict[str, float],
         labels: tuple[str, str]) -> dict[str, Any]:
    conf, ms = ctx.settings.confidence, ctx.settings.min_sample
    ra = sc.score_row(p.metric, a, min_sample=ms, confidence=conf, measure=p.measure)
    rb = sc.score_row(p.metric, b, min_sample=ms, confidence=conf, measure=p.measure)
    d = _compare(p.metric, p.measure, a, b, conf)
    flags = sorted(set(ra["flags"]) | set(rb["flags"]))
    return {**dims, "a": labels[0], "b": labels[1], "a_value": ra["value"], "b_value": rb["value"],
            "value": d["diff"], "ci_low": d["ci_low"], "ci_high": d["ci_high"], "p_value": d["p_value"],
            "n": int(a["n"] + b["n"]), "n_a": int(a["n"]), "n_b": int(b["n"]), "flags": flags}


def _finish(ctx: QueryContext, p: ChangeParams, rows: list[dict[str, Any]], **meta: Any) -> Result:
    adj = benjamini_hochberg([r["p_value"] for r in rows])
    for r, q in zip(rows, adj, strict=True):
        r["p_adjusted"] = q
        r["significant"] = q is not None and q < p.alpha and "insufficient_sample" not in r["flags"]
    return Result(rows=rows, meta={"metric": p.metric, "definition": DEFINITIONS[p.metric], "compare": p.compare,
                                   "difference": "b - a", "test": _test_name(p), "alpha": p.alpha,
                                   "multiple_testing": "Benjamini-Hochberg over all rows", "confidence": ctx.settings.confidence,
                                   "min_sample": ctx.settings.min_sample, **meta})


def _test_name(p: ChangeParams) -> str:
    if p.metric == "nps":
        return "two-sided z-test on the NPS difference"
    if (p.metric == "csat" and p.measure != "mean") or (p.metric == "ces" and p.measure == "easy"):
        return "two-sided two-proportion z-test (pooled)"
    return "Welch's two-sided t-test"


def _dt(d: date) -> datetime:
    return datetime(d.year, d.month, d.day)


@register("score_change", ChangeParams, summary="Change of NPS/CSAT/CES between two periods or between segments, with p-values (BH-adjusted).")
def score_change(ctx: QueryContext, p: ChangeParams) -> Result:
    if p.compare == "period":
        return _by_period(ctx, p)
    return _by_segment(ctx, p)


def _by_period(ctx: QueryContext, p: ChangeParams) -> Result:
    missing = [f for f in ("a_from", "a_to", "b_from", "b_to") if getattr(p, f) is None]
    if missing:
        raise ValidationFailed("compare=period needs a_from, a_to, b_from and b_to",
                               errors=[{"field": f, "message": "required for compare=period"} for f in missing])
    for lo, hi in (("a_from", "a_to"), ("b_from", "b_to")):
        if getattr(p, lo) > getattr(p, hi):
            raise ValidationFailed(f"{lo} is after {hi}", errors=[{"field": lo, "value": str(getattr(p, lo)), "message": f"must not be after {hi}"}])
    t, by = _view(ctx, p)
    a0, a1 = _dt(p.a_from), _dt(p.a_to) + timedelta(days=1)  # type: ignore[arg-type]
    b0, b1 = _dt(p.b_from), _dt(p.b_to) + timedelta(days=1)  # type: ignore[arg-type]
    in_a = (t.local_ts >= a0) & (t.local_ts < a1)
    in_b = (t.local_ts >= b0) & (t.local_ts < b1)
    t = t.filter(in_a | in_b).mutate(_window=ibis.ifelse(in_b, "b", "a"))
    # An answer in both windows (overlapping periods) counts in b only.
    df = sc.score_aggregates(t, kind=p.metric, by=[*by, "_window"]).execute()
    groups: dict[tuple[Any, ...], dict[str, dict[str, float]]] = {}
    for rec in df.to_dict(orient="records"):
        dims = sc.dims_of(rec, by, None)
        groups.setdefault(tuple(dims.items()), {})[rec["_window"]] = _agg(rec)
    empty = {k: 0.0 for k in KEYS}
    labels = (f"{p.a_from}..{p.a_to}", f"{p.b_from}..{p.b_to}")
    rows = [_row(ctx, p, dict(k), w.get("a", empty), w.get("b", empty), labels) for k, w in groups.items()]
    rows.sort(key=lambda r: sc.sort_key(r, by))
    return _finish(ctx, p, rows, a=labels[0], b=labels[1])


def _by_segment(ctx: QueryContext, p: ChangeParams) -> Result:
    if len(p.by) != 1:
        raise ValidationFailed("compare=segment needs exactly one dimension in by (e.g. segment:plan or touchpoint)",
                               errors=[{"field": "by", "value": ",".join(p.by), "message": "give one dimension"}])
    t, by = _view(ctx, p)
    dim = by[0]
    extra = [] if p.period is None else ["period"]
    df = sc.score_aggregates(t, kind=p.metric, by=by, period=p.period).execute()
    cells: dict[tuple[Any, ...], dict[Any, dict[str, float]]] = {}
    for rec in df.to_dict(orient="records"):
        d = sc.dims_of(rec, by, p.period)
        key = tuple((k, d[k]) for k in extra)
        cells.setdefault(key, {})[d[dim]] = _agg(rec)
    rows = []
    lone: list[str] = []
    for key, groups in cells.items():
        total = {k: sum(g[k] for g in groups.values()) for k in KEYS}
        if p.baseline is not None and p.baseline not in groups:
            raise ValidationFailed(f"baseline {p.baseline!r} has no answers", errors=[{"field": "baseline", "value": p.baseline,
                                   "message": f"groups with answers: {', '.join(str(g) for g in groups)}"}])
        for g, agg in groups.items():
            if p.baseline is not None:
                if g == p.baseline:
                    continue
                base, label = groups[p.baseline], str(p.baseline)
            else:
                base, label = {k: total[k] - agg[k] for k in KEYS}, "rest"
            if base["n"] == 0:  # the only group with answers: nothing to compare it with
                lone.append(f"{_label(g)}{' in ' + str(dict(key)) if key else ''}")
                continue
            rows.append(_row(ctx, p, {dim: g, **dict(key)}, base, agg, (label, _label(g))))
    rows.sort(key=lambda r: sc.sort_key(r, [*extra, dim]))
    notes = segment_notes([{dim: g} for groups in cells.values() for g in groups], by)
    if lone:
        notes.append(f"not compared: only one group has answers ({', '.join(lone)})")
    return _finish(ctx, p, rows, baseline=p.baseline or "rest (all other groups)", **({"notes": notes} if notes else {}))


def _label(group: Any) -> str:
    return "(no value)" if group is None else str(group)
