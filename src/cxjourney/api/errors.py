"""The one JSON error shape, for every route: {"ok": false, "error", "errors", "status", "code"}."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from cxjourney.errors import CXJError


class FastJSON(Response):
    """JSON rendered with orjson (fast on the ingest hot path)."""

    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        import orjson

        return orjson.dumps(content, default=str, option=orjson.OPT_SERIALIZE_NUMPY)


def error_body(status: int, message: str, errors: list[dict[str, Any]] | None = None, code: str = "error", **extra: Any) -> dict[str, Any]:
    return {"ok": False, "error": message, "errors": errors or [], "status": status, "code": code, **extra}


def error_response(status: int, message: str, errors: list[dict[str, Any]] | None = None, code: str = "error", headers: dict[str, str] | None = None, **extra: Any) -> FastJSON:
    return FastJSON(error_body(status, message, errors, code, **extra), status_code=status, headers=headers)


ERROR_SCHEMA = {
    "description": "Error (the one error shape)",
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["ok", "error", "errors", "status"],
                "properties": {
                    "ok": {"type": "boolean", "const": False},
                    "error": {"type": "string"},
                    "errors": {"type": "array", "items": {"type": "object"}},
                    "status": {"type": "integer"},
                    "code": {"type": "string"},
                },
            }
        }
    },
}


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    return {c: ERROR_SCHEMA for c in codes}


def install(app: FastAPI) -> None:
    @app.exception_handler(CXJError)
    async def _cxj(request: Request, exc: CXJError) -> FastJSON:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return error_response(exc.status, exc.message, exc.errors, exc.code, headers=headers)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> FastJSON:
        return error_response(exc.status_code, str(exc.detail), [], "http", headers=getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> FastJSON:
        errs = [
            {"field": ".".join(str(p) for p in e["loc"] if p not in ("body", "query", "path")), "message": e["msg"]}
            for e in exc.errors()
        ]
        return error_response(422, "invalid request", errs, "validation")

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> FastJSON:
        import logging

        logging.getLogger("cxjourney").exception("unexpected error on %s", request.url.path)
        return error_response(500, f"internal error: {type(exc).__name__}", [], "internal")
