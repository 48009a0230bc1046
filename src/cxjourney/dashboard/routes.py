"""Dashboard routes: sign-in, the pages (HTML, or their JSON twin at ``.json`` / ``Accept: application/json``),
settings actions, static files and the live event stream."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any
from urllib.parse import quote

import plotly
from fastapi import APIRouter, Request
from fastapi.responses import FileResponse, HTMLResponse, RedirectResponse, Response

from cxjourney.api.deps import principal, query_context
from cxjourney.api.errors import FastJSON
from cxjourney.dashboard import auth
from cxjourney.dashboard.filters import Filters, parse_filters
from cxjourney.dashboard.i18n import LANGUAGES, gettext, pick_language
from cxjourney.dashboard.pages import (
    PAGE_ROLES,
    analysis,
    customers,
    journey,
    overview,
    settings,
    surveys,
    value,
)
from cxjourney.dashboard.pages.common import journeys_of
from cxjourney.dashboard.render import render, wants_json
from cxjourney.errors import CXJError, Forbidden, NotFound, Unauthorized, ValidationFailed
from cxjourney.security.keys import Principal, add_user, authenticate_user, create_key, revoke_key

router = APIRouter(prefix="/dashboard", include_in_schema=False)
STATIC = Path(__file__).parent / "static"
PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"

BUILDERS: dict[str, Any] = {
    "overview": overview.build,
    "journey": journey.build,
    "funnels": analysis.build_funnels,
    "paths": analysis.build_paths,
    "retention": analysis.build_retention,
    "surveys": surveys.build,
    "value": value.build,
    "customers": customers.build_search,
    "settings": settings.build,
}
NAV = ["overview", "journey", "funnels", "paths", "retention", "surveys", "value", "customers", "settings"]


def language(request: Request) -> str:
    return pick_language(request.query_params.get("lang"), request.cookies.get(auth.LANG_COOKIE),
                         getattr(request.state, "user_language", None), request.app.state.settings.language)


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/dashboard") and not target.startswith("//") and "\\" not in target:
        return target
    return "/dashboard/"


def _common(request: Request, who: Principal | None, lang: str, page: str, f: Filters | None = None) -> dict[str, Any]:
    st = request.app.state
    raw = getattr(request.state, "session_raw", None)
    role = who.role if who else None
    ctx_journeys = []
    if who is not None and role != "agent":
        qc = query_context(request, who)
        ctx_journeys = [{"id": j.id, "name": j.name.get(lang)} for j in journeys_of(qc)]
    path = request.url.path.removesuffix(".json")
    return {
        "user": {"name": who.name, "role": role, "kind": who.kind} if who else None,
        "page": page,
        "nav": [p for p in NAV if role in PAGE_ROLES[p]] if who else [],
        "filters": (f or Filters()).as_params(),
        "filter_qs": (f or Filters()).query_string(),
        "journeys": ctx_journeys,
        "path": path,
        "query_string": request.url.query,
        "csrf": auth.csrf_token(st.settings.secret_key, raw) if raw else "",
    }


def computed_at(data: Any) -> str | None:
    """The oldest 'computed_at' of the page's query answers (a cached answer was computed from the same data)."""
    found: list[str] = []

    def walk(v: Any) -> None:
        if isinstance(v, dict):
            meta = v.get("meta")
            if isinstance(meta, dict) and isinstance(meta.get("computed_at"), str):
                found.append(meta["computed_at"])
            for x in v.values():
                if isinstance(x, (dict, list)):
                    walk(x)
        elif isinstance(v, list):
            for x in v[:50]:
                if isinstance(x, dict) and ("meta" in x or "status" in x):
                    walk(x)

    walk(data)
    return min(found) if found else None


def _error_page(request: Request, exc: CXJError, lang: str, who: Principal | None, page: str) -> HTMLResponse:
    html = render("error.html", lang, **_common(request, who, lang, page), error=exc.message, errors=exc.errors, status=exc.status)
    return HTMLResponse(html, status_code=exc.status)


