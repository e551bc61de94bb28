from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DemoConfig(AppConfig):
    """The demo bureau (演示分局) and every app's demo data; imports any app, none imports it."""

    name = "zhian.demo"
    label = "demo"
    verbose_name = _("演示数据")
