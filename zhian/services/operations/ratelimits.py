"""Rate limits of the portal: per address and per phone, counted in fixed windows in a
small table (one upsert per hit), so every worker process counts together."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core.errors import ServiceError
from zhian.services.models import RateCounter


class RateLimited(ServiceError):
    status = 429
    code = "rate_limited"


@dataclass(frozen=True)
class Limit:
    """At most ``count`` hits per ``seconds`` for one key."""

    count: int
    seconds: int


def limits() -> dict[str, Limit]:
    """Configured in settings (``ZHIAN_PORTAL_RATE_LIMITS``): ``{scope: (count, seconds)}``."""
    return {k: Limit(*v) for k, v in settings.ZHIAN_PORTAL_RATE_LIMITS.items()}


def _window(now: datetime, seconds: int) -> datetime:
    epoch = int(now.timestamp())
    return datetime.fromtimestamp(epoch - epoch % seconds, tz=UTC)


def hit(scope: str, key: str, *, now: datetime | None = None) -> int:
    """Count one request of ``key`` under ``scope`` and raise RateLimited past the limit.
    Returns the count in the current window."""
    limit = limits()[scope]
    now = now or timezone.now()
    start = _window(now, limit.seconds)
    table = RateCounter._meta.db_table
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (bucket, window_start, count) VALUES (%s, %s, 1) "
            f"ON CONFLICT (bucket, window_start) DO UPDATE SET count = {table}.count + 1 "
            "RETURNING count",
            [f"{scope}:{key}"[:100], start],
        )
        (count,) = cursor.fetchone()
    if count > limit.count:
        retry = int((start + timedelta(seconds=limit.seconds) - now).total_seconds()) + 1
        raise RateLimited(
            _("提交过于频繁，请 %(minutes)s 分钟后再试") % {"minutes": max(1, retry // 60)},
            retry_after=retry,
        )
    return count


def prune_counters(*, now: datetime | None = None) -> int:
    """Delete windows that ended (run daily)."""
    longest = max((lim.seconds for lim in limits().values()), default=86400)
    cutoff = (now or timezone.now()) - timedelta(seconds=longest)
    deleted, _rows = RateCounter.objects.filter(window_start__lt=cutoff).delete()
    return deleted
