"""In-app notices (core's inbox) to officers and supervisors, sent after the commit."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.urls import reverse

from zhian.core.notifications import notify


def notify_later(
    users: Iterable[Any], *, kind: str, title: str, body: str = "", case: Any = None
) -> None:
    """Queue a notice to each of ``users`` (once each, None skipped) for after the commit;
    it links to the case page. No personal data goes into title or body."""
    recipients = list({u.pk: u for u in users if u is not None}.values())
    link = reverse("records:case", args=[case.pk]) if case is not None else ""

    def send() -> None:
        for user in recipients:
            notify(user, kind=kind, title=title[:200], body=body[:2000], link=link)

    transaction.on_commit(send)
