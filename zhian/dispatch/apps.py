from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DispatchConfig(AppConfig):
    name = "zhian.dispatch"
    label = "dispatch"
    verbose_name = _("接处警")
