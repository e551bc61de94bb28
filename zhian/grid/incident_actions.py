"""What grid adds to dispatch's incident page (registered from ``apps.py`` through
``zhian.core.extensions``, so dispatch never imports grid)."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from zhian.core.extensions import PageAction
from zhian.core.scoping import can
from zhian.grid.services.disputes import DISPUTE_CATEGORY_PREFIX


def incident_actions(user: Any, incident: Any) -> list[PageAction]:
    """Offered on dispatch's incident page: a dispute incident (纠纷类) opens a dispute."""
    if not incident.category.code.startswith(DISPUTE_CATEGORY_PREFIX):
        return []
    existing = getattr(incident, "grid_dispute_opened", None)
    if existing is not None:
        if can(user, "dispute.view", existing.jurisdiction):
            return [
                PageAction(
                    label=_("查看矛盾纠纷 #%(id)d") % {"id": existing.pk},
                    url=reverse("grid:dispute", args=[existing.pk]),
                )
            ]
        return []
    if not can(user, "dispute.manage", incident.jurisdiction):
        return []
    return [
        PageAction(
            label=_("登记为矛盾纠纷"),
            url=reverse("grid:dispute_from_incident", args=[incident.pk]),
            help=_("转入网格矛盾纠纷排查化解，跟进调解与回访"),
        )
    ]
