"""A deliberately broken build for the crash tests: it answers the client *before* the
request's transaction commits (the whole request in one transaction, the body sent, a
pause, then the commit). The durability checks must fail against it."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from typing import Any

from django.core import signals
from django.db import close_old_connections, transaction

from zhian.wsgi import application as zhian_application

# Django closes a connection found inside a transaction at the start and end of each
# request; this build keeps its request transaction open across them on purpose.
signals.request_started.disconnect(close_old_connections)
signals.request_finished.disconnect(close_old_connections)

PAUSE_S = 0.5


def application(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
    if environ.get("REQUEST_METHOD") != "POST":
        return zhian_application(environ, start_response)
    atomic = transaction.atomic()
    atomic.__enter__()
    result = zhian_application(environ, start_response)
    body = b"".join(result)

    def answer_then_commit() -> Iterator[bytes]:
        yield body  # the client has its answer here
        time.sleep(PAUSE_S)
        atomic.__exit__(None, None, None)
        close = getattr(result, "close", None)
        if close is not None:
            close()

    return answer_then_commit()
