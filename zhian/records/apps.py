from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RecordsConfig(AppConfig):
    name = "zhian.records"
    label = "records"
    verbose_name = _("案件")

    def ready(self) -> None:
        from zhian.core.extensions import register_incident_action
        from zhian.core.permissions import register_actions
        from zhian.records.permissions import ACTIONS
        from zhian.records.selectors import open_case_actions

        register_actions(ACTIONS)
        register_incident_action(open_case_actions)
