"""Evaluation of a sentiment analyzer on labelled comments: accuracy, macro-F1, confusion matrix, and two
readings of positive-vs-negative accuracy, both over the comments labelled positive or negative:

* ``polarity_accuracy`` (strict): the predicted *label* must be the same polarity; a "neutral" prediction
  counts as wrong.
* ``sign_accuracy`` (binary): the *score* must have the right sign (> 0 for positive, < 0 for negative); a
  score of exactly 0 counts as wrong. This is "can it tell positive comments from negative ones".
"""

from __future__ import annotations

import csv
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cxjourney.errors import ValidationFailed
from cxjourney.text.sentiment import LABELS


def evaluate_labels(gold: Sequence[str], predicted: Sequence[str | None],
                    scores: Sequence[float | None] | None = None) -> dict[str, Any]:
    """Metrics for parallel lists of gold and predicted labels (and, if given, predicted scores)."""
    n = len(gold)
    if n == 0:
        return {"n": 0, "accuracy": None, "macro_f1": None, "polarity_accuracy": None, "sign_accuracy": None,
                "polarity_n": 0, "confusion": {}, "labels": list(LABELS)}
    pred = [p if p in LABELS else "neutral" for p in predicted]
    confusion = {g: {p: 0 for p in LABELS} for g in LABELS}
    for g, p in zip(gold, pred, strict=True):
        confusion[g][p] += 1
    correct = sum(confusion[lab][lab] for lab in LABELS)
    f1s = []
    per_label = {}
    for lab in LABELS:
        tp = confusion[lab][lab]
        fp = sum(confusion[g][lab] for g in LABELS if g != lab)
        fn = sum(confusion[lab][p] for p in LABELS if p != lab)
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * prec * rec / (prec + rec) if prec + rec else 0.0
        per_label[lab] = {"precision": round(prec, 4), "recall": round(rec, 4), "f1": round(f1, 4),
                          "support": tp + fn}
        if tp + fn:
            f1s.append(f1)
    polar = [(g, p) for g, p in zip(gold, pred, strict=True) if g in ("positive", "negative")]
    polar_ok = sum(1 for g, p in polar if g == p)
    sign_accuracy = None
    if scores is not None:
        signed = [(g, s or 0.0) for g, s in zip(gold, scores, strict=True) if g in ("positive", "negative")]
        right = sum(1 for g, s in signed if (s > 0 if g == "positive" else s < 0))
        sign_accuracy = round(right / len(signed), 4) if signed else None
    return {
        "n": n,
        "accuracy": round(correct / n, 4),
        "macro_f1": round(sum(f1s) / len(f1s), 4) if f1s else None,
        "polarity_accuracy": round(polar_ok / len(polar), 4) if polar else None,
        "sign_accuracy": sign_accuracy,
        "polarity_n": len(polar),
        "per_label": per_label,
        "confusion": confusion,
        "labels": list(LABELS),
    }


def read_labelled(path: str | Path) -> list[dict[str, str]]:
    """Rows of a labelled CSV (``text,label`` required; ``language``, ``touchpoint`` optional)."""
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(f"{path}: no such file", errors=[{"field": "file", "value": str(path),
                                                                   "message": "no such file"}])
    with path.open(encoding="utf-8-sig", newline="") as fh:
        reader = csv.DictReader(fh)
        fields = reader.fieldnames or []
        missing = [f for f in ("text", "label") if f not in fields]
        if missing:
            raise ValidationFailed(
                f"{path}: missing column(s) {', '.join(missing)} (need text,label)",
                errors=[{"file": str(path), "line": 1, "field": f, "message": "missing column"} for f in missing],
            )
        rows: list[dict[str, str]] = []
        errors = []
        for line, row in enumerate(reader, start=2):
            label = (row.get("label") or "").strip().lower()
            text = row.get("text") or ""
            if label not in LABELS:
                errors.append({"file": str(path), "line": line, "field": "label", "value": row.get("label"),
                               "message": f"label must be one of {', '.join(LABELS)}"})
                continue
            if not text.strip():
                errors.append({"file": str(path), "line": line, "field": "text", "value": text,
                               "message": "empty text"})
                continue
            rows.append({**{k: (v or "") for k, v in row.items() if k}, "text": text, "label": label})
    if errors:
        first = errors[0]
        raise ValidationFailed(
            f"{path}: {len(errors)} invalid row(s); line {first['line']}: {first['field']}: {first['message']}",
            errors=errors,
        )
    return rows


def evaluate_analyzer(analyzer: Any, rows: Sequence[dict[str, str]]) -> dict[str, Any]:
    """Run ``analyzer`` on labelled rows (using each row's ``language`` if given) and score it."""
    texts = [r["text"] for r in rows]
    langs = [r.get("language") or None for r in rows]
    results = analyzer.analyze_many(texts, langs)
    return evaluate_labels([r["label"] for r in rows], [s.label for s in results], [s.score for s in results])
