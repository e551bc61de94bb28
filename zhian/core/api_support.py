"""What every app's API module shares: the acting user, ``If-Match`` versions, and
``application/problem+json`` responses (RFC 9457). App routers import from here, never from
the root :mod:`zhian.api`, so the root can register them without an import cycle."""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from http import HTTPStatus
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja.errors import AuthenticationError

from zhian.core.errors import PreconditionRequired, ValidationFailed


def phrase(status: int) -> str:
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


def acting_user(request: HttpRequest) -> Any:
    """The authenticated user of an API request (``request.auth`` set by either scheme)."""
    user = getattr(request, "auth", None) or request.user
    if user is None or isinstance(user, AnonymousUser):
        raise AuthenticationError()
    return user


def _unstorable(text: str) -> bool:
    """NUL or a lone UTF-16 surrogate: text no database column (or UTF-8) can hold."""
    return "\x00" in text or any(0xD800 <= ord(c) <= 0xDFFF for c in text)


def _holds_nul(value: Any) -> bool:
    if isinstance(value, str):
        return _unstorable(value)
    if isinstance(value, dict):
        return any(_holds_nul(k) or _holds_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_holds_nul(v) for v in value)
    return False


def refuse_nul_characters(view: Callable[..., Any]) -> Callable[..., Any]:
    """View decorator: 422 for a NUL character or a lone UTF-16 surrogate anywhere in the
    query or the JSON body. PostgreSQL cannot store or compare text holding one (SQLite
    can), so without this the same request would be a 500 on one database and accepted on
    the other."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        suspect = any(_holds_nul(v) for v in request.GET.lists())
        body = request.body
        # JSON spells NUL and surrogates only as \u escapes: parse (a second time) only then.
        if (
            not suspect
            and (b"\\u" in body or b"\x00" in body)
            and "json" in (request.content_type or "")
        ):
            try:
                suspect = _holds_nul(json.loads(request.body))
            except ValueError:
                suspect = False  # not JSON: the view's parser answers
        if suspect:
            return problem(
                request,
                422,
                "invalid_request",
                phrase(422),
                _("文本不能包含 NUL（0x00）字符或单独的代理字符"),
            )
        return view(request, *args, **kwargs)

    return wrapper


def if_match_version(request: HttpRequest) -> int:
    """The version named by ``If-Match`` (``3`` or ``"3"``); required on every update."""
    raw = request.headers.get("If-Match", "").strip().removeprefix("W/").strip('"')
    if not raw:
        raise PreconditionRequired(_("更新需要 If-Match 头（上次读取到的 version）"))
    if not raw.isdigit():
        raise ValidationFailed(_("If-Match 须为整数版本号"), code="invalid_if_match")
    return int(raw)


# --- The input contract every endpoint gets from the API root (zhian.api registers it).

MAX_PATH_INT = 2**63 - 1
_BODY_LIMITS: dict[str, int] = {}


def body_limit(max_bytes: int) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Raise or lower the request body cap of one endpoint (default
    ``ZHIAN_API_MAX_BODY_BYTES``); keyed by the handler's name, ninja's URL name."""

    def mark(handler: Callable[..., Any]) -> Callable[..., Any]:
        _BODY_LIMITS[handler.__name__] = max_bytes
        return handler

    return mark


def input_contract(view: Callable[..., Any]) -> Callable[..., Any]:
    """View decorator for the whole API, before any handler parses anything:

    - a body over the endpoint's cap is a 413;
    - a body that is not ``application/json`` (or ``+json``) is a 415;
    - an integer path parameter beyond 64 bits is a 404 (no such row can exist; SQLite
      would fail to bind it);
    - a query parameter given twice is a 422 naming it (no parameter of this API is a list,
      and "the last one wins" lets a request say two things at once)."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
        from django.conf import settings

        for name, value in kwargs.items():
            if isinstance(value, int) and not isinstance(value, bool) and value > MAX_PATH_INT:
                return problem(request, 404, "not_found", phrase(404), _("未找到"), param=name)
            if isinstance(value, str) and value.isdigit() and int(value) > MAX_PATH_INT:
                return problem(request, 404, "not_found", phrase(404), _("未找到"), param=name)
        repeated = sorted(k for k, values in request.GET.lists() if len(values) > 1)
        if repeated:
            return problem(
                request,
                422,
                "repeated_parameter",
                phrase(422),
                _("查询参数 %(name)s 只能出现一次") % {"name": repeated[0]},
                param=repeated[0],
            )
        if request.method in {"POST", "PUT", "PATCH"}:
            match = getattr(request, "resolver_match", None)
            name = match.url_name if match is not None else ""
            cap = _BODY_LIMITS.get(name or "", settings.ZHIAN_API_MAX_BODY_BYTES)
            try:
                length = int(request.META.get("CONTENT_LENGTH") or 0)
            except ValueError:
                length = 0
            if max(length, len(request.body)) > cap:
                return problem(
                    request,
                    413,
                    "body_too_large",
                    phrase(413),
                    _("请求体过大（上限 %(n)d 字节）") % {"n": cap},
                    limit=cap,
                )
            kind = (request.content_type or "").lower()
            if request.body and not (kind == "application/json" or kind.endswith("+json")):
                return problem(
                    request,
                    415,
                    "unsupported_media_type",
                    phrase(415),
                    _("请求体须为 application/json"),
                )
        return view(request, *args, **kwargs)

    return wrapper
