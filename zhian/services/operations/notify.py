"""Messages to citizens (reminders, survey links) through core's pluggable external
notifier, after the transaction commits. No SMS gateway is assumed: the default notifier
writes an outbox the staff page shows."""

from __future__ import annotations

from django.db import transaction

from zhian.services.models import Tracking


def send_to_citizen(tracking: Tracking, subject: str, text: str) -> None:
    """Queue ``text`` for the phone on ``tracking`` once the caller's transaction commits;
    nothing is sent when the contact data is already erased."""
    phone = tracking.phone
    if not phone:
        return

    def deliver() -> None:
        from zhian.core import notifications

        notifications.send_external(to_address=phone, subject=subject, body=text)

    transaction.on_commit(deliver)
