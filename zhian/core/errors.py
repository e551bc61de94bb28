"""Domain errors with stable codes. The API renders them as application/problem+json;
pages show their message. Services raise these, never HTTP exceptions."""

from __future__ import annotations

from typing import Any


class ServiceError(Exception):
    """Base class: ``code`` is stable for clients to branch on, ``message`` is for people."""

    status = 400
    code = "invalid"

    def __init__(self, message: str, *, code: str | None = None, **extra: Any) -> None:
        super().__init__(message)
        self.message = message
        if code:
            self.code = code
        self.extra = extra


class ValidationFailed(ServiceError):
    status = 422
    code = "validation_failed"


class NotFound(ServiceError):
    """Also raised for rows outside the caller's jurisdictions: they do not exist for them."""

    status = 404
    code = "not_found"


class PermissionDenied(ServiceError):
    status = 403
    code = "permission_denied"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class PreconditionFailed(ServiceError):
    """The row changed since the caller read it (optimistic concurrency)."""

    status = 412
    code = "stale_version"


class PreconditionRequired(ServiceError):
    status = 428
    code = "if_match_required"
