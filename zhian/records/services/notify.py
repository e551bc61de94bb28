"""In-app notices to officers and supervisors, sent after the transaction commits."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction


def notify_later(users: Iterable[Any], *, title: str, body: str = "", url: str = "") -> None:
    """Queue an in-app notice to each of ``users`` (once each) for after the commit."""
    recipients = {u.pk: u for u in users if u is not None}.values()

    def send() -> None:
        try:
            from zhian.core.notifications import notify
        except ImportError:  # the kernel's inbox is not merged yet
            return
        for user in recipients:
            notify(user, title=title, body=body, url=url)

    transaction.on_commit(send)
