"""One error hierarchy. Domain code raises these; the API turns any of them into the one JSON error shape
``{"ok": false, "error": message, "errors": [details...], "status": http_status}`` and the CLI into a
clear message and a non-zero exit code. Domain code never raises HTTP errors itself."""

from __future__ import annotations

from typing import Any


class CXJError(Exception):
    """Base of every error cxjourney raises on purpose."""

    status: int = 400
    code: str = "error"

    def __init__(self, message: str, *, errors: list[dict[str, Any]] | None = None, status: int | None = None):
        super().__init__(message)
        self.message = message
        self.errors = errors or []
        if status is not None:
            self.status = status

    def to_body(self) -> dict[str, Any]:
        return {"ok": False, "error": self.message, "errors": self.errors, "status": self.status}


class ConfigError(CXJError):
    code = "config"


class ValidationFailed(CXJError):
    """Input that names what is wrong: each item of ``errors`` has at least ``field`` and ``message``
    (and ``file``/``line``/``index``/``value`` where they apply)."""

    status = 400
    code = "validation"


class NotFound(CXJError):
    status = 404
    code = "not_found"


class Unauthorized(CXJError):
    status = 401
    code = "unauthorized"


class Forbidden(CXJError):
    status = 403
    code = "forbidden"


class PayloadTooLarge(CXJError):
    status = 413
    code = "payload_too_large"


class SchemaVersionError(CXJError):
    status = 500
    code = "schema_version"


class WorkspaceLocked(CXJError):
    status = 409
    code = "locked"


class InsufficientData(CXJError):
    status = 422
    code = "insufficient_data"


class ModelFitError(CXJError):
    status = 422
    code = "model_fit"
