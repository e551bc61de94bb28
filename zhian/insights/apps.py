from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InsightsConfig(AppConfig):
    name = "zhian.insights"
    label = "insights"
    verbose_name = _("研判")

    def ready(self) -> None:
        from zhian.core.permissions import register_actions
        from zhian.insights.permissions import ACTIONS

        register_actions(ACTIONS)
        from zhian.core.extensions import register_incident_action

        register_incident_action(link_action)
        # The 警情发案图's per-cell counts change in the transaction of each incident write.
        from zhian.dispatch.hooks import register_incident_count_hook
        from zhian.insights.services.incident_cells import apply_counted_changes

        register_incident_count_hook(apply_counted_changes)
        # A near-repeat alert goes with its incident when it is merged or re-categorised.
        from zhian.insights.services.alerts import withdraw_alerts_of_uncounted

        register_incident_count_hook(withdraw_alerts_of_uncounted)
        # ... and the 巡防图's per-cell seconds in the transaction that stores AVL fixes.
        from zhian.dispatch.hooks import register_position_hooks
        from zhian.insights.services.patrol_cells import (
            apply_recorded_positions,
            prune_patrol_cells,
        )

        register_position_hooks(apply_recorded_positions, prune_patrol_cells)
        # The public portal links the patrol report.
        from zhian.core.extensions import register_portal_link

        register_portal_link(patrol_report_link)


def link_action(user: Any, incident: Any) -> list[Any]:
    """串并分析 on the incident page, for analysts who may link in its jurisdiction."""
    from django.urls import reverse

    from zhian.core.extensions import PageAction
    from zhian.core.scoping import can

    if not can(user, "insights.link", incident.jurisdiction):
        return []
    return [
        PageAction(
            label=str(_("串并分析")),
            url=reverse("insights:incident_links", args=[incident.pk]),
            help=str(_("相似的既往警情及相似理由")),
        )
    ]


def patrol_report_link() -> list[Any]:
    """巡防公开报告 on the public portal's home page."""
    from django.conf import settings
    from django.urls import reverse

    from zhian.core.extensions import PageAction

    return [
        PageAction(
            label=str(_("巡防公开报告")),
            url=reverse("insights_public:patrol_report"),
            help=_("每周各片区的计划巡防时长与警情占比，每周结束 %(days)s 天后公开")
            % {"days": settings.ZHIAN_PATROL_REPORT_DELAY_DAYS},
        )
    ]
