"""Settings (admin only): write keys and tokens, users and roles, and the journey and survey files with
their validation status (read-only: files are code, edited in the repository)."""

from __future__ import annotations

from typing import Any

from cxjourney.dashboard.data import clean
from cxjourney.dashboard.filters import Filters
from cxjourney.query.registry import QueryContext
from cxjourney.security.keys import ROLES, list_keys


def _files(ctx: QueryContext) -> dict[str, Any]:
    ws = ctx.workspace
    if ws is None:
        return {"journeys": [], "surveys": [], "problems": []}
    journeys, problems = ws.check_journeys()
    files = []
    for p in sorted([*ws.journeys_dir.glob("*.yaml"), *ws.journeys_dir.glob("*.yml")]) if ws.journeys_dir.exists() else []:
        mine = [e for e in problems if str(e.get("file", "")).endswith(p.name)]
        j = next((j for j in journeys if j.source_file and str(j.source_file).endswith(p.name)), None)
        files.append({"file": p.name, "valid": not mine, "journey": j.id if j else None, "version": j.version if j else None,
                      "problems": mine, "text": p.read_text(encoding="utf-8", errors="replace")[:20000]})
    surveys = []
    for p in sorted([*ws.surveys_dir.glob("*.yaml"), *ws.surveys_dir.glob("*.yml")]) if ws.surveys_dir.exists() else []:
        surveys.append({"file": p.name, "text": p.read_text(encoding="utf-8", errors="replace")[:20000], **_survey_status(p)})
    return {"journeys": files, "surveys": surveys}


def _survey_status(path: Any) -> dict[str, Any]:
    """Validation by the surveys package when it is installed; otherwise the YAML is only parsed."""
    try:
        from cxjourney.surveys import check_survey  # type: ignore[attr-defined]
    except ImportError:
        check_survey = None  # type: ignore[assignment]
    if check_survey is not None:
        try:
            _, problems = check_survey(path)
            return {"valid": not problems, "problems": problems, "checked": True}
        except Exception as exc:  # noqa: BLE001 - shown to the admin as the file's problem
            return {"valid": False, "problems": [{"message": str(exc)}], "checked": True}
    from cxjourney.errors import ValidationFailed
    from cxjourney.schema.yamlfile import load_yaml

    try:
        load_yaml(path)
        return {"valid": True, "problems": [], "checked": False}
    except ValidationFailed as exc:
        return {"valid": False, "problems": exc.errors or [{"message": exc.message}], "checked": False}


def build(ctx: QueryContext, f: Filters, t: Any, args: dict[str, Any]) -> dict[str, Any]:
    with ctx.store.lock:
        users = ctx.store.table("users")
        user_rows = users.select("username", "role", "language", "created_at").order_by("username").execute()
        keys = list_keys(ctx.store)
    return {"page": "settings", "keys": keys, "users": [clean(r) for r in user_rows.to_dict(orient="records")],
            "roles": list(ROLES), **_files(ctx)}
