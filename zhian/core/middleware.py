"""Request ids for audit events, the idle-session timeout, and request hygiene (NUL in
URLs, Permissions-Policy)."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

from zhian.core.requestcontext import current_request_id

_SAFE_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class RequestIdMiddleware:
    """Use the caller's ``X-Request-ID`` when it is safe, else make one; echo it back."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("X-Request-ID", "")
        request_id = given if _SAFE_ID.match(given) else uuid.uuid4().hex
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


class IdleSessionMiddleware:
    """Log a session out after ``ZHIAN_SESSION_IDLE_SECONDS`` without a request."""

    KEY = "zhian_last_seen"
    RESOLUTION_SECONDS = 30  # write the session at most this often

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.user.is_authenticated and hasattr(request, "session"):
            now = int(time.time())
            last = request.session.get(self.KEY)
            # Automatic refreshes (the live board's poll) are not activity.
            polling = request.headers.get("X-Zhian-Poll") == "1"
            if last is not None and now - int(last) > settings.ZHIAN_SESSION_IDLE_SECONDS:
                request._zhian_logout_reason = "idle"  # type: ignore[attr-defined]
                logout(request)
                request.session["zhian_idle_logout"] = True
            elif not polling and (last is None or now - int(last) >= self.RESOLUTION_SECONDS):
                request.session[self.KEY] = now
        return self.get_response(request)


class RefuseNulMiddleware:
    """400 for a NUL character in the path or the query string, on every page and endpoint.

    PostgreSQL cannot compare text holding one (a 500 there, a silent miss on SQLite); no
    legitimate URL carries one. The API answers with problem+json, pages with plain text."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The API's own check answers a NUL in its query with a 422 naming the parameter.
        query = "" if request.path.startswith("/api/") else request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "%00" in query or "\x00" in query:
            return _bad_request(request, _("地址不能包含 NUL（0x00）字符"))
        return self.get_response(request)


def _bad_request(request: HttpRequest, detail: str) -> HttpResponse:
    if request.path.startswith("/api/"):
        from zhian.core.api_support import phrase, problem

        return problem(request, 400, "invalid_request", phrase(400), detail)
    return HttpResponse(detail, status=400, content_type="text/plain; charset=utf-8")


class PermissionsPolicyMiddleware:
    """``Permissions-Policy`` on every response (``ZHIAN_PERMISSIONS_POLICY``)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = getattr(settings, "ZHIAN_PERMISSIONS_POLICY", "")
        if policy and "Permissions-Policy" not in response:
            response["Permissions-Policy"] = policy
        return response


class MfaRequiredMiddleware:
    """A signed-in session whose user needs a second factor (``services.mfa.mfa_needed``)
    reaches nothing but the two-factor pages, log-out and static files until it is
    verified: pages redirect there, the API answers 401 ``mfa_required``. Bearer tokens are
    not sessions (a token is issued only from a verified session)."""

    ALLOWED_PREFIXES = ("/account/mfa/", "/logout/", "/static/", "/i18n/", "/healthz")

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(self.ALLOWED_PREFIXES)
            and not request.headers.get("Authorization", "").startswith("Bearer ")
        ):
            from zhian.core.services.mfa import session_is_verified

            if not session_is_verified(request) and self._needed(request, user):
                return _mfa_required(request)
        return self.get_response(request)

    CACHE_KEY = "zhian_mfa_needed"
    CACHE_SECONDS = 300

    def _needed(self, request: HttpRequest, user: Any) -> bool:
        """Whether the user needs a second factor, kept in the session for a few minutes
        (so pages pay no query for it; a role or device added meanwhile counts within
        ``CACHE_SECONDS``, and at once at the next log-on)."""
        from zhian.core.services.mfa import mfa_needed

        now = int(time.time())
        cached = request.session.get(self.CACHE_KEY)
        if cached and cached[1] == user.pk and now - int(cached[2]) < self.CACHE_SECONDS:
            return bool(cached[0])
        needed = mfa_needed(user)
        request.session[self.CACHE_KEY] = [needed, user.pk, now]
        return needed


def _mfa_required(request: HttpRequest) -> HttpResponse:
    from django.shortcuts import redirect
    from django.utils.http import urlencode

    if request.path.startswith("/api/"):
        from zhian.core.api_support import phrase, problem

        return problem(request, 401, "mfa_required", phrase(401), _("请先完成双因素认证"))
    nxt = request.get_full_path() if request.method == "GET" else "/"
    return redirect(f"/account/mfa/verify/?{urlencode({'next': nxt})}")