def _login_redirect(request: Request) -> RedirectResponse:
    nxt = request.url.path + (("?" + request.url.query) if request.url.query else "")
    return RedirectResponse("/dashboard/login?next=" + quote(nxt, safe=""), status_code=303)


def _serve(request: Request, name: str, as_json: bool, builder: Any, args: dict[str, Any]) -> Response:
    lang = language(request)
    who: Principal | None = None
    try:
        who = principal(request, PAGE_ROLES[name])
        f = parse_filters(request.query_params)
        ctx = query_context(request, who)
        ctx.extra["cache"] = request.app.state.dashboard_cache
        t0 = time.perf_counter()
        data = builder(ctx, f, lambda s: gettext(lang, s), {**args, "lang": lang})
        build_ms = (time.perf_counter() - t0) * 1000
    except Unauthorized as exc:
        if as_json:
            raise
        if getattr(request.state, "user", None) is None:
            return _login_redirect(request)
        return _error_page(request, exc, lang, None, name)
    except CXJError as exc:
        if as_json:
            raise
        return _error_page(request, exc, lang, who or getattr(request.state, "user", None), name)
    timing = {"Server-Timing": f"build;dur={build_ms:.1f}"}
    if as_json:
        return FastJSON({"ok": True, "language": lang, "filters": f.as_params(), "computed_at": computed_at(data), **data}, headers=timing)
    common = _common(request, who, lang, name, f)
    html = render(f"{data.get('template', name)}.html", lang, **{**common, **data, "data": data, "computed_at": computed_at(data)})
    return HTMLResponse(html, headers=timing)


# --- sign-in ---------------------------------------------------------------------------------------------

@router.get("/login")
def login_form(request: Request) -> HTMLResponse:
    lang = language(request)
    return HTMLResponse(render("login.html", lang, **_common(request, None, lang, "login"),
                               next=_safe_next(request.query_params.get("next")), failed=False))


@router.post("/login")
async def login(request: Request) -> Response:
    form = await request.form()
    username, password = str(form.get("username") or ""), str(form.get("password") or "")
    nxt = _safe_next(str(form.get("next") or ""))
    st = request.app.state
    who = authenticate_user(st.store, username, password) if username and password else None
    if who is None:
        lang = language(request)
        html = render("login.html", lang, **_common(request, None, lang, "login"), next=nxt, failed=True, username=username)
        return HTMLResponse(html, status_code=401)
    if who.role == "agent" and nxt in ("/dashboard/", "/dashboard"):
        nxt = "/dashboard/customers"
    resp = RedirectResponse(nxt, status_code=303)
    resp.set_cookie(auth.COOKIE, auth.sign_session(st.settings.secret_key, username), max_age=auth.MAX_AGE_S,
                    httponly=True, samesite="lax", path="/")
    return resp


@router.post("/logout")
def logout() -> Response:
    resp = RedirectResponse("/dashboard/login", status_code=303)
    resp.delete_cookie(auth.COOKIE, path="/")
    return resp


@router.get("/lang/{code}")
def set_language(code: str, request: Request) -> Response:
    if code not in LANGUAGES:
        raise ValidationFailed(f"unknown language {code!r}", errors=[{"field": "language", "value": code, "message": "use en or pl"}])
    resp = RedirectResponse(_safe_next(request.query_params.get("next")), status_code=303)
    resp.set_cookie(auth.LANG_COOKIE, code, max_age=365 * 86400, samesite="lax", path="/")
    return resp


# --- static files ------------------------------------------------------------------------------------------

@router.get("/static/plotly.min.js")
def plotly_js() -> FileResponse:
    return FileResponse(PLOTLY_JS, media_type="application/javascript", headers={"Cache-Control": "public, max-age=86400"})


@router.get("/static/{name}")
def static(name: str) -> FileResponse:
    path = (STATIC / name).resolve()
    if path.parent != STATIC.resolve() or not path.is_file():
        raise NotFound(f"no static file {name!r}")
    return FileResponse(path, headers={"Cache-Control": "no-cache"})


# --- settings actions (admin; form posts carry the session's CSRF token) -----------------------------------

