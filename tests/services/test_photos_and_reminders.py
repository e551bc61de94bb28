"""Photos on reports (type by content, size limit, nothing stored on refusal) and
messages to citizens through core's notifier outbox (reminders, survey links)."""

from __future__ import annotations

import struct
import zlib
from datetime import timedelta
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.utils import timezone

from tests.services.factories import bookable_service, slot
from zhian.core.models.attachments import Attachment
from zhian.core.models.notifications import OutboxMessage
from zhian.services.models import OnlineReport, ReportPhoto
from zhian.services.operations.appointments import book_appointment, send_reminders
from zhian.services.operations.reports import ReportInput, do_finish_report, submit_report

pytestmark = pytest.mark.django_db


def png(width: int = 2, height: int = 2) -> bytes:
    """A real, minimal RGB PNG."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (
            struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
        )

    rows = b"".join(b"\x00" + b"\x80\x20\x20" * width for _ in range(height))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(rows))
        + chunk(b"IEND", b"")
    )


FORM = {
    "category": "minor_damage",
    "description": "停在路边的电动车被人划伤",
    "address": "测试路 3 号",
    "phone": "13800138000",
}


def test_a_photo_is_stored_by_content_type(
    tree: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = Client().post(
            "/s/report/", {**FORM, "photos": SimpleUploadedFile("scratch.jpg", png(), "image/jpeg")}
        )
    assert response.status_code == 201
    photo = ReportPhoto.objects.get()
    assert photo.attachment.content_type == "image/png" and photo.attachment.uploaded_by is None


@pytest.mark.parametrize(
    ("upload", "words"),
    [
        (
            SimpleUploadedFile("photo.png", b"<html>not an image</html>", "image/png"),
            "不接受此类文件",
        ),
        (SimpleUploadedFile("big.png", png() + b"\x00" * 2048, "image/png"), "大小上限"),
    ],
)
def test_a_wrong_or_large_photo_is_refused_and_nothing_is_stored(
    tree: dict[str, Any], settings: Any, upload: Any, words: str
) -> None:
    settings.ZHIAN_REPORT_PHOTO_MAX_BYTES = 1024
    response = Client().post("/s/report/", {**FORM, "photos": upload})
    assert response.status_code == 422
    assert words in response.content.decode()
    assert not OnlineReport.objects.exists() and not Attachment.objects.exists()


def test_more_than_three_photos_are_refused(tree: dict[str, Any]) -> None:
    photos = [SimpleUploadedFile(f"{n}.png", png(), "image/png") for n in range(4)]
    response = Client().post("/s/report/", {**FORM, "photos": photos})
    assert response.status_code == 422 and not OnlineReport.objects.exists()


def test_the_reminder_goes_out_once_the_day_before(
    tree: dict[str, Any], citizen: Any, django_capture_on_commit_callbacks: Any
) -> None:
    place = slot(bookable_service([tree["S1"]]), tree["S1"], capacity=2)
    appointment = book_appointment(slot_id=place.pk, phone="13900000001", citizen=citizen)
    today = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        assert send_reminders(now=today - timedelta(days=1)) == 0  # two days before: not yet
        assert send_reminders(now=today) == 1
        assert send_reminders(now=today) == 0  # once
    (message,) = OutboxMessage.objects.all()
    assert message.to_address == "13900000001" and message.channel == "sms"
    assert appointment.tracking.code in message.body and "无犯罪记录证明" in message.body


def test_a_finished_report_sends_its_survey_link(
    tree: dict[str, Any],
    people: dict[str, Any],
    citizen: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    report = submit_report(
        ReportInput(
            category="tip", description="有人在小区内兜售假烟", phone="13700137000", address="小区"
        ),
        citizen=citizen,
    )
    with django_capture_on_commit_callbacks(execute=True):
        do_finish_report(
            report,
            acting_user=people["bureau_supervisor"],  # no place given: the bureau's queue
            expected_version=1,
            public_note="已移交市场监管部门",
        )
    (message,) = OutboxMessage.objects.all()
    link = message.body.split("：", 1)[1].split("（", 1)[0]
    path = link.removeprefix("http://127.0.0.1:8000")
    assert path.startswith("/s/survey/")
    assert Client().post(path, {"rating": "fairly_satisfied"}).status_code == 200
    assert Client().post(path, {"rating": "satisfied"}).status_code == 409
