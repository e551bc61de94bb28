from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class GridConfig(AppConfig):
    name = "zhian.grid"
    label = "grid"
    verbose_name = _("网格治理")

    def ready(self) -> None:
        from zhian.core.permissions import register_actions
        from zhian.grid.permissions import ACTIONS

        register_actions(ACTIONS)

        from zhian.core.extensions import register_incident_action
        from zhian.grid.incident_actions import incident_actions

        register_incident_action(incident_actions)
