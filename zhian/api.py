"""The REST API root: ``/api/v1/``, OpenAPI 3 at ``/api/v1/docs``.

Authentication is a bearer token (``Authorization: Bearer zt_…``) or the web session (with
CSRF). Every error is ``application/problem+json`` (RFC 9457) with a stable ``code``.
Every POST honours ``Idempotency-Key`` (:mod:`zhian.core.idempotency`): a retry with the
same key and body replays the first response (header ``Idempotent-Replayed: true``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from zhian.core.errors import ServiceError
from zhian.core.idempotency import idempotent_posts
from zhian.core.services.tokens import user_for_token


class TokenAuth(HttpBearer):
    def authenticate(self, request: HttpRequest, token: str) -> Any:
        # Looked up once per request (the Idempotency-Key check asks before the view does).
        known = request.__dict__.get("_zhian_token")
        if known is not None and known[0] == token:
            user = known[1]
        else:
            user = user_for_token(token)
            request.__dict__["_zhian_token"] = (token, user)
        if user is not None:
            request.user = user
        return user


class ActiveSessionAuth(SessionAuth):
    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


api = NinjaAPI(
    title="Zhian 治安 API",
    version="1",
    description=__doc__,
    urls_namespace="api",
    auth=[TokenAuth(), ActiveSessionAuth()],
)


def _phrase(status: int) -> str:
    """The HTTP reason phrase, the problem's ``title`` (RFC 9457: the same for every
    occurrence of a type); what happened, in the user's language, goes in ``detail``."""
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def problem(
    request: HttpRequest, status: int, code: str, title: str, detail: str = "", **extra: Any
) -> HttpResponse:
    body = {"type": f"urn:zhian:error:{code}", "title": title, "status": status, "code": code}
    if detail:
        body["detail"] = detail
    body.update(extra)
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, default=str),
        status=status,
        content_type="application/problem+json; charset=utf-8",
    )


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return problem(
        request, exc.status, exc.code, _phrase(exc.status), exc.message, **exc.extra
    )


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors
    ]
    return problem(request, 422, "invalid_request", _phrase(422), _("请求参数有误"), errors=errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, "unauthenticated", _phrase(401), _("需要登录或有效的 API 令牌"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "not_found", _phrase(404), _("未找到"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, "http_error", _phrase(exc.status_code), str(exc))


def acting_user(request: HttpRequest) -> Any:
    """The authenticated user of an API request (``request.auth`` set by either scheme)."""
    user = getattr(request, "auth", None) or request.user
    if user is None or isinstance(user, AnonymousUser):
        raise AuthenticationError()
    return user


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def refuse_nul_characters(view: Callable[..., Any]) -> Callable[..., Any]:
    """View decorator: 422 for a NUL character anywhere in the query or the JSON body.
    PostgreSQL cannot store or compare text holding one (SQLite can), so without this the
    same request would be a 500 on one database and accepted on the other."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        suspect = any(_holds_nul(v) for v in request.GET.lists())
        body = request.body
        # JSON spells NUL only as the escape \u0000: parse (a second time) only then.
        if not suspect and (b"\\u0000" in body or b"\x00" in body) and "json" in (
            request.content_type or ""
        ):
            try:
                suspect = _holds_nul(json.loads(request.body))
            except ValueError:
                suspect = False  # not JSON: the view's parser answers
        if suspect:
            return problem(
                request, 422, "invalid_request", _phrase(422), _("文本不能包含 NUL（0x00）字符")
            )
        return view(request, *args, **kwargs)

    return wrapper


def _key_owner(request: HttpRequest) -> Any:
    """The user an ``Idempotency-Key`` belongs to: whoever the API's own schemes accept."""
    for scheme in api.auth if isinstance(api.auth, list | tuple) else ():
        try:
            user = scheme(request)
        except Exception:  # a failed check (bad CSRF, ...) is the view's to report
            return None
        if user is not None:
            return user
    return None


def register_routers() -> None:
    from zhian.core.api import router as core_router
    from zhian.dispatch.api import router as dispatch_router

    api.add_decorator(idempotent_posts(_key_owner, _service_error), mode="view")
    api.add_decorator(refuse_nul_characters, mode="view")
    api.add_router("/", core_router)
    api.add_router("/", dispatch_router)


register_routers()
