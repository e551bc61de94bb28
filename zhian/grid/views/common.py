"""What every grid page shares: error pages, refused actions, pagination, periods."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.utils import timezone

from zhian.core.errors import NotFound, PermissionDenied, ServiceError
from zhian.core.pages import PAGE_SIZE, AuthenticatedRequest


def error_page(request: AuthenticatedRequest, exc: ServiceError) -> HttpResponse:
    """NotFound (also outside the caller's scope) → 404, PermissionDenied → 403."""
    return render(request, "core/error.html", {"message": exc.message}, status=exc.status)


def attempt(
    request: AuthenticatedRequest,
    action: Callable[[], object],
    *,
    done: str,
    back: str,
) -> HttpResponse:
    """Run a POSTed action: on success the ``done`` message, on a refusal its message (or
    the error page when out of scope or not allowed); back to ``back`` either way."""
    try:
        action()
    except (NotFound, PermissionDenied) as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        fields = exc.extra.get("fields")
        detail = "；".join(str(v) for v in fields.values()) if isinstance(fields, dict) else ""
        messages.error(
            request,
            exc.message if not detail or detail in exc.message else f"{exc.message}（{detail}）",
        )
        return HttpResponseRedirect(back)
    messages.success(request, done)
    return HttpResponseRedirect(back)


def page_of(request: AuthenticatedRequest, qs: Any, size: int = PAGE_SIZE) -> Page[Any]:
    return Paginator(qs, size).get_page(request.GET.get("page"))


def int_or_none(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def period_from(request: AuthenticatedRequest) -> tuple[date, date]:
    """``start``/``end`` (ISO dates) from the query, default the last 30 days."""
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
    except ValueError:
        start = today - timedelta(days=29)
    try:
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        end = today
    if end < start:
        start, end = end, start
    return start, min(end, start + timedelta(days=366))
