"""Load and validate journey files, reporting every problem with file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cxjourney.errors import ValidationFailed
from cxjourney.journeys.catalogue import METRICS
from cxjourney.journeys.model import Journey
from cxjourney.schema.yamlfile import Loc, field_name, line_of, load_yaml


def _problem(path: Path, lines: dict[Loc, int], loc: Loc, message: str, value: Any = None) -> dict[str, Any]:
    return {
        "file": str(path),
        "line": line_of(lines, loc),
        "field": field_name(loc),
        "value": value,
        "message": message,
    }


def check_journey(
    path: Path, known_surveys: Iterable[str] | None = None
) -> tuple[Journey | None, list[dict[str, Any]]]:
    """Parse one journey file. Returns (journey or None, problems). Never raises for bad content."""
    try:
        data, lines = load_yaml(path)
    except ValidationFailed as exc:
        return None, exc.errors
    if not isinstance(data, dict):
        return None, [_problem(path, lines, (), "a journey file must be a mapping with id, name, version, stages")]
    problems: list[dict[str, Any]] = []
    journey: Journey | None = None
    try:
        journey = Journey.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal["))))
            loc = tuple(p for p in loc if p not in ("str", "list[str]", "dict[str,any]", "Text"))
            problems.append(_problem(path, lines, loc, err["msg"], err.get("input") if not isinstance(err.get("input"), (dict, list)) else None))
    known = set(known_surveys) if known_surveys is not None else None
    problems.extend(_semantic_problems(path, lines, data, known))
    if journey is not None:
        journey.source_file = str(path)
    return (journey if not problems else None), problems


def _semantic_problems(path: Path, lines: dict[Loc, int], data: dict[str, Any], known_surveys: set[str] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    stages: list[Any] = data["stages"] if isinstance(data.get("stages"), list) else []
    seen_stage: dict[str, int] = {}
    seen_tp: dict[str, tuple[int, int]] = {}

    def metric_names(loc: Loc, value: Any) -> None:
        names = value if isinstance(value, list) else (list(value) if isinstance(value, dict) else [])
        for i, name in enumerate(names):
            if isinstance(name, str) and name not in METRICS:
                sub = loc + ((i,) if isinstance(value, list) else (name,))
                out.append(_problem(path, lines, sub, f"unknown metric {name!r} (known: see docs/metrics.md)", name))

    for si, stage in enumerate(stages):
        if not isinstance(stage, dict):
            continue
        sid = stage.get("id")
        if isinstance(sid, str):
            if sid in seen_stage:
                out.append(_problem(path, lines, ("stages", si, "id"), f"duplicate stage id {sid!r} (first at stages[{seen_stage[sid]}])", sid))
            else:
                seen_stage[sid] = si
        for key in ("metrics", "targets", "benchmarks"):
            metric_names(("stages", si, key), stage.get(key))
        tps: list[Any] = stage["touchpoints"] if isinstance(stage.get("touchpoints"), list) else []
        for ti, tp in enumerate(tps):
            if not isinstance(tp, dict):
                continue
            tid = tp.get("id")
            if isinstance(tid, str):
                if tid in seen_tp:
                    a, b = seen_tp[tid]
                    out.append(_problem(path, lines, ("stages", si, "touchpoints", ti, "id"), f"duplicate touchpoint id {tid!r} (first at stages[{a}].touchpoints[{b}])", tid))
                else:
                    seen_tp[tid] = (si, ti)
            for key in ("metrics", "targets"):
                metric_names(("stages", si, "touchpoints", ti, key), tp.get(key))
            survey = tp.get("survey")
            if known_surveys is not None and isinstance(survey, str) and survey not in known_surveys:
                out.append(_problem(path, lines, ("stages", si, "touchpoints", ti, "survey"), f"unknown survey {survey!r} (no such id in surveys/)", survey))
    return out


def journey_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]) if directory.exists() else []


def load_journeys(directory: Path, known_surveys: Iterable[str] | None = None) -> list[Journey]:
    """Load every journey in ``directory``; raise ValidationFailed listing every problem of every file."""
    journeys, problems = check_journeys(directory, known_surveys)
    if problems:
        first = problems[0]
        raise ValidationFailed(
            f"{len(problems)} problem(s) in journey files; first: {first['file']}:{first['line']}: {first['field']}: {first['message']}",
            errors=problems,
        )
    return journeys


def check_journeys(directory: Path, known_surveys: Iterable[str] | None = None) -> tuple[list[Journey], list[dict[str, Any]]]:
    known = list(known_surveys) if known_surveys is not None else None
    journeys: list[Journey] = []
    problems: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    for path in journey_files(directory):
        j, probs = check_journey(path, known)
        problems.extend(probs)
        if j is not None:
            if j.id in ids:
                problems.append({"file": str(path), "line": 1, "field": "id", "value": j.id, "message": f"duplicate journey id {j.id!r} (also in {ids[j.id]})"})
            else:
                ids[j.id] = str(path)
                journeys.append(j)
    return journeys, problems
