from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "zhian.dispatch"
    label = "dispatch"
    verbose_name = _("接处警")

    def ready(self) -> None:
        from zhian.core.permissions import register_actions
        from zhian.dispatch.permissions import ACTIONS

        register_actions(ACTIONS)
