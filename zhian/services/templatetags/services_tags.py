"""Template helpers of the staff queues: SLA countdowns."""

from __future__ import annotations

from datetime import datetime

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import gettext as _

register = template.Library()


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    if minutes < 120:
        return _("%(n)d 分钟") % {"n": minutes}
    if minutes < 72 * 60:
        return _("%(n)d 小时") % {"n": minutes // 60}
    return _("%(n)d 天") % {"n": minutes // 1440}


@register.simple_tag
def sla(due_at: datetime | None, done: bool = False) -> SafeString:
    """ "剩 5 小时" (amber under a quarter of a day), "超时 2 小时" (red), or "—" when done."""
    if due_at is None or done:
        return format_html('<span class="muted">—</span>')
    left = (due_at - timezone.now()).total_seconds()
    if left < 0:
        return format_html(
            '<span class="sla late" title="{}">{}</span>',
            due_at.isoformat(),
            _("超时 %(t)s") % {"t": _span(left)},
        )
    css = "sla soon" if left < 6 * 3600 else "sla"
    return format_html(
        '<span class="{}" title="{}">{}</span>',
        css,
        due_at.isoformat(),
        _("剩 %(t)s") % {"t": _span(left)},
    )
