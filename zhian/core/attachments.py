"""Storing and serving attachments (附件) safely.

:func:`store_attachment` streams an upload into a temporary file while computing its size
and SHA-256, refuses it when too large or when its *content* is not an allowed type (the
file name is never trusted), and creates the :class:`Attachment` row. The file reaches
``default_storage`` (under ``attachments/YYYY/MM/<uuid>``) only when the caller's transaction
commits, so a rolled-back transaction leaves no file behind; if the write fails, the
partial file is removed. In tests, wrap the call in
``django_capture_on_commit_callbacks(execute=True)`` to see the stored file.

:func:`attachment_response` re-checks the hash and returns a download response; app views
call it **after their own permission check**. No URL serves attachments publicly.
"""

from __future__ import annotations

import hashlib
import logging
import re
import tempfile
import unicodedata
import uuid
import zipfile
from collections.abc import Iterable, Iterator
from typing import IO, Any

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from django.db import transaction
from django.http import FileResponse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.models.attachments import Attachment

logger = logging.getLogger(__name__)

JPEG = "image/jpeg"
PNG = "image/png"
WEBP = "image/webp"
GIF = "image/gif"
PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
TEXT = "text/plain"

IMAGE_TYPES: frozenset[str] = frozenset({JPEG, PNG, WEBP, GIF})
DOCUMENT_TYPES: frozenset[str] = frozenset({PDF, DOCX, XLSX})
EVIDENCE_TYPES: frozenset[str] = IMAGE_TYPES | DOCUMENT_TYPES

CHUNK = 64 * 1024
ORIGINAL_NAME_MAX = 200
_OFFICE_MAIN = {
    "wordprocessingml.document.main+xml": DOCX,
    "spreadsheetml.sheet.main+xml": XLSX,
}


def _chunks(upload: Any) -> Iterator[bytes]:
    if hasattr(upload, "chunks"):
        yield from upload.chunks(CHUNK)
        return
    while chunk := upload.read(CHUNK):
        yield chunk


def detect_content_type(head: bytes, file: IO[bytes] | None = None) -> str:
    """The type the bytes are, from their magic numbers; ``""`` if unknown. ``file`` (the
    whole content, seekable) lets zip containers be told apart by ``[Content_Types].xml``."""
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head[:6] in (b"GIF87a", b"GIF89a"):
        return GIF
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return WEBP
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"PK\x03\x04") and file is not None:
        try:
            file.seek(0)
            with zipfile.ZipFile(file) as archive:
                info = archive.getinfo("[Content_Types].xml")
                if info.file_size > 1024 * 1024:
                    return ""
                types = archive.read(info).decode("utf-8", "replace")
        except (zipfile.BadZipFile, KeyError, OSError):
            return ""
        for marker, content_type in _OFFICE_MAIN.items():
            if marker in types:
                return content_type
    return ""


def _clean_name(name: str) -> str:
    """The base name without path, control or format characters, at most 200 characters
    (the extension is kept when shortening)."""
    base = re.split(r"[\\/]", name or "")[-1]
    base = "".join(c for c in base if unicodedata.category(c)[0] != "C").strip(" .")
    if len(base) > ORIGINAL_NAME_MAX:
        stem, dot, ext = base.rpartition(".")
        ext = ext[:20] if dot else ""
        base = (stem if dot else base)[: ORIGINAL_NAME_MAX - len(ext) - 1] + (
            "." + ext if ext else ""
        )
    return base or "attachment"


