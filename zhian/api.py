"""The REST API root: ``/api/v1/``, OpenAPI 3 at ``/api/v1/docs``.

Authentication is a bearer token (``Authorization: Bearer zt_…``) or the web session (with
CSRF). Every error is ``application/problem+json`` (RFC 9457) with a stable ``code``.
Every POST honours ``Idempotency-Key`` (:mod:`zhian.core.idempotency`): a retry with the
same key and body replays the first response (header ``Idempotent-Replayed: true``).
"""

from __future__ import annotations

import logging
from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError
from ninja.security import HttpBearer, SessionAuth

from zhian.core.api_support import input_contract, phrase, problem, refuse_nul_characters
from zhian.core.errors import ServiceError
from zhian.core.idempotency import idempotent_posts
from zhian.core.requestcontext import current_request_id
from zhian.core.services.tokens import user_for_token

logger = logging.getLogger("zhian.api")


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


@api.exception_handler(ServiceError)
def _service_error(request: HttpRequest, exc: ServiceError) -> HttpResponse:
    return problem(request, exc.status, exc.code, phrase(exc.status), exc.message, **exc.extra)


@api.exception_handler(NinjaValidationError)
def _validation_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    errors = [
        {"loc": list(e.get("loc", [])), "msg": e.get("msg", ""), "type": e.get("type", "")}
        for e in exc.errors
    ]
    return problem(request, 422, "invalid_request", phrase(422), _("请求参数有误"), errors=errors)


@api.exception_handler(AuthenticationError)
def _auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, 401, "unauthenticated", phrase(401), _("需要登录或有效的 API 令牌"))


@api.exception_handler(Http404)
def _not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return problem(request, 404, "not_found", phrase(404), _("未找到"))


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, "http_error", phrase(exc.status_code), str(exc))


@api.exception_handler(Exception)
def _server_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A crash is still problem+json (with the request id to quote), never an HTML page;
    in DEBUG the traceback page helps the developer instead."""
    from django.conf import settings

    if settings.DEBUG:
        raise exc
    logger.exception("API error on %s %s", request.method, request.path, exc_info=exc)
    return problem(
        request,
        500,
        "server_error",
        phrase(500),
        _("服务器内部错误，请稍后再试或联系管理员"),
        request_id=current_request_id.get(),
    )


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


api.add_decorator(idempotent_posts(_key_owner, _service_error), mode="view")
api.add_decorator(refuse_nul_characters, mode="view")
api.add_decorator(input_contract, mode="view")  # outermost: size, media type, id range
# Each app's router, by import path: the root imports no app module at load time.
API_ROUTERS = [
    "zhian.core.api.router",
    "zhian.dispatch.api.router",
    "zhian.records.api.router",
    "zhian.services.api.router",
    "zhian.grid.api.router",
    "zhian.insights.api.router",
    "zhian.metrics.api.router",
]
for _router in API_ROUTERS:
    api.add_router("/", _router)
