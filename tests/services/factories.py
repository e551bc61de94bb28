"""Factories of 便民服务 rows that tests need without going through the portal."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.utils import timezone

from zhian.services.models import BookableService, Slot


def bookable_service(stations: list[Any], code: str = "no-crime-cert") -> BookableService:
    service, _ = BookableService.objects.get_or_create(
        code=code, defaults={"name": "无犯罪记录证明", "description": "请携带身份证原件"}
    )
    service.stations.add(*stations)
    return service


def slot(
    service: BookableService,
    station: Any,
    *,
    capacity: int = 1,
    starts_at: datetime | None = None,
    minutes: int = 30,
) -> Slot:
    """A future slot (tomorrow 09:00 local unless given)."""
    if starts_at is None:
        tomorrow = timezone.localdate() + timedelta(days=1)
        starts_at = timezone.make_aware(
            datetime.combine(tomorrow, datetime.min.time())
        ) + timedelta(hours=9)
    return Slot.objects.create(
        service=service,
        station=station,
        day=timezone.localtime(starts_at).date(),
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=minutes),
        capacity=capacity,
    )
