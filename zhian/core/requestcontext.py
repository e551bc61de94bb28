"""The current request's id, so audit events can name the request that caused them."""

from __future__ import annotations

from contextvars import ContextVar

current_request_id: ContextVar[str] = ContextVar("zhian_request_id", default="")
