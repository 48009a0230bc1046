"""The two detectors. Both take ``now`` from the query context and return alert candidates (dicts with kind,
dedupe_key, title, details, person_id, response_id, touchpoint); :mod:`cxjourney.alerts.repo` stores them once.

* **Score drop**: per touchpoint, NPS / CSAT / CES of the current window (the last ``alert_window_days`` days up
  to today) against the baseline (the ``alert_baseline_days`` days before it), through the registered query
  ``score_change``. A drop alerts when its Benjamini-Hochberg adjusted p-value is below ``alert_alpha`` and
  neither window is flagged ``insufficient_sample``.
* **Detractor with a negative comment**: an NPS answer of 0-6 in the last ``alert_lookback_days`` days whose
  response carries a comment labelled negative (``comment_analysis``, else scored on the fly).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from cxjourney.query import QueryContext, run_query

METRICS = ("nps", "csat", "ces")
NAMES = {"nps": "NPS", "csat": "CSAT", "ces": "CES"}


def local_today(now: datetime, timezone: str) -> date:
    """The calendar day ``now`` (naive UTC) falls on in the workspace's time zone."""
    return now.replace(tzinfo=ZoneInfo("UTC")).astimezone(ZoneInfo(timezone)).date()


def windows(today: date, window_days: int, baseline_days: int) -> dict[str, date]:
    """Current window b = the ``window_days`` days ending today; baseline a = the ``baseline_days`` days before."""
    b_from = today - timedelta(days=window_days - 1)
    a_to = b_from - timedelta(days=1)
    return {"a_from": a_to - timedelta(days=baseline_days - 1), "a_to": a_to, "b_from": b_from, "b_to": today}


def _fmt(metric: str, v: float | None) -> str:
    if v is None:
        return "-"
    return f"{100 * v:.0f}%" if metric == "csat" else f"{v:.1f}" if metric == "nps" else f"{v:.2f}"


def _diff(metric: str, d: float) -> str:
    if metric == "nps":
        return f"{d:+.1f} points"
    return f"{100 * d:+.0f} points" if metric == "csat" else f"{d:+.2f}"


def score_drops(ctx: QueryContext) -> list[dict[str, Any]]:
    s = ctx.settings
    today = local_today(ctx.now, s.timezone)
    w = windows(today, s.alert_window_days, s.alert_baseline_days)
    out: list[dict[str, Any]] = []
    for metric in METRICS:
        params = {"metric": metric, "compare": "period", "by": ["touchpoint"], "alpha": s.alert_alpha,
                  **{k: v.isoformat() for k, v in w.items()}}
        res = run_query(ctx, "score_change", params)
        for r in res.rows:
            if not r.get("significant") or "insufficient_sample" in r["flags"] or r["value"] is None or r["value"] >= 0:
                continue
            tp = r.get("touchpoint")
            title = (f"{NAMES[metric]} dropped at {tp or '(no touchpoint)'}: {_fmt(metric, r['a_value'])} -> "
                     f"{_fmt(metric, r['b_value'])} ({_diff(metric, r['value'])}, adjusted p={r['p_adjusted']:.3g})")
            details = {"metric": metric, "measure": res.meta.get("test"), "definition": res.meta.get("definition"),
                       "baseline": r["a"], "current": r["b"], "baseline_value": r["a_value"], "current_value": r["b_value"],
                       "difference": r["value"], "ci_low": r["ci_low"], "ci_high": r["ci_high"], "n_baseline": r["n_a"],
                       "n_current": r["n_b"], "p_value": r["p_value"], "p_adjusted": r["p_adjusted"], "alpha": s.alert_alpha}
            out.append({"kind": "score_drop", "dedupe_key": f"score_drop:{metric}:{tp}:{today.isoformat()}",
                        "title": title, "details": details, "touchpoint": tp})
    return out


def _comment_rows(ctx: QueryContext, response_ids: list[str]) -> list[dict[str, Any]]:
    r = ctx.store.table("responses")
    com = r.filter(r.response_id.isin(response_ids) & r.comment.notnull() & (r.comment.strip() != ""))
    com = com.select("response_id", "question_id", "comment", "language")
    ca = ctx.store.table("comment_analysis")
    ca = ca.select(ca.response_id.name("ca_response_id"), ca.question_id.name("ca_question_id"), "sentiment",
                   "label", "masked_comment", "analyzer")
    joined = com.left_join(ca, (com.response_id == ca.ca_response_id) & (com.question_id == ca.ca_question_id))
    df = joined.order_by(["response_id", "question_id"]).execute()
    return [{k: (None if v != v else v) for k, v in rec.items()} for rec in df.to_dict(orient="records")]


def negative_detractors(ctx: QueryContext, analyzer: Any = None) -> list[dict[str, Any]]:
    s = ctx.settings
    since = ctx.now - timedelta(days=s.alert_lookback_days)
    r = ctx.store.table("responses")
    det = r.filter((r.kind == "nps") & (r.score <= 6) & (r.timestamp > since) & (r.timestamp <= ctx.now))
    det = det.select("response_id", "question_id", "survey_id", "score", "person_id", "touchpoint", "timestamp",
                     "language").order_by(["timestamp", "response_id"]).execute()
    if det.empty:
        return []
    comments: dict[str, list[dict[str, Any]]] = {}
    for c in _comment_rows(ctx, sorted(set(det["response_id"].astype(str)))):
        comments.setdefault(c["response_id"], []).append(c)
    out: list[dict[str, Any]] = []
    for d in det.to_dict(orient="records"):
        scored = []
        for c in comments.get(d["response_id"], []):
            if c.get("analyzer") is None:  # not analysed yet: score it now with the workspace's analyzer
                analyzer = analyzer or _analyzer(ctx)
                lang = c.get("language") if c.get("language") in ("pl", "en") else None
                res = analyzer.analyze(str(c["comment"]), lang)
                from cxjourney.text.pii import mask_pii

                c = {**c, "sentiment": res.score, "label": res.label, "analyzer": res.analyzer,
                     "masked_comment": mask_pii(str(c["comment"])), "scored": "on the fly"}
            scored.append(c)
        negative = [c for c in scored if c.get("label") == "negative"]
        if not negative:
            continue
        worst = min(negative, key=lambda c: c["sentiment"] if c["sentiment"] is not None else 0.0)
        tp = d.get("touchpoint") if d.get("touchpoint") == d.get("touchpoint") else None
        score = float(d["score"])
        details = {"score": score, "survey_id": d["survey_id"], "question_id": d["question_id"],
                   "answered_at": d["timestamp"].to_pydatetime() if hasattr(d["timestamp"], "to_pydatetime") else d["timestamp"],
                   "comment": worst["masked_comment"], "sentiment": worst["sentiment"], "analyzer": worst["analyzer"],
                   "sentiment_source": worst.get("scored", "comment_analysis")}
        out.append({"kind": "detractor", "dedupe_key": f"detractor:{d['response_id']}",
                    "title": f"Detractor (NPS {score:g}) with a negative comment at {tp or '(no touchpoint)'}",
                    "details": details, "person_id": d["person_id"], "response_id": d["response_id"], "touchpoint": tp})
    return out


def _analyzer(ctx: QueryContext) -> Any:
    from cxjourney.text.sentiment import analyzer_for_workspace

    return analyzer_for_workspace(getattr(ctx.settings, "workspace", None))