async def _admin_form(request: Request) -> tuple[Principal, Any]:
    who = principal(request, ("admin",))
    form = await request.form()
    raw = getattr(request.state, "session_raw", None)
    if not raw or str(form.get("csrf") or "") != auth.csrf_token(request.app.state.settings.secret_key, raw):
        raise Forbidden("the form has expired; reload the page and try again", errors=[{"field": "csrf", "message": "missing or wrong"}])
    return who, form


@router.post("/settings/keys")
async def settings_create_key(request: Request) -> Response:
    lang = language(request)
    try:
        who, form = await _admin_form(request)
        kind = str(form.get("kind") or "")
        secret = create_key(request.app.state.store, kind, role=str(form.get("role") or "") or None, name=str(form.get("name") or ""))
    except CXJError as exc:
        return _error_page(request, exc, lang, getattr(request.state, "user", None), "settings")
    data = settings.build(query_context(request, who), Filters(), lambda s: gettext(lang, s), {"lang": lang})
    html = render("settings.html", lang, **{**_common(request, who, lang, "settings"), **data, "data": data, "new_secret": secret})
    return HTMLResponse(html)


@router.post("/settings/keys/{key_id}/revoke")
async def settings_revoke_key(key_id: str, request: Request) -> Response:
    try:
        await _admin_form(request)
        revoke_key(request.app.state.store, key_id)
        request.app.state.keys._cache.clear()
    except CXJError as exc:
        return _error_page(request, exc, language(request), getattr(request.state, "user", None), "settings")
    return RedirectResponse("/dashboard/settings", status_code=303)


@router.post("/settings/users")
async def settings_add_user(request: Request) -> Response:
    try:
        _, form = await _admin_form(request)
        add_user(request.app.state.store, str(form.get("username") or ""), str(form.get("role") or ""),
                 str(form.get("password") or ""), str(form.get("language") or "") or None)
        request.app.state.dashboard_users.clear()
    except CXJError as exc:
        return _error_page(request, exc, language(request), getattr(request.state, "user", None), "settings")
    return RedirectResponse("/dashboard/settings", status_code=303)


# --- pages -------------------------------------------------------------------------------------------------

@router.get("/")
def home(request: Request) -> Response:
    user = getattr(request.state, "user", None)
    if user is not None and user.role == "agent" and request.headers.get("authorization") is None:
        return RedirectResponse("/dashboard/customers", status_code=303)
    return _serve(request, "overview", wants_json(request.url.path, request.headers.get("accept", "")), overview.build, {})


@router.get("/report")
@router.get("/report.json")
def report(request: Request) -> Response:
    """The overview as one self-contained HTML file (download), or ``{"ok": true, "html": ...}`` as JSON."""
    from cxjourney.dashboard.report import render_report, report_filename

    who = principal(request, PAGE_ROLES["overview"])
    lang = language(request)
    f = parse_filters(request.query_params)
    ctx = query_context(request, who)
    ctx.extra["cache"] = request.app.state.dashboard_cache
    html = render_report(ctx, f, lang)
    if request.url.path.endswith(".json"):
        return FastJSON({"ok": True, "language": lang, "filters": f.as_params(), "filename": report_filename(lang, f), "html": html})
    return HTMLResponse(html, headers={"Content-Disposition": f'attachment; filename="{report_filename(lang, f)}"'})


@router.get("/customers/{person}")
def customer(person: str, request: Request) -> Response:
    as_json = wants_json(person, request.headers.get("accept", ""))
    return _serve(request, "customers", as_json, customers.build_360, {"person": person.removesuffix(".json")})


@router.get("/{page}")
def page(page: str, request: Request) -> Response:
    as_json = wants_json(page, request.headers.get("accept", ""))
    name = page.removesuffix(".json")
    if name not in BUILDERS:
        raise NotFound(f"no dashboard page {name!r}", errors=[{"field": "page", "value": name, "message": f"pages: {', '.join(NAV)}"}])
    args = {k: request.query_params.getlist(k) for k in ("step", "survey", "q", "metric", "label", "sentiment")}
    return _serve(request, name, as_json, BUILDERS[name], args)
