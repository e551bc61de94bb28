from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ServicesConfig(AppConfig):
    """便民服务: the citizen portal, complaints about policing and Open311."""

    name = "zhian.services"
    label = "services"
    verbose_name = _("便民服务")

    def ready(self) -> None:
        from zhian.core.extensions import register_incident_action
        from zhian.core.permissions import register_actions
        from zhian.services.extensions import incident_source
        from zhian.services.permissions import ACTIONS

        register_actions(ACTIONS)
        register_incident_action(incident_source)
