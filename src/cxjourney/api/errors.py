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


def _document_error_shape(app: FastAPI) -> None:
    """Make the OpenAPI document tell the truth: every 4xx/5xx answer of every route is the one error shape
    (FastAPI would otherwise document its own 422 body, which this app never sends)."""
    base = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is not None:
            return app.openapi_schema
        schema = base()
        for ops in schema.get("paths", {}).values():
            for op in ops.values():
                if not isinstance(op, dict) or "responses" not in op:
                    continue
                for code in list(op["responses"]):
                    if code[:1] in ("4", "5"):
                        op["responses"][code] = ERROR_SCHEMA
                if not any(c[:1] in ("4", "5") for c in op["responses"]):
                    op["responses"]["500"] = ERROR_SCHEMA
        comps = schema.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            comps.pop(name, None)
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]


def install(app: FastAPI) -> None:
    _document_error_shape(app)

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
