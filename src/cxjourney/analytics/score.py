"""The journey score: a composite of the journey's metrics against their targets.

For each metric with a target (stage or touchpoint ``targets:``) and a value that is not flagged
insufficient_sample, the attainment is

    higher-is-better:  a = clip(value / target, 0, 1)
    lower-is-better:   a = clip(target / value, 0, 1)   (a = 1 when value is 0)

NPS is first moved to 0..200 (value + 100, target + 100) so that negative scores compare sensibly.
A stage's score is 100 × the mean attainment of its scored metrics (each metric weighs the same);
the journey's score is the mean of its stage scores weighted by each stage's ``weight`` (default 1),
over the stages that have at least one scored metric. Documented in docs/analytics.md.
"""

from __future__ import annotations

from typing import Any

from cxjourney.journeys.catalogue import METRICS
from cxjourney.metrics.stats import INSUFFICIENT

SHIFTED = {"nps": 100.0}


def attainment(metric: str, value: float | None, target: float) -> float | None:
    if value is None:
        return None
    shift = SHIFTED.get(metric, 0.0)
    v, t = float(value) + shift, float(target) + shift
    better = METRICS[metric].better if metric in METRICS else "higher"
    if better == "higher":
        if t <= 0:
            return 1.0 if v >= t else 0.0
        return max(0.0, min(1.0, v / t))
    if v <= 0:
        return 1.0
    return max(0.0, min(1.0, t / v))


def score_stage(metric_rows: dict[str, dict[str, Any]], targets: dict[str, float]) -> dict[str, Any]:
    """Score one stage from its metric rows and targets; returns the score and each metric's part."""
    parts: list[dict[str, Any]] = []
    for m, target in targets.items():
        row = metric_rows.get(m)
        value = row.get("value") if row else None
        flags = list(row.get("flags", [])) if row else ["not_available"]
        a = None if INSUFFICIENT in flags else attainment(m, value, target)
        parts.append({"metric": m, "value": value, "target": target, "attainment": a,
                      "n": row.get("n") if row else 0, "flags": flags if a is not None else sorted(set(flags) | {"not_scored"})})
    scored: list[float] = [float(p["attainment"]) for p in parts if p["attainment"] is not None]
    return {"score": 100.0 * sum(scored) / len(scored) if scored else None, "metrics": parts, "n_scored": len(scored)}


def combine(stage_scores: list[tuple[float, float | None]]) -> float | None:
    """Weighted mean of (weight, score) over stages that have a score."""
    usable = [(w, s) for w, s in stage_scores if s is not None and w > 0]
    total = sum(w for w, _ in usable)
    return sum(w * s for w, s in usable) / total if total else None
