"""Load and validate survey files, reporting every problem with file, line and field."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from cxjourney.errors import NotFound, ValidationFailed
from cxjourney.schema.yamlfile import Loc, field_name, line_of, load_yaml
from cxjourney.surveys.model import SCORE_KINDS, Survey


def _problem(path: Path, lines: dict[Loc, int], loc: Loc, message: str, value: Any = None) -> dict[str, Any]:
    return {"file": str(path), "line": line_of(lines, loc), "field": field_name(loc), "value": value, "message": message}


def _clean_loc(loc: tuple[Any, ...]) -> Loc:
    out = []
    for p in loc:
        if isinstance(p, str) and (p.startswith(("function-", "literal[")) or p in ("str", "Text", "tuple[int, int]")):
            continue
        out.append(p)
    return tuple(out)


def check_survey(path: Path, known_touchpoints: Iterable[str] | None = None) -> tuple[Survey | None, list[dict[str, Any]]]:
    """Parse one survey file. Returns (survey or None, problems). Never raises for bad content."""
    try:
        data, lines = load_yaml(path)
    except ValidationFailed as exc:
        return None, exc.errors
    if not isinstance(data, dict):
        return None, [_problem(path, lines, (), "a survey file must be a mapping with id, name, touchpoint, questions")]
    problems: list[dict[str, Any]] = []
    survey: Survey | None = None
    try:
        survey = Survey.model_validate(data)
    except ValidationError as exc:
        for err in exc.errors(include_url=False):
            inp = err.get("input")
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(_problem(path, lines, _clean_loc(err["loc"]), msg, None if isinstance(inp, (dict, list)) else inp))
    problems.extend(_semantic(path, lines, data, set(known_touchpoints) if known_touchpoints is not None else None))
    if survey is not None:
        survey.source_file = str(path)
    return (survey if not problems else None), problems


def _semantic(path: Path, lines: dict[Loc, int], data: dict[str, Any], touchpoints: set[str] | None) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    raw_qs = data.get("questions")
    qs: list[Any] = raw_qs if isinstance(raw_qs, list) else []
    seen: dict[str, int] = {}
    for i, q in enumerate(qs):
        if not isinstance(q, dict):
            continue
        qid = q.get("id")
        if isinstance(qid, str):
            if qid in seen:
                out.append(_problem(path, lines, ("questions", i, "id"), f"duplicate question id {qid!r} (first at questions[{seen[qid]}])", qid))
            else:
                seen[qid] = i
        cond = q.get("show_if")
        if isinstance(cond, dict) and isinstance(cond.get("question"), str):
            ref = cond["question"]
            j = seen.get(ref) if ref != qid else None
            if j is None:
                out.append(_problem(path, lines, ("questions", i, "show_if", "question"),
                                    f"show_if refers to {ref!r}, which is not an earlier question of this survey", ref))
            else:
                rtype = qs[j].get("type") if isinstance(qs[j], dict) else None
                if rtype not in SCORE_KINDS:
                    out.append(_problem(path, lines, ("questions", i, "show_if", "question"),
                                        f"show_if needs a score question (nps, csat, ces, rating); {ref!r} is {rtype}", ref))
                elif cond.get("group") is not None and rtype != "nps":
                    out.append(_problem(path, lines, ("questions", i, "show_if", "group"),
                                        f"group (detractor/passive/promoter) applies to NPS questions only; {ref!r} is {rtype}", cond.get("group")))
    tp = data.get("touchpoint")
    if touchpoints is not None and isinstance(tp, str) and tp not in touchpoints:
        out.append(_problem(path, lines, ("touchpoint",), f"unknown touchpoint {tp!r} (no journey in journeys/ has it)", tp))
    chans = data.get("channels")
    if isinstance(data.get("widget"), dict) and isinstance(chans, list) and "widget" not in chans:
        out.append(_problem(path, lines, ("widget",), "widget settings given but 'widget' is not in channels"))
    return out


def survey_files(directory: Path) -> list[Path]:
    return sorted([*directory.glob("*.yaml"), *directory.glob("*.yml")]) if directory.exists() else []


def check_surveys(directory: Path, known_touchpoints: Iterable[str] | None = None) -> tuple[list[Survey], list[dict[str, Any]]]:
    """Every survey file of ``directory``: (valid surveys, problems of all files)."""
    tps = list(known_touchpoints) if known_touchpoints is not None else None
    surveys: list[Survey] = []
    problems: list[dict[str, Any]] = []
    ids: dict[str, str] = {}
    for path in survey_files(directory):
        s, probs = check_survey(path, tps)
        problems.extend(probs)
        if s is not None:
            if s.id in ids:
                problems.append({"file": str(path), "line": 1, "field": "id", "value": s.id, "message": f"duplicate survey id {s.id!r} (also in {ids[s.id]})"})
            else:
                ids[s.id] = str(path)
                surveys.append(s)
    return surveys, problems


class SurveyCatalogue:
    """The workspace's valid surveys plus where each sits in the journeys (touchpoint -> stage, journey)."""

    def __init__(self, surveys: list[Survey], journeys: list[Any]):
        self.surveys = {s.id: s for s in surveys}
        self.place: dict[str, tuple[str, str]] = {}  # touchpoint -> (journey, stage)
        for j in journeys:
            for st, tp in j.touchpoints():
                self.place.setdefault(tp.id, (j.id, st.id))

    def get(self, survey_id: str) -> Survey:
        s = self.surveys.get(survey_id)
        if s is None:
            raise NotFound(f"unknown survey {survey_id!r}",
                           errors=[{"field": "survey", "value": survey_id, "message": f"known: {', '.join(sorted(self.surveys)) or 'none'}"}])
        return s

    def journey_stage(self, survey: Survey) -> tuple[str | None, str | None]:
        j, st = self.place.get(survey.touchpoint, (None, None))
        return survey.journey or j, st


def workspace_check(settings: Any) -> tuple[list[Survey], list[dict[str, Any]], list[Any]]:
    """(valid surveys, problems, valid journeys) of the workspace in ``settings``."""
    from cxjourney.workspace import Workspace

    ws = Workspace(settings)
    journeys = ws.journeys()
    tps = [tp.id for j in journeys for _, tp in j.touchpoints()]
    surveys, problems = check_surveys(ws.surveys_dir, tps if journeys else None)
    return surveys, problems, journeys


def catalogue(settings: Any) -> SurveyCatalogue:
    surveys, _, journeys = workspace_check(settings)
    return SurveyCatalogue(surveys, journeys)


def question_kind_lookup(settings: Any) -> Callable[[str, str], str | None]:
    """For the importer: (survey_id, question_id) -> stored kind (nps/csat/ces/rating/choice/text) or None."""
    surveys, _, _ = workspace_check(settings)
    kinds = {(s.id, q.id): q.stored_kind for s in surveys for q in s.questions}

    def lookup(survey_id: str, question_id: str) -> str | None:
        return kinds.get((survey_id, question_id))

    return lookup


_CACHE: dict[str, tuple[tuple[Any, ...], SurveyCatalogue]] = {}


def cached_catalogue(settings: Any) -> SurveyCatalogue:
    """:func:`catalogue`, re-read only when a file in surveys/ or journeys/ changed (for the hot widget path)."""
    root = Path(settings.workspace)
    sig = tuple((str(p), p.stat().st_mtime_ns, p.stat().st_size) for d in ("surveys", "journeys") for p in survey_files(root / d))
    key = str(root.resolve())
    hit = _CACHE.get(key)
    if hit is not None and hit[0] == sig:
        return hit[1]
    cat = catalogue(settings)
    _CACHE[key] = (sig, cat)
    return cat