def _is_utf8_text(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return not any(unicodedata.category(c) == "Cc" and c not in "\t\n\r\f" for c in text)


def store_attachment(
    upload: Any,
    *,
    acting_user: Any,
    allowed: Iterable[str] = IMAGE_TYPES,
    max_bytes: int | None = None,
) -> Attachment:
    """Check and store one upload (a Django ``UploadedFile`` or any binary file object with a
    ``name``) and return its row.

    Raises ``ValidationFailed`` with code ``attachment_too_large`` (over ``max_bytes``, default
    ``settings.ZHIAN_ATTACHMENT_MAX_BYTES``), ``attachment_empty`` or ``attachment_type``
    (content not one of ``allowed``; pass ``TEXT`` to accept plain UTF-8 text). Call it inside
    the service's transaction: the file is written to storage on commit.
    """
    limit = settings.ZHIAN_ATTACHMENT_MAX_BYTES if max_bytes is None else max_bytes
    allowed = frozenset(allowed)
    digest = hashlib.sha256()
    size = 0
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (kept open)
    try:
        for chunk in _chunks(upload):
            size += len(chunk)
            if size > limit:
                raise ValidationFailed(
                    _("附件超过大小上限 %(mb).1f MB") % {"mb": limit / (1024 * 1024)},
                    code="attachment_too_large",
                    max_bytes=limit,
                )
            digest.update(chunk)
            spool.write(chunk)
        if size == 0:
            raise ValidationFailed(_("附件是空文件"), code="attachment_empty")
        spool.seek(0)
        head = spool.read(64)
        content_type = detect_content_type(head, spool)
        if not content_type and TEXT in allowed and size <= 1024 * 1024:
            spool.seek(0)
            content_type = TEXT if _is_utf8_text(spool.read()) else ""
        if content_type not in allowed:
            raise ValidationFailed(
                _("不接受此类文件（按内容识别为：%(found)s）；允许：%(allowed)s")
                % {
                    "found": content_type or _("未知类型"),
                    "allowed": "、".join(sorted(allowed)),
                },
                code="attachment_type",
                content_type=content_type,
            )
        now = timezone.now()
        name = f"attachments/{now:%Y/%m}/{uuid.uuid4().hex}"
        attachment = Attachment.objects.create(
            storage_name=name,
            original_name=_clean_name(getattr(upload, "name", "") or ""),
            content_type=content_type,
            size=size,
            sha256=digest.hexdigest(),
            uploaded_by=acting_user,
        )
    except BaseException:
        spool.close()
        raise
    transaction.on_commit(lambda: _write_to_storage(attachment, spool))
    return attachment


def _write_to_storage(attachment: Attachment, spool: IO[bytes]) -> None:
    """Runs on commit: copy the spooled bytes to storage; remove a partial file on failure."""
    try:
        spool.seek(0)
        saved = default_storage.save(attachment.storage_name, File(spool))
        if saved != attachment.storage_name:  # the storage chose another name
            Attachment.objects.filter(pk=attachment.pk).update(storage_name=saved)
            attachment.storage_name = saved
    except Exception:
        # The row is committed; serving it raises attachment_missing. Leave no partial file.
        logger.exception("attachment %s could not be written to storage", attachment.pk)
        if default_storage.exists(attachment.storage_name):
            default_storage.delete(attachment.storage_name)
        raise
    finally:
        spool.close()


def open_verified(attachment: Attachment) -> IO[bytes]:
    """Open the stored file after re-hashing it; the returned file is at offset 0.

    Raises ``NotFound(code="attachment_missing")`` when the file is gone and
    ``Conflict(code="attachment_checksum")`` when its bytes no longer match the recorded
    SHA-256 and size (tampering or corruption).
    """
    try:
        handle = default_storage.open(attachment.storage_name, "rb")
    except FileNotFoundError as exc:
        raise NotFound(_("附件文件已丢失"), code="attachment_missing") from exc
    digest = hashlib.sha256()
    size = 0
    while chunk := handle.read(CHUNK):
        digest.update(chunk)
        size += len(chunk)
    if digest.hexdigest() != attachment.sha256 or size != attachment.size:
        handle.close()
        raise Conflict(
            _("附件“%(name)s”的内容与上传时的校验值不符，已拒绝提供")
            % {"name": attachment.original_name},
            code="attachment_checksum",
        )
    handle.seek(0)
    return handle


def attachment_response(attachment: Attachment, *, inline: bool = False) -> FileResponse:
    """A verified download of the file (``Content-Disposition`` with the original name,
    RFC 6266/5987 encoded; ``nosniff``; ``Cache-Control: private, no-store``). ``inline``
    lets an image or PDF display in the browser. Check permission before calling."""
    response = FileResponse(
        open_verified(attachment),
        as_attachment=not inline,
        filename=attachment.original_name,
        content_type=attachment.content_type,
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    response["Content-Length"] = str(attachment.size)
    return response
