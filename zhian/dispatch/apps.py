from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "zhian.dispatch"
    label = "dispatch"
    verbose_name = _("接处警")

    def ready(self) -> None:
        from zhian.core.permissions import register_actions
        from zhian.core.retention import RetentionRule, register_retention_rule
        from zhian.dispatch.permissions import ACTIONS
        from zhian.dispatch.services.retention import erase_callers

        register_actions(ACTIONS)
        register_retention_rule(
            RetentionRule("dispatch.caller", "ZHIAN_RETENTION_CALLER_DAYS", erase_callers)
        )
