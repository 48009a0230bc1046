"""Survey routes: the hosted page (/s/<survey>), the on-site widget (/w/...), the response API, and the
score metrics (GET /api/v1/metrics/<name>, token). Public routes authenticate with the public write key
(HTTP Basic username or ``writeKey``), or, for a personal link, its HMAC signature."""

from __future__ import annotations

import threading
from typing import Any

import orjson
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from cxjourney.api.deps import basic_username, reader
from cxjourney.api.errors import FastJSON, responses
from cxjourney.errors import CXJError, NotFound, Unauthorized, ValidationFailed
from cxjourney.ingest.responses import store_responses
from cxjourney.security.keys import Principal
from cxjourney.surveys import answers as ans
from cxjourney.surveys.loader import cached_catalogue
from cxjourney.surveys.page import TEXTS, pick_language, render_message, render_survey, render_thanks
from cxjourney.widget import widget_bytes

router = APIRouter(tags=["surveys"])
ERRS = responses(400, 401, 404, 413)
METRIC_QUERIES = ("nps", "csat", "ces", "response_rate", "score_change", "score_distribution")
_SHOW_LOCK = threading.Lock()  # the fatigue check and the 'Survey Shown' write happen as one step


def _json_body(raw: bytes, limit: int) -> dict[str, Any]:
    if len(raw) > limit:
        raise ValidationFailed(f"request body is larger than {limit} bytes", errors=[{"field": "body", "message": "too large"}], status=413)
    try:
        body = orjson.loads(raw or b"{}")
    except orjson.JSONDecodeError as exc:
        raise ValidationFailed(f"malformed JSON: {exc}", errors=[{"field": "body", "message": "malformed JSON"}]) from exc
    if not isinstance(body, dict):
        raise ValidationFailed("the body must be a JSON object", errors=[{"field": "body", "message": "not an object"}])
    return body


def _auth(request: Request, body: dict[str, Any]) -> None:
    key = basic_username(request) or body.get("writeKey") or request.query_params.get("k")
    request.app.state.keys.write_key(key if isinstance(key, str) else None)


def _ids(body: dict[str, Any]) -> tuple[str | None, str | None]:
    uid = body.get("userId")
    aid = body.get("anonymousId")
    uid = str(uid) if isinstance(uid, (str, int)) and str(uid) else None
    aid = str(aid) if isinstance(aid, (str, int)) and str(aid) else None
    if uid is None and aid is None:
        raise ValidationFailed("either userId or anonymousId is required", errors=[{"field": "userId", "message": "missing (or anonymousId)"}])
    return uid, aid


def _lang(body: dict[str, Any]) -> str:
    v = body.get("language")
    return v if isinstance(v, str) and v in ("en", "pl") else "en"


def _channel(value: Any, default: str, allowed: tuple[str, ...] = ans.CHANNELS) -> str:
    return value if isinstance(value, str) and value in allowed else default


def _survey(request: Request, survey_id: Any) -> Any:
    if not isinstance(survey_id, str) or not survey_id:
        raise ValidationFailed("survey is required", errors=[{"field": "survey", "message": "missing"}])
    return cached_catalogue(request.app.state.settings).get(survey_id)


def submit(request: Request, survey_id: str, body: dict[str, Any], *, channel: str) -> dict[str, Any]:
    """Validate and store one response (idempotent on response_id). Domain errors name the field."""
    st = request.app.state
    cat = cached_catalogue(st.settings)
    survey = cat.get(survey_id)
    uid, aid = _ids(body)
    rid = ans.check_response_id(body.get("response_id")) if body.get("response_id") is not None else ans.new_response_id()
    checked = ans.check_answers(survey, body.get("answers"))
    ch = _channel(body.get("channel"), channel)
    rows = ans.answer_rows(cat, survey, checked, response_id=rid, user_id=uid, anonymous_id=aid, channel=ch,
                           language=_lang(body), timestamp=st.clock())
    stored, dups = store_responses(st.store, st.writer, rows, received_at=st.clock(), source="survey")
    return {"ok": True, "response_id": rid, "stored": stored, "duplicates": dups, "duplicate": stored == 0 and dups > 0}


