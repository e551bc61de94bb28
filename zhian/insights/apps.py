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
