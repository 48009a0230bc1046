"""Journey map: stages as columns, touchpoints as cards with their scores and conversion coloured against
the targets of the journey file; the emotion curve with its band; pain points per stage; stage-to-stage
conversion."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard import charts
from cxjourney.dashboard.data import fetch, is_flagged
from cxjourney.dashboard.filters import Filters
from cxjourney.dashboard.pages.common import against_target, current_journey, panel_json
from cxjourney.journeys.catalogue import METRICS
from cxjourney.query.registry import QueryContext


def _metric_cell(row: dict[str, Any], targets: dict[str, float], lang_label: Any) -> dict[str, Any]:
    name = str(row.get("metric"))
    info = METRICS.get(name)
    kind = info.kind if info else "ratio"
    better = info.better if info else "higher"
    tv = row.get("target") if row.get("target") is not None else targets.get(name)
    target = {"value": tv} if tv is not None else None
    return {
        "metric": name, "label": lang_label(info) if info else name, "kind": kind, "better": better, "row": row,
        "flagged": is_flagged(row), "target": target["value"] if target else None,
        "vs_target": None if is_flagged(row) else against_target(row.get("value"), target, better),
    }


PAINS_PER_STAGE = 3


def build(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    j = current_journey(ctx, f)
    if j is None:
        return {"page": "journey", "journey": None, "stages": []}
    lang = args.get("lang", "en")
    label = (lambda info: info.pl) if lang == "pl" else (lambda info: info.en)
    fp = {**f.as_params(), "journey": j.id}
    kpis = fetch(ctx, "journey_overview", fp)
    emotion = fetch(ctx, "emotion_curve", fp, by="stage")
    tp_emotion = fetch(ctx, "emotion_curve", fp, by="touchpoint")
    pains = fetch(ctx, "pain_points", fp)
    by_key: dict[tuple[str | None, str | None], list[dict[str, Any]]] = {}
    for r in kpis.rows if kpis.ok else []:
        by_key.setdefault((r.get("stage"), r.get("touchpoint")), []).append(r)
    pain_by_stage: dict[str | None, list[dict[str, Any]]] = {}
    for r in sorted(pains.rows if pains.ok else [], key=lambda r: -(r.get("pain_score") or 0)):
        if len(pain_by_stage.setdefault(r.get("stage"), [])) < PAINS_PER_STAGE:
            pain_by_stage[r.get("stage")].append(r)
    emotion_by_stage = {r.get("stage"): r for r in (emotion.rows if emotion.ok else []) if "value" in r}
    emotion_by_tp = {r.get("touchpoint"): r for r in (tp_emotion.rows if tp_emotion.ok else []) if "value" in r}

    stages = []
    for s in j.stages:
        stage_rows = by_key.get((s.id, None), [])
        conv = next((r for r in stage_rows if r.get("metric") == "stage_conversion"), None)
        stages.append({
            "id": s.id, "name": s.name.get(lang), "weight": s.weight,
            "metrics": [_metric_cell(r, s.targets, label) for r in stage_rows if r.get("metric") not in ("stage_conversion", "reach")],
            "reach": next((r for r in stage_rows if r.get("metric") == "reach"), None),
            "conversion": conv, "conversion_flagged": bool(conv and is_flagged(conv)),
            "emotion": emotion_by_stage.get(s.id),
            "pain_points": pain_by_stage.get(s.id, []),
            "touchpoints": [
                {"id": tp.id, "name": tp.name.get(lang), "channel": tp.channel, "survey": tp.survey,
                 "reach": next((r for r in by_key.get((s.id, tp.id), []) if r.get("metric") == "reach"), None),
                 "emotion": emotion_by_tp.get(tp.id),
                 "metrics": [_metric_cell(r, {**s.targets, **tp.targets}, label) for r in by_key.get((s.id, tp.id), []) if r.get("metric") != "reach"]}
                for tp in s.touchpoints
            ],
        })
    ordered = [{**emotion_by_stage[s.id], "stage_name": s.name.get(lang)} for s in j.stages if s.id in emotion_by_stage]
    emotion_chart = charts.line_with_band(ordered, "stage_name", t("Sentiment"), small_label=t("n too small"))
    conv_rows = [st["conversion"] for st in stages if st["conversion"]]
    conv_chart = charts.bars([st["name"] for st in stages if st["conversion"]], [None if is_flagged(r) else r.get("value") for r in conv_rows],
                             t("Stage-to-stage conversion"), percent=True) if conv_rows else None
    return {
        "page": "journey", "journey": {"id": j.id, "name": j.name.get(lang), "version": j.version},
        "stages": stages,
        "kpis": panel_json(kpis), "emotion": panel_json(emotion, emotion_chart), "touchpoint_emotion": panel_json(tp_emotion),
        "pains": panel_json(pains),
        "conversion_chart": conv_chart,
    }
