"""What 便民服务 adds to other apps' pages (registered from ``apps.py``)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from zhian.core.extensions import PageAction
from zhian.core.scoping import can


def incident_source(user: Any, incident: Any) -> Iterable[PageAction]:
    """On an incident forwarded from an online report: a link back to the report."""
    from zhian.services.models import OnlineReport

    report = (
        OnlineReport.objects.filter(incident=incident)
        .select_related("tracking", "jurisdiction")
        .first()
    )
    if report is None or not can(user, "report.view", report.jurisdiction):
        return []
    return [
        PageAction(
            label=_("来源：网上报警 %(code)s") % {"code": report.tracking.code},
            url=reverse("services:report", args=[report.pk]),
            help=_("群众可凭受理编号查看进度；警情结束后自动办结并发送回访"),
        )
    ]