@router.post("/api/v1/surveys/{survey_id}/responses", responses=ERRS, summary="Submit a survey response (write key)")
async def post_response(survey_id: str, request: Request) -> FastJSON:
    """Body: ``{"response_id", "userId"|"anonymousId", "answers": {question: value}, "channel", "language"}``.
    The same response_id sent again stores nothing twice and answers ``duplicate: true``."""
    body = _json_body(await request.body(), request.app.state.settings.max_event_bytes)
    _auth(request, body)
    from starlette.concurrency import run_in_threadpool

    return FastJSON(await run_in_threadpool(submit, request, survey_id, body, channel="api"))


# ---- the on-site widget -----------------------------------------------------------------------------


@router.get("/w/widget.js", summary="The survey widget (the project's own vanilla JavaScript)", include_in_schema=True)
def widget_js() -> Response:
    return Response(widget_bytes(), media_type="application/javascript; charset=utf-8",
                    headers={"Cache-Control": "public, max-age=300"})


@router.get("/w/config", responses=ERRS, summary="Widget configuration: surveys offered on the site (write key)")
def widget_config(request: Request) -> FastJSON:
    _auth(request, {})
    cat = cached_catalogue(request.app.state.settings)
    out = []
    for s in cat.surveys.values():
        if s.widget is None or "widget" not in s.channels:
            continue
        out.append({
            "id": s.id, "touchpoint": s.touchpoint, "name": s.name.model_dump(), "thanks": s.thanks.model_dump() if s.thanks else None,
            "triggers": [t.model_dump() for t in s.widget.triggers],
            "questions": [{"id": q.id, "type": q.type, "text": q.text.model_dump(), "required": q.required, "bounds": q.bounds,
                           "low": q.low_label.model_dump() if q.low_label else None, "high": q.high_label.model_dump() if q.high_label else None,
                           "choices": [{"id": c.id, "text": c.text.model_dump()} for c in q.choices], "max_length": q.max_length,
                           "show_if": list(q.show_if.bounds()) + [q.show_if.question] if q.show_if else None} for q in s.questions],
        })
    return FastJSON({"ok": True, "surveys": out, "fatigue_days": request.app.state.settings.survey_fatigue_days})


