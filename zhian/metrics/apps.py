from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MetricsConfig(AppConfig):
    """六降两升 KPIs (考核): indicator definitions, dashboards, ranking and reports."""

    name = "zhian.metrics"
    label = "metrics"
    verbose_name = _("考核指标")

    def ready(self) -> None:
        from zhian.core.permissions import register_actions
        from zhian.metrics.permissions import ACTIONS

        register_actions(ACTIONS)
