"""Contact data retention: the phone (and a complainant's name) is kept for
``ZHIAN_CONTACT_RETENTION_DAYS`` after the request is finished, then erased. The request,
its public timeline and survey answers stay: statistics do not need the person."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from zhian.core import audit
from zhian.services.choices import PublicEvent
from zhian.services.models import Complaint, Tracking
from zhian.services.operations.tracking import add_public


@transaction.atomic
def erase_expired_contacts(*, now: datetime | None = None) -> int:
    """Erase contact data of requests finished more than the retention period ago, and of
    unfinished ones older than twice that (abandoned). Returns how many were erased."""
    now = now or timezone.now()
    keep = timedelta(days=settings.ZHIAN_CONTACT_RETENTION_DAYS)
    finished = Q(finished_at__isnull=False, finished_at__lt=now - keep)
    abandoned = Q(finished_at__isnull=True, created_at__lt=now - 2 * keep)
    due = Tracking.objects.filter(Q(contact_erased_at__isnull=True) & (finished | abandoned))
    ids = list(due.values_list("pk", flat=True)[:5000])
    if not ids:
        return 0
    Tracking.objects.filter(pk__in=ids).update(phone="", phone_last4="", contact_erased_at=now)
    Complaint.objects.filter(tracking_id__in=ids).update(complainant_name="")
    for tracking in Tracking.objects.filter(pk__in=ids).only("pk"):
        add_public(tracking, PublicEvent.CONTACT_ERASED, at=now)
    audit.record(
        actor=None,
        action="contact.erase",
        object_type="services.tracking",
        data={"job": "erase_expired_contacts", "count": len(ids)},
    )
    return len(ids)
