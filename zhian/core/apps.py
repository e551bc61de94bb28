from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "zhian.core"
    label = "core"
    verbose_name = _("核心")

    def ready(self) -> None:
        from django.contrib.auth.signals import user_logged_out
        from django.core import checks

        from zhian.core.checks import separation_of_duties

        checks.register(separation_of_duties, checks.Tags.security, checks.Tags.database)

        # Auditing, not a business effect: one receiver sees every log-out path (the
        # button, the idle timeout, the admin site's own log-out).
        user_logged_out.connect(_audit_logout, dispatch_uid="zhian.core.audit_logout")


def _audit_logout(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    from zhian.core import audit
    from zhian.core.services.accounts import client_ip

    if user is None:
        return
    reason = getattr(request, "_zhian_logout_reason", "user") if request else "user"
    ip = client_ip(request) if request else None
    audit.record(actor=user, action="auth.logout", data={"reason": reason, "ip": ip})
