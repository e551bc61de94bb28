"""Attachments: content-type by bytes, size limit, checksum on serve, no orphan files."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction

from tests.factories import UserFactory
from zhian.core import attachments
from zhian.core.attachments import (
    DOCX,
    EVIDENCE_TYPES,
    PDF,
    PNG,
    TEXT,
    XLSX,
    attachment_response,
    detect_content_type,
    open_verified,
    store_attachment,
)
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.exports import Sheet, write_xlsx
from zhian.core.models import Attachment

pytestmark = pytest.mark.django_db(transaction=False)

PNG_BYTES = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 100
JPEG_BYTES = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x01" * 100
PDF_BYTES = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def media_root(settings: Any, tmp_path: Path) -> Path:
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def stored_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def upload(name: str, data: bytes, content_type: str = "application/octet-stream") -> Any:
    return SimpleUploadedFile(name, data, content_type=content_type)


def docx_bytes() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(
            "[Content_Types].xml",
            '<Types><Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>',
        )
        archive.writestr("word/document.xml", "<w:document/>")
    return buffer.getvalue()


def test_png_is_stored_with_checksum_and_served(
    media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    user = UserFactory()
    with django_capture_on_commit_callbacks(execute=True):
        att = store_attachment(upload("现场照片.png", PNG_BYTES), acting_user=user)
    assert att.content_type == PNG
    assert att.size == len(PNG_BYTES)
    assert len(att.sha256) == 64
    assert att.original_name == "现场照片.png"
    assert att.uploaded_by == user
    assert att.storage_name.startswith("attachments/") and "现场" not in att.storage_name
    assert len(stored_files(media_root)) == 1

    response = attachment_response(att)
    assert response["Content-Type"] == PNG
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    assert "filename*=utf-8''%E7%8E%B0%E5%9C%BA%E7%85%A7%E7%89%87.png" in disposition
    assert b"".join(response.streaming_content) == PNG_BYTES  # type: ignore[arg-type]


def test_oversize_is_refused_naming_the_limit(media_root: Path) -> None:
    with pytest.raises(ValidationFailed) as caught:
        store_attachment(upload("a.png", PNG_BYTES), acting_user=None, max_bytes=50)
    assert caught.value.code == "attachment_too_large"
    assert caught.value.extra["max_bytes"] == 50
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_default_limit_comes_from_settings(settings: Any) -> None:
    settings.ZHIAN_ATTACHMENT_MAX_BYTES = 10
    with pytest.raises(ValidationFailed) as caught:
        store_attachment(upload("a.png", PNG_BYTES), acting_user=None)
    assert caught.value.code == "attachment_too_large"


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("photo.png", b"<html><script>alert(1)</script></html>"),  # lying extension
        ("photo.jpg", b"MZ\x90\x00" + b"\x00" * 60),  # an executable
        ("scan.png", PDF_BYTES),  # a real PDF, but only images allowed
    ],
)
def test_content_not_allowed_is_refused_whatever_the_name(
    name: str, data: bytes, media_root: Path
) -> None:
    with pytest.raises(ValidationFailed) as caught:
        store_attachment(upload(name, data, "image/png"), acting_user=None)
    assert caught.value.code == "attachment_type"
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


def test_empty_file_refused() -> None:
    with pytest.raises(ValidationFailed) as caught:
        store_attachment(upload("a.png", b""), acting_user=None)
    assert caught.value.code == "attachment_empty"


def test_office_and_pdf_detected_by_content() -> None:
    assert detect_content_type(JPEG_BYTES) == "image/jpeg"
    assert detect_content_type(PDF_BYTES) == PDF
    data = docx_bytes()
    assert detect_content_type(data[:64], io.BytesIO(data)) == DOCX
    xlsx = write_xlsx([Sheet("表", ["列"], [["值"]])])
    assert detect_content_type(xlsx[:64], io.BytesIO(xlsx)) == XLSX
    plain_zip = io.BytesIO()
    with zipfile.ZipFile(plain_zip, "w") as archive:
        archive.writestr("a.txt", "x")
    assert detect_content_type(plain_zip.getvalue()[:64], plain_zip) == ""


def test_docx_accepted_when_documents_allowed(django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        att = store_attachment(
            upload("笔录.docx", docx_bytes()), acting_user=None, allowed=EVIDENCE_TYPES
        )
    assert att.content_type == DOCX


def test_plain_text_only_when_asked() -> None:
    data = "报警记录\n第二行".encode()
    with pytest.raises(ValidationFailed):
        store_attachment(upload("a.txt", data), acting_user=None)
    att = store_attachment(upload("a.txt", data), acting_user=None, allowed={TEXT})
    assert att.content_type == TEXT
    with pytest.raises(ValidationFailed):
        store_attachment(upload("b.txt", b"\x00\x01binary"), acting_user=None, allowed={TEXT})


def test_original_name_is_bounded_and_stripped_of_paths() -> None:
    att = store_attachment(
        upload("x.png", PNG_BYTES), acting_user=None
    )  # SimpleUploadedFile already strips paths; test the helper directly too
    assert att.original_name == "x.png"
    long_name = "..\\..\\etc/" + "长" * 300 + ".png"
    cleaned = attachments._clean_name(long_name)
    assert len(cleaned) == 200 and cleaned.endswith(".png") and "/" not in cleaned
    assert attachments._clean_name("\u202egnp.exe") == "gnp.exe"
    assert attachments._clean_name("") == "attachment"


def test_tampered_file_is_refused_on_serve(
    media_root: Path, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        att = store_attachment(upload("a.png", PNG_BYTES), acting_user=None)
    path = media_root / att.storage_name
    path.write_bytes(PNG_BYTES[:-1] + b"\x01")
    with pytest.raises(Conflict) as caught:
        attachment_response(att)
    assert caught.value.code == "attachment_checksum"
    path.unlink()
    with pytest.raises(NotFound) as missing:
        open_verified(att)
    assert missing.value.code == "attachment_missing"


@pytest.mark.django_db(transaction=True)
def test_rolled_back_transaction_leaves_no_file_and_no_row(media_root: Path) -> None:
    class Boom(Exception):
        pass

    with pytest.raises(Boom), transaction.atomic():
        store_attachment(upload("a.png", PNG_BYTES), acting_user=None)
        raise Boom
    assert not Attachment.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.django_db(transaction=True)
def test_committed_transaction_stores_the_file(media_root: Path) -> None:
    with transaction.atomic():
        att = store_attachment(upload("a.png", PNG_BYTES), acting_user=None)
        assert stored_files(media_root) == []  # not before commit
    assert [p.read_bytes() for p in stored_files(media_root)] == [PNG_BYTES]
    assert default_storage.exists(Attachment.objects.get(pk=att.pk).storage_name)


@pytest.mark.django_db(transaction=True)
def test_failed_storage_write_removes_partial_file(media_root: Path, monkeypatch: Any) -> None:
    """Given the storage fails mid-write (disk full), the partial file is deleted and the
    committed row reports the file missing rather than serving half a file."""
    real_save = default_storage._save  # type: ignore[attr-defined]

    def failing_save(name: str, content: Any) -> str:
        saved = real_save(name, ContentFile(b"partial"))
        raise OSError(f"disk full after {saved}")

    monkeypatch.setattr(default_storage, "_save", failing_save)
    with pytest.raises(OSError), transaction.atomic():
        store_attachment(upload("a.png", PNG_BYTES), acting_user=None)
    monkeypatch.undo()
    assert stored_files(media_root) == []
    with pytest.raises(NotFound):
        open_verified(Attachment.objects.get())
