"""Inbox notifications, the unread badge and the pluggable external notifier."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from tests.factories import UserFactory
from zhian.core.errors import ValidationFailed
from zhian.core.models import Notification, OutboxMessage
from zhian.core.notifications import (
    Notifier,
    OutboxNotifier,
    inbox_for,
    mark_read,
    mark_sent,
    notify,
    send_external,
    unread_count,
)

pytestmark = pytest.mark.django_db


class RecordingGateway(OutboxNotifier):
    """A bureau's gateway as documented: keep the outbox row, deliver on commit."""

    delivered: list[str] = []

    def send(self, *, channel: str, to_address: str, subject: str, body: str) -> OutboxMessage:
        message = super().send(channel=channel, to_address=to_address, subject=subject, body=body)

        def deliver() -> None:
            type(self).delivered.append(message.to_address)
            mark_sent(message)

        transaction.on_commit(deliver)
        return message


def test_notify_and_mark_read() -> None:
    alice, bob = UserFactory(), UserFactory()
    first = notify(alice, kind="case.assigned", title="新案件分派给您", link="/records/cases/1/")
    second = notify(alice, kind="case.deadline", title="案件即将超期", body="还剩 1 个工作日")
    other = notify(bob, kind="case.assigned", title="别人的")
    assert list(inbox_for(alice)) == [second, first]
    assert unread_count(alice) == 2
    assert mark_read(alice, [first.id, other.id]) == 1  # bob's id is ignored
    assert unread_count(alice) == 1 and unread_count(bob) == 1
    assert mark_read(alice) == 1
    assert unread_count(alice) == 0
    assert Notification.objects.get(pk=other.pk).read_at is None


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"title": ""}, "标题"),
        ({"kind": ""}, "类别"),
        ({"title": "长" * 201}, "标题"),
        ({"link": "https://evil.example/"}, "链接"),
        ({"link": "//evil.example/"}, "链接"),
        ({"link": "/\\evil.example/"}, "链接"),
        ({"link": "javascript:alert(1)"}, "链接"),
    ],
)
def test_notify_validates(kwargs: dict[str, str], fragment: str) -> None:
    base = {"kind": "k", "title": "t"}
    with pytest.raises(ValidationFailed) as caught:
        notify(UserFactory(), **{**base, **kwargs})
    assert caught.value.code == "notify_invalid"
    assert fragment in caught.value.message


def test_default_notifier_writes_outbox_row() -> None:
    message = send_external("13812345678", "", "您的报警已受理，回执号 A123")
    assert message.channel == "sms" and message.sent_at is None
    assert OutboxMessage.objects.get() == message


def test_send_external_validates() -> None:
    with pytest.raises(ValidationFailed):
        send_external("13812345678", "", "x", channel="pigeon")
    with pytest.raises(ValidationFailed):
        send_external("", "", "x")
    with pytest.raises(ValidationFailed):
        send_external("13812345678", "", "")
    assert not OutboxMessage.objects.exists()


def test_gateway_plugged_in_by_setting(
    settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.ZHIAN_NOTIFIER = f"{__name__}.RecordingGateway"
    RecordingGateway.delivered = []
    with django_capture_on_commit_callbacks(execute=True):
        message = send_external("13900001111", "", "测试")
    assert RecordingGateway.delivered == ["13900001111"]
    message.refresh_from_db()
    assert message.sent_at is not None and message.error == ""


def test_notifier_must_be_a_notifier(settings: Any) -> None:
    settings.ZHIAN_NOTIFIER = "builtins.object"
    with pytest.raises(TypeError):
        send_external("13812345678", "", "x")
    assert issubclass(OutboxNotifier, Notifier)


def test_inbox_page_badge_and_mark_read(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    note = notify(user, kind="k", title="请处理调解事项", link="/grid/disputes/3/")
    for i in range(55):
        notify(user, kind="k", title=f"旧消息{i}")
    response = client.get("/inbox/")
    html = response.content.decode()
    assert response.status_code == 200
    assert 'class="badge unread"' in html and ">56<" in html
    assert "旧消息54" in html and "请处理调解事项" not in html  # newest first, 50 per page
    assert "第 1 / 2 页" in html
    page2 = client.get("/inbox/?page=2").content.decode()
    assert "请处理调解事项" in page2

    response = client.post("/inbox/read/", {"id": [str(note.id)], "open": note.link})
    assert response.status_code == 302 and response["Location"] == "/grid/disputes/3/"
    assert unread_count(user) == 55
    response = client.post("/inbox/read/", {"id": ["1"], "open": "https://evil.example/"})
    assert response["Location"] == "/inbox/"
    client.post("/inbox/read/", {"all": "1"})
    assert unread_count(user) == 0
    html = client.get("/inbox/").content.decode()
    assert 'class="badge unread"' not in html
    assert "没有未读消息" in client.get("/inbox/?unread=1").content.decode()


def test_badge_costs_one_query_and_none_when_logged_out(client: Client) -> None:
    user = UserFactory()
    client.force_login(user)
    notify(user, kind="k", title="t")
    with CaptureQueriesContext(connection) as queries:
        client.get("/inbox/?unread=1")
    counts = [q["sql"] for q in queries if "core_notification" in q["sql"] and "COUNT" in q["sql"]]
    # One COUNT for the badge, one for the paginator.
    assert len(counts) == 2
    client.logout()
    assert client.get("/inbox/").status_code == 302
    assert "badge unread" not in client.get("/login/").content.decode()
