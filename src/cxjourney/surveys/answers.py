"""Turn a submitted survey response into stored answers, and record the feedback events.

Feedback event spec (Segment style, docs/surveys.md): 'Survey Shown', 'Survey Dismissed' and
'Survey Responded', each with properties survey_id, response_id, touchpoint, channel (and language).
"""

from __future__ import annotations

import hashlib
import hmac
import re
import uuid
from datetime import datetime, timedelta
from typing import Any

from cxjourney.errors import ValidationFailed
from cxjourney.ingest.normalize import Rejection, normalize
from cxjourney.surveys.loader import SurveyCatalogue
from cxjourney.surveys.model import Question, Survey

RESPONSE_ID_RE = re.compile(r"^[A-Za-z0-9_\-.:]{1,100}$")
CHANNELS = ("widget", "link", "email", "api")


def _err(field: str, message: str, value: Any = None) -> dict[str, Any]:
    return {"field": field, "value": value, "message": message}


def _score(q: Question, raw: Any, field: str, errors: list[dict[str, Any]]) -> float | None:
    lo, hi = q.bounds or (0, 0)
    if isinstance(raw, bool) or raw is None or raw == "":
        errors.append(_err(field, f"{q.type} score must be a whole number from {lo} to {hi}", raw))
        return None
    try:
        v = float(raw)
    except (TypeError, ValueError):
        errors.append(_err(field, f"{q.type} score must be a whole number from {lo} to {hi}", raw))
        return None
    if not v.is_integer() or not lo <= v <= hi:
        errors.append(_err(field, f"{q.type} score must be a whole number from {lo} to {hi}", raw))
        return None
    return v


def check_answers(survey: Survey, answers: Any) -> list[tuple[Question, float | None, str | None, str | None]]:
    """Validate ``{question_id: value}``: (question, score, answer, comment) per answered question.
    Raises ValidationFailed naming every bad field (``answers.<question>``)."""
    if not isinstance(answers, dict) or not answers:
        raise ValidationFailed("answers must be a non-empty object {question_id: value}", errors=[_err("answers", "missing or not an object")])
    errors: list[dict[str, Any]] = []
    out: list[tuple[Question, float | None, str | None, str | None]] = []
    for qid in answers:
        if survey.question(str(qid)) is None:
            errors.append(_err(f"answers.{qid}", f"survey {survey.id!r} has no question {qid!r} (questions: {', '.join(q.id for q in survey.questions)})", qid))
    scores: dict[str, float] = {}
    for q in survey.questions:
        field = f"answers.{q.id}"
        raw = answers.get(q.id)
        blank = raw is None or raw == "" or raw == []
        if blank:
            visible = q.show_if is None or q.show_if.holds(scores.get(q.show_if.question))
            if q.required and visible:
                errors.append(_err(field, f"question {q.id!r} is required"))
            continue
        if q.bounds is not None:
            v = _score(q, raw, field, errors)
            if v is not None:
                scores[q.id] = v
                out.append((q, v, None, None))
        elif q.type == "single":
            ids = [c.id for c in q.choices]
            if not isinstance(raw, str) or raw not in ids:
                errors.append(_err(field, f"choose one of {', '.join(ids)}", raw))
            else:
                out.append((q, None, raw, None))
        elif q.type == "multiple":
            ids = [c.id for c in q.choices]
            vals = raw if isinstance(raw, list) else [raw]
            bad = [v for v in vals if not isinstance(v, str) or v not in ids]
            if bad:
                errors.append(_err(field, f"choose any of {', '.join(ids)}", bad[0]))
            else:
                out.append((q, None, ",".join(dict.fromkeys(str(v) for v in vals)), None))
        else:  # text: stored exactly as given
            if not isinstance(raw, str):
                errors.append(_err(field, "text answer must be a string", raw))
            elif len(raw) > q.max_length:
                errors.append(_err(field, f"text is {len(raw)} characters; the limit is {q.max_length}"))
            elif raw.strip():
                out.append((q, None, None, raw))
    if errors:
        raise ValidationFailed(f"{len(errors)} problem(s) in the response to survey {survey.id!r}; first: {errors[0]['field']}: {errors[0]['message']}", errors=errors)
    return out


def new_response_id() -> str:
    return "r_" + uuid.uuid4().hex


def check_response_id(rid: Any) -> str:
    if not isinstance(rid, str) or not RESPONSE_ID_RE.match(rid):
        raise ValidationFailed("response_id must be 1-100 letters, digits or - _ . :", errors=[_err("response_id", "invalid response id", rid)])
    return rid


