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
        if (
            not suspect
            and (b"\\u0000" in body or b"\x00" in body)
            and "json" in (request.content_type or "")
        ):
            try:
                suspect = _holds_nul(json.loads(request.body))
            except ValueError:
                suspect = False  # not JSON: the view's parser answers
        if suspect:
            return problem(
                request, 422, "invalid_request", phrase(422), _("文本不能包含 NUL（0x00）字符")
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
