"""Request ids for audit events, and the idle-session timeout."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse

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
                logout(request)
                request.session["zhian_idle_logout"] = True
            elif not polling and (last is None or now - int(last) >= self.RESOLUTION_SECONDS):
                request.session[self.KEY] = now
        return self.get_response(request)