def answer_rows(cat: SurveyCatalogue, survey: Survey, checked: list[tuple[Question, float | None, str | None, str | None]], *,
                response_id: str, user_id: str | None, anonymous_id: str | None, channel: str, language: str,
                timestamp: datetime) -> list[dict[str, Any]]:
    """Rows for :func:`cxjourney.ingest.responses.store_responses`."""
    journey, stage = cat.journey_stage(survey)
    return [{"response_id": response_id, "question_id": q.id, "survey_id": survey.id, "kind": q.stored_kind, "score": score,
             "answer": answer, "comment": comment, "user_id": user_id, "anonymous_id": anonymous_id, "touchpoint": survey.touchpoint,
             "journey": journey, "stage": stage, "channel": channel, "language": language, "timestamp": timestamp}
            for q, score, answer, comment in checked]


def feedback_event(name: str, survey: Survey, *, response_id: str, user_id: str | None, anonymous_id: str | None,
                   channel: str, language: str | None, now: datetime, message_id: str | None = None,
                   extra: dict[str, Any] | None = None) -> dict[str, Any]:
    """A normalized 'Survey Shown' / 'Survey Dismissed' event row, ready for the writer."""
    msg = {"type": "track", "event": name, "userId": user_id, "anonymousId": anonymous_id, "timestamp": now.isoformat(),
           "messageId": message_id or f"{name.split()[-1].lower()}-{response_id}",
           "properties": {"survey_id": survey.id, "response_id": response_id, "touchpoint": survey.touchpoint,
                          "channel": channel, "language": language, **(extra or {})}}
    r = normalize(msg, 0, received_at=now, source="survey", max_bytes=10**9)
    if isinstance(r, Rejection):
        raise ValidationFailed(r.message, errors=[r.to_dict()])
    return r


# ---- who may be asked ---------------------------------------------------------------------------


def person_of(store: Any, ids: list[str]) -> list[str]:
    """Canonical person ids known for any of ``ids`` (user or anonymous ids), plus the ids themselves."""
    ids = [i for i in ids if i]
    if not ids:
        return []
    with store.lock:
        rows = store.con.execute("SELECT DISTINCT person_id FROM identities WHERE id IN (SELECT unnest(?))", [ids]).fetchall()
    return sorted({r[0] for r in rows} | set(ids))


def last_asked(store: Any, persons: list[str], *, since: datetime) -> datetime | None:
    """When any channel last showed a survey to, or got an answer from, these persons (since ``since``)."""
    if not persons:
        return None
    with store.lock:
        a = store.con.execute(
            "SELECT max(timestamp) FROM events WHERE person_id IN (SELECT unnest(?)) AND type = 'track' "
            "AND event IN ('Survey Shown', 'Survey Responded') AND timestamp >= ?", [persons, since]).fetchone()[0]
        b = store.con.execute(
            "SELECT max(timestamp) FROM responses WHERE person_id IN (SELECT unnest(?)) AND timestamp >= ?", [persons, since]).fetchone()[0]
    found = [x for x in (a, b) if x is not None]
    return max(found) if found else None


def fatigued(store: Any, persons: list[str], *, now: datetime, days: int) -> datetime | None:
    """The last time these persons were asked, if within ``days`` (fatigue cap); None when they may be asked."""
    if days <= 0:
        return None
    return last_asked(store, persons, since=now - timedelta(days=days))


def sampled(key: str, survey_id: str, rate: float, *, now: datetime, days: int) -> bool:
    """Deterministic sampling: the same person and survey get the same answer within one fatigue window."""
    if rate >= 1.0:
        return True
    if rate <= 0.0:
        return False
    window = int(now.timestamp() // (86400 * max(days, 1)))
    h = hashlib.sha256(f"{key}|{survey_id}|{window}".encode()).digest()
    return int.from_bytes(h[:8], "big") / 2**64 < rate


def link_signature(secret: str, survey_id: str, person: str) -> str:
    """The signature of a personal survey link (/s/<survey>?u=<person>&sig=...): HMAC-SHA256, 32 hex digits."""
    return hmac.new(secret.encode(), f"{survey_id}\x00{person}".encode(), hashlib.sha256).hexdigest()[:32]


def check_signature(secret: str, survey_id: str, person: str, sig: str | None) -> bool:
    return bool(sig) and hmac.compare_digest(link_signature(secret, survey_id, person), str(sig))
