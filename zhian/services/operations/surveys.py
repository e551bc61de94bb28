"""回访 satisfaction surveys: a single-use, expiring link sent when a request is finished
(an incident closed, an appointment served, a report finished), and results per station."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.core.scoping import scoped
from zhian.services.choices import Rating
from zhian.services.models import SurveyInvitation, SurveyResponse, Tracking
from zhian.services.operations.notify import send_to_citizen
from zhian.services.operations.portal import Citizen, station_of


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def invite_survey(
    tracking: Tracking, *, station: Jurisdiction, now: datetime | None = None
) -> tuple[SurveyInvitation, str] | None:
    """Create the request's one invitation and send its link; None when there is no phone
    to send it to or it was invited already. Returns the invitation and the token (the
    only time the token exists in clear)."""
    if not tracking.phone:
        return None
    now = now or timezone.now()
    token = secrets.token_urlsafe(24)
    try:
        with transaction.atomic():
            invitation = SurveyInvitation.objects.create(
                digest=_digest(token),
                tracking=tracking,
                subject=tracking.kind,
                station=station_of(station) or station,
                created_at=now,
                expires_at=now + timedelta(days=settings.ZHIAN_SURVEY_VALID_DAYS),
            )
    except IntegrityError:
        return None
    link = settings.ZHIAN_PORTAL_BASE_URL.rstrip("/") + reverse("portal:survey", args=[token])
    send_to_citizen(
        tracking,
        _("满意度回访"),
        _(
            "您的事项（编号 %(code)s）已办结。请用 1 分钟评价我们的工作："
            "%(link)s（%(days)s 天内有效）"
        )
        % {"code": tracking.code, "link": link, "days": settings.ZHIAN_SURVEY_VALID_DAYS},
    )
    return invitation, token


def survey_for_token(token: str, *, now: datetime | None = None) -> SurveyInvitation:
    """An invitation that can still be answered; NotFound / Conflict otherwise."""
    invitation = SurveyInvitation.objects.filter(digest=_digest(token or "")).first()
    if invitation is None:
        raise NotFound(_("回访链接无效"), code="survey_not_found")
    if invitation.used_at is not None:
        raise Conflict(_("该回访已填写，感谢您的评价"), code="survey_used")
    if invitation.expires_at <= (now or timezone.now()):
        raise Conflict(_("该回访链接已过期"), code="survey_expired")
    return invitation


@transaction.atomic
def answer_survey(
    token: str, *, rating: str, reason: str, citizen: Citizen, now: datetime | None = None
) -> SurveyResponse:
    """Record the answer; the link is used up by one conditional UPDATE, so two
    submissions of the same link store one answer."""
    now = now or timezone.now()
    if rating not in Rating.values:
        raise ValidationFailed(_("请选择评价"), code="invalid_rating", fields={"rating": _("必选")})
    if rating == Rating.DISSATISFIED and len(reason.strip()) < 2:
        raise ValidationFailed(
            _("请告诉我们不满意的原因"), code="reason_required", fields={"reason": _("必填")}
        )
    invitation = survey_for_token(token, now=now)
    used = SurveyInvitation.objects.filter(
        pk=invitation.pk, used_at__isnull=True, expires_at__gt=now
    ).update(used_at=now)
    if not used:
        raise Conflict(_("该回访已填写，感谢您的评价"), code="survey_used")
    response = SurveyResponse.objects.create(
        invitation=invitation,
        station_id=invitation.station_id,
        subject=invitation.subject,
        rating=rating,
        reason=reason.strip()[:500],
        answered_at=now,
    )
    audit.record(actor=None, action="survey.answer", obj=response, data=citizen.audit_data())
    return response


@dataclass(frozen=True)
class StationSatisfaction:
    station: Jurisdiction
    satisfied: int
    fairly_satisfied: int
    dissatisfied: int

    @property
    def total(self) -> int:
        return self.satisfied + self.fairly_satisfied + self.dissatisfied

    @property
    def rate(self) -> float | None:
        """满意率: (满意 + 基本满意) / 全部."""
        return (self.satisfied + self.fairly_satisfied) / self.total if self.total else None


def satisfaction_by_station(user: Any, start: date, end: date) -> list[StationSatisfaction]:
    """Answers given in [start, end] (local days) per station in the user's scope."""
    tz = timezone.get_current_timezone()
    lo = datetime.combine(start, datetime.min.time(), tz)
    hi = datetime.combine(end + timedelta(days=1), datetime.min.time(), tz)
    rows = (
        scoped(SurveyResponse.objects.all(), user, "survey.view", field="station")
        .filter(answered_at__gte=lo, answered_at__lt=hi)
        .values("station")
        .annotate(
            s=Count("pk", filter=Q(rating=Rating.SATISFIED)),
            f=Count("pk", filter=Q(rating=Rating.FAIRLY_SATISFIED)),
            d=Count("pk", filter=Q(rating=Rating.DISSATISFIED)),
        )
    )
    by_pk = {r["station"]: r for r in rows}
    stations = Jurisdiction.objects.filter(pk__in=by_pk).defer("boundary").order_by("code")
    return [
        StationSatisfaction(j, by_pk[j.pk]["s"], by_pk[j.pk]["f"], by_pk[j.pk]["d"])
        for j in stations
    ]
