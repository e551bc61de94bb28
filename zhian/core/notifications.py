"""Notifications: the in-app inbox (站内消息) and external messages (短信等) via a pluggable
notifier.

* :func:`notify` writes one inbox row in the caller's transaction (it commits or rolls back
  with the business change, so no ``on_commit`` is needed); :func:`mark_read` and
  :func:`unread_count` serve the inbox page and the top-bar badge.
* :func:`send_external` hands a message to the class named by ``settings.ZHIAN_NOTIFIER``.
  The default :class:`OutboxNotifier` only records it in :class:`OutboxMessage` (no SMS
  gateway is assumed). A bureau plugs in its gateway by subclassing and overriding
  :meth:`Notifier.send`, typically calling ``super().send(...)`` to keep the outbox row and
  delivering in ``transaction.on_commit``, then :func:`mark_sent`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from zhian.core.errors import ValidationFailed
from zhian.core.models.notifications import Notification, OutboxChannel, OutboxMessage


def _bounded(value: str, limit: int, label: str, *, required: bool = False) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("%(label)s不能为空") % {"label": label}, code="notify_invalid")
    if len(text) > limit:
        raise ValidationFailed(
            _("%(label)s不能超过 %(n)d 个字符") % {"label": label, "n": limit},
            code="notify_invalid",
        )
    return text


def notify(user: Any, *, kind: str, title: str, body: str = "", link: str = "") -> Notification:
    """Put a message in ``user``'s inbox. ``kind`` is a short stable code such as
    ``"case.assigned"``; ``link`` a site-relative URL (``/records/cases/12/``), never an
    external one. Personal data does not belong in title or body: link to the page instead.
    """
    if link and not (
        link.startswith("/") and url_has_allowed_host_and_scheme(link, allowed_hosts=None)
    ):
        raise ValidationFailed(_("消息链接必须是本站地址"), code="notify_invalid")
    return Notification.objects.create(
        recipient=user,
        kind=_bounded(kind, 40, _("类别"), required=True),
        title=_bounded(title, 200, _("标题"), required=True),
        body=_bounded(body, 2000, _("内容")),
        link=_bounded(link, 500, _("链接")),
    )


def inbox_for(user: Any) -> QuerySet[Notification]:
    """The user's notifications, newest first."""
    return Notification.objects.filter(recipient=user).order_by("-created_at", "-id")


def unread_count(user: Any) -> int:
    """Unread notifications of ``user`` (one COUNT on a partial index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def mark_read(user: Any, ids: Iterable[int] | None = None) -> int:
    """Mark the user's unread notifications with these ids (all of them when ``ids`` is
    None) as read; ids of other users' notifications are ignored. Returns how many changed."""
    rows = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(id__in=list(ids))
    return rows.update(read_at=timezone.now())


class Notifier:
    """Delivers an external message. Subclass and override :meth:`send`."""

    def send(self, *, channel: str, to_address: str, subject: str, body: str) -> OutboxMessage:
        raise NotImplementedError


class OutboxNotifier(Notifier):
    """The default: records the message in the outbox table; nothing leaves the system."""

    def send(self, *, channel: str, to_address: str, subject: str, body: str) -> OutboxMessage:
        return OutboxMessage.objects.create(
            channel=channel, to_address=to_address, subject=subject, body=body
        )


def get_notifier() -> Notifier:
    """An instance of the class named by ``settings.ZHIAN_NOTIFIER``."""
    notifier = import_string(settings.ZHIAN_NOTIFIER)()
    if not isinstance(notifier, Notifier):
        raise TypeError(f"ZHIAN_NOTIFIER={settings.ZHIAN_NOTIFIER} is not a Notifier subclass")
    return notifier


def send_external(
    to_address: str, subject: str, body: str, channel: str = OutboxChannel.SMS
) -> OutboxMessage:
    """Validate and hand one external message to the configured notifier (see module doc).
    Raises ``ValidationFailed(code="notify_invalid")`` for an unknown channel or empty or
    over-long fields."""
    if channel not in OutboxChannel.values:
        raise ValidationFailed(
            _("未知的消息渠道：%(channel)s") % {"channel": channel}, code="notify_invalid"
        )
    return get_notifier().send(
        channel=channel,
        to_address=_bounded(to_address, 200, _("收件地址"), required=True),
        subject=_bounded(subject, 200, _("主题")),
        body=_bounded(body, 2000, _("内容"), required=True),
    )


def mark_sent(message: OutboxMessage, *, error: str = "") -> None:
    """For gateway notifiers: record the delivery outcome (``error`` empty on success)."""
    with transaction.atomic():
        OutboxMessage.objects.filter(pk=message.pk).update(
            sent_at=None if error else timezone.now(), error=error[:500]
        )