def _show(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    st = request.app.state
    survey = _survey(request, body.get("survey"))
    uid, aid = _ids(body)
    channel = _channel(body.get("channel"), "widget")
    if body.get("consent") is False:
        return {"ok": True, "show": False, "reason": "no_consent"}
    if channel not in survey.channels:
        return {"ok": True, "show": False, "reason": "channel_off"}
    now = st.clock()
    days = st.settings.survey_fatigue_days
    rate = survey.widget.sample_rate if (survey.widget and channel == "widget") else 1.0
    with _SHOW_LOCK:
        persons = ans.person_of(st.store, [x for x in (uid, aid) if x])
        last = ans.fatigued(st.store, persons, now=now, days=days)
        if last is not None:
            return {"ok": True, "show": False, "reason": "fatigue", "last_asked": last.isoformat(), "fatigue_days": days}
        if not ans.sampled(uid or aid or "", survey.id, rate, now=now, days=days):
            return {"ok": True, "show": False, "reason": "not_sampled", "sample_rate": rate}
        rid = ans.new_response_id()
        ev = ans.feedback_event("Survey Shown", survey, response_id=rid, user_id=uid, anonymous_id=aid, channel=channel,
                                language=_lang(body), now=now, extra={"url": body.get("url")} if isinstance(body.get("url"), str) else None)
        st.writer.write([ev])
    return {"ok": True, "show": True, "response_id": rid, "survey": survey.id}


@router.post("/w/show", responses=ERRS, summary="May this person be asked now? Records 'Survey Shown' when yes (write key)")
async def widget_show(request: Request) -> FastJSON:
    """The server decides: consent, channel, fatigue cap across every channel (survey_fatigue_days), sampling."""
    from starlette.concurrency import run_in_threadpool

    body = _json_body(await request.body(), 64 * 1024)
    _auth(request, body)
    return FastJSON(await run_in_threadpool(_show, request, body))


def _dismiss(request: Request, body: dict[str, Any]) -> dict[str, Any]:
    st = request.app.state
    survey = _survey(request, body.get("survey"))
    uid, aid = _ids(body)
    rid = ans.check_response_id(body.get("response_id"))
    ev = ans.feedback_event("Survey Dismissed", survey, response_id=rid, user_id=uid, anonymous_id=aid,
                            channel=_channel(body.get("channel"), "widget"), language=_lang(body), now=st.clock())
    res = st.writer.write([ev])
    return {"ok": True, "recorded": res.accepted, "duplicate": res.accepted == 0}


@router.post("/w/dismiss", responses=ERRS, summary="Record 'Survey Dismissed' (write key)")
async def widget_dismiss(request: Request) -> FastJSON:
    from starlette.concurrency import run_in_threadpool

    body = _json_body(await request.body(), 64 * 1024)
    _auth(request, body)
    return FastJSON(await run_in_threadpool(_dismiss, request, body))


@router.post("/w/respond", responses=ERRS, summary="Submit a widget response (write key)")
async def widget_respond(request: Request) -> FastJSON:
    from starlette.concurrency import run_in_threadpool

    body = _json_body(await request.body(), request.app.state.settings.max_event_bytes)
    _auth(request, body)
    survey = body.get("survey")
    if not isinstance(survey, str):
        raise ValidationFailed("survey is required", errors=[{"field": "survey", "message": "missing"}])
    return FastJSON(await run_in_threadpool(submit, request, survey, body, channel="widget"))


# ---- the hosted page --------------------------------------------------------------------------------


def _page_person(request: Request, survey_id: str, params: Any) -> tuple[str | None, str | None]:
    """(user id, anonymous id) of a hosted-page visitor: a signed personal link, or the public write key."""
    st = request.app.state
    u, sig, k = params.get("u") or None, params.get("sig") or None, params.get("k") or None
    if u and sig and ans.check_signature(st.settings.secret_key, survey_id, u, sig):
        return u, None
    if k:
        st.keys.write_key(k)
        return (u, None) if u else (None, params.get("a") or ans.new_response_id().replace("r_", "a_"))
    raise Unauthorized("this survey link needs its signature (sig) or the public write key (k)",
                       errors=[{"field": "sig", "message": "missing or invalid link signature"}])


def _page_rid(request: Request, survey_id: str, uid: str | None) -> str:
    if uid is None:
        return ans.new_response_id()
    import hashlib

    st = request.app.state
    window = int(st.clock().timestamp() // (86400 * max(st.settings.survey_fatigue_days, 1)))
    return "l_" + hashlib.sha256(f"{survey_id}|{uid}|{window}".encode()).hexdigest()[:32]


def _html(text: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(text, status_code=status, headers={"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"})


@router.get("/s/{survey_id}", response_class=HTMLResponse, summary="Hosted survey page (signed link or write key)")
def survey_page(survey_id: str, request: Request) -> HTMLResponse:
    st = request.app.state
    q = request.query_params
    lang = pick_language(q.get("lang"), request.headers.get("accept-language"))
    try:
        survey = cached_catalogue(st.settings).get(survey_id)
        uid, aid = _page_person(request, survey_id, q)
    except NotFound:
        return _html(render_message(TEXTS[lang]["unknown"], lang=lang), 404)
    except Unauthorized:
        return _html(render_message(TEXTS[lang]["link"], lang=lang), 401)
    channel = _channel(q.get("c"), "link", ("link", "email"))
    rid = _page_rid(request, survey_id, uid)
    ev = ans.feedback_event("Survey Shown", survey, response_id=rid, user_id=uid, anonymous_id=aid, channel=channel, language=lang,
                            now=st.clock(), message_id=f"shown-{rid}")
    st.writer.write([ev])
    hidden: dict[str, str] = {"response_id": rid, "lang": lang, "c": channel, **{k: q[k] for k in ("u", "sig", "k") if q.get(k)}}
    if aid:
        hidden["a"] = aid
    return _html(render_survey(survey, lang=lang, action=f"/s/{survey_id}", hidden=hidden, query={k: v for k, v in q.items() if k != "lang"}))


@router.post("/s/{survey_id}", response_class=HTMLResponse, summary="Submit the hosted survey form")
async def survey_page_submit(survey_id: str, request: Request) -> HTMLResponse:
    from starlette.concurrency import run_in_threadpool

    st = request.app.state
    form = await request.form()
    lang = pick_language(str(form.get("lang") or ""), request.headers.get("accept-language"))
    try:
        survey = cached_catalogue(st.settings).get(survey_id)
        uid, aid = _page_person(request, survey_id, form)
    except NotFound:
        return _html(render_message(TEXTS[lang]["unknown"], lang=lang), 404)
    except Unauthorized:
        return _html(render_message(TEXTS[lang]["link"], lang=lang), 401)
    answers: dict[str, Any] = {}
    for qq in survey.questions:
        vals = [str(v) for v in form.getlist(qq.id) if str(v) != ""]
        if vals:
            answers[qq.id] = vals if qq.type == "multiple" else vals[0]
    body = {"response_id": form.get("response_id"), "userId": uid, "anonymousId": aid, "answers": answers, "language": lang,
            "channel": _channel(form.get("c"), "link", ("link", "email"))}
    query = {k: str(form.get(k)) for k in ("u", "sig", "k", "c") if form.get(k)}
    try:
        await run_in_threadpool(submit, request, survey_id, body, channel="link")
    except CXJError as exc:
        hidden = {k: str(form.get(k)) for k in ("response_id", "lang", "c", "u", "sig", "k", "a") if form.get(k)}
        values = {k: (v if isinstance(v, str) else ",".join(v)) for k, v in answers.items()}
        return _html(render_survey(survey, lang=lang, action=f"/s/{survey_id}", hidden=hidden, query=query, values=values,
                                   errors=exc.errors or [{"field": "", "message": exc.message}]), exc.status)
    given = []
    for qq in survey.questions:
        if qq.id in answers:
            v = answers[qq.id]
            if qq.type in ("single", "multiple"):
                names = {c.id: c.text.get(lang) for c in qq.choices}
                v = ", ".join(str(names.get(x, x)) for x in (v if isinstance(v, list) else [v]))
            given.append((qq.text.get(lang), v if isinstance(v, str) else ", ".join(v)))
    return _html(render_thanks(survey, lang=lang, given=given, query=query))


# ---- definitions and metrics (token) ----------------------------------------------------------------


@router.get("/api/v1/surveys", responses=responses(401, 403), summary="The workspace's surveys (definitions)")
def list_surveys(request: Request, who: Principal = Depends(reader)) -> dict[str, Any]:
    cat = cached_catalogue(request.app.state.settings)
    return {"ok": True, "surveys": [s.model_dump(mode="json") for s in cat.surveys.values()]}


@router.get("/api/v1/surveys/{survey_id}", responses=responses(401, 403, 404), summary="One survey's definition")
def get_survey(survey_id: str, request: Request, who: Principal = Depends(reader)) -> dict[str, Any]:
    return {"ok": True, "survey": cached_catalogue(request.app.state.settings).get(survey_id).model_dump(mode="json")}


@router.get("/api/v1/metrics/{name}", responses=responses(400, 401, 403, 404, 422), summary="NPS, CSAT, CES, response rate, score change, distribution")
def get_metric(name: str, request: Request, who: Principal = Depends(reader)) -> Any:
    """Same parameters as the query of that name (GET /api/v1/queries), in the URL: ?by=touchpoint&period=month&from=..."""
    if name not in METRIC_QUERIES:
        raise NotFound(f"unknown metric {name!r}", errors=[{"field": "name", "value": name, "message": f"use one of {', '.join(METRIC_QUERIES)}"}])
    from cxjourney.api.read import get_query

    return get_query(name, request, who)
