"""Builders for grid rows through the real services."""

from __future__ import annotations

import io
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from PIL import Image

from tests.grid.conftest import IN_S1_1_1
from zhian.grid.models import GridReport
from zhian.grid.services.reports import ReportInput, do_submit_report


def submit(
    user: Any,
    report_type: str = "safety_hazard",
    *,
    at: datetime | None = None,
    point: tuple[float, float] = IN_S1_1_1,
    description: str = "小区消防通道被杂物堵塞",
    address: str = "幸福里 3 号楼",
) -> GridReport:
    return do_submit_report(
        ReportInput(
            report_type=report_type,
            description=description,
            lon=point[0],
            lat=point[1],
            address=address,
        ),
        acting_user=user,
        at=at,
    )


def photo_bytes(colour: str = "orange", size: tuple[int, int] = (64, 48)) -> bytes:
    """A real small JPEG (made with Pillow), as a phone would send after resizing."""
    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="JPEG")
    return buffer.getvalue()


def photo(name: str = "现场.jpg") -> ContentFile[bytes]:
    return ContentFile(photo_bytes(), name=name)
