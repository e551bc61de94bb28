"""What every app's pages share: the request type, paging, and one way to turn a
:class:`~zhian.core.errors.ServiceError` into what the user sees.

- Out of scope or not allowed (``NotFound``, ``PermissionDenied``) anywhere in a view: the
  error page with 404/403 (:func:`service_errors`, a view decorator).
- A refused action behind a plain button: its message on the page the user came back to
  (:func:`run_action`).
- A refused form: the message next to the field it names, else at the top of the form, and
  the status to render the form with (:func:`submit_form`).

So a view is: parse, call one service or selector, render.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, Protocol, TypeVar

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from zhian.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from zhian.core.models.accounts import User

PAGE_SIZE = 50
T = TypeVar("T")
V = TypeVar("V", bound=Callable[..., HttpResponse])


class AuthenticatedRequest(HttpRequest):
    """What ``login_required`` guarantees: a staff user, not AnonymousUser."""

    user: User


def paginate(request: HttpRequest, rows: QuerySet[Any] | list[Any]) -> Page:
    """The ``?page=`` page of ``rows``, :data:`PAGE_SIZE` a page (out of range: the last)."""
    return Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))


def error_page(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return render(request, "core/error.html", {"message": exc.message}, status=exc.status)


def forbidden(request: HttpRequest, message: str) -> HttpResponse:
    return error_page(request, PermissionDenied(message))


def posted(
    request: HttpRequest, form_class: type[forms.Form], invalid: str
) -> dict[str, Any] | None:
    """A button form's cleaned data, or None with ``invalid`` as the page's error message."""
    form = form_class(request.POST)
    if form.is_valid():
        return form.cleaned_data
    messages.error(request, invalid)
    return None


def service_errors(view: V) -> V:
    """View decorator: a row outside the user's scope (404) or an action their role may not
    take (403), raised by any selector or service the view calls, becomes the error page."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except (NotFound, PermissionDenied) as exc:
            return error_page(request, exc)

    return wrapper  # type: ignore[return-value]


def run_action(
    request: HttpRequest,
    call: Callable[[], T],
    *,
    done: str | Callable[[T], str],
    back: HttpResponse,
    back_on_error: HttpResponse | None = None,
) -> HttpResponse:
    """Run a button's service call and go ``back`` with the ``done`` message; when it is
    refused (a state conflict, a stale version, a bad value), go ``back_on_error`` (default
    ``back``) with the refusal's message. Access errors pass through to
    :func:`service_errors`."""
    try:
        result = call()
    except (NotFound, PermissionDenied):
        raise
    except ServiceError as exc:
        messages.error(request, exc.message)
        return back_on_error or back
    messages.success(request, done(result) if callable(done) else done)
    return back


class ServiceForm(Protocol):
    fields: dict[str, Any]

    def add_error(self, field: str | None, error: Any) -> None: ...


def add_service_error(form: ServiceForm, exc: ServiceError) -> None:
    """Put a refusal on the form: each of ``exc.extra["fields"]`` next to its field, the
    message at the top when no field (or a field the form lacks) is named."""
    named = exc.extra.get("fields") or {} if isinstance(exc, ValidationFailed) else {}
    placed = False
    for name, message in named.items():
        if name in form.fields:
            form.add_error(name, str(message))
            placed = True
    if not placed or any(name not in form.fields for name in named):
        form.add_error(None, exc.message)


def submit_form(form: ServiceForm, call: Callable[[], T]) -> tuple[int, T | None]:
    """Run a valid form's service call: ``(200, result)``, or ``(status, None)`` with the
    refusal put on the form. Access errors pass through to :func:`service_errors`."""
    try:
        return 200, call()
    except (NotFound, PermissionDenied):
        raise
    except ServiceError as exc:
        add_service_error(form, exc)
        return exc.status, None


def page(view: V) -> V:
    """A staff page: logged in, never cached, scope and role refusals as error pages."""
    return login_required(never_cache(service_errors(view)))


def action(view: V) -> V:
    """A staff form or button target: like :func:`page`, and POST only."""
    return page(require_POST(view))
