"""Template helpers for grid pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import gettext as _

register = template.Library()


@register.filter
def attr(attributes: dict[str, Any], key: str) -> Any:
    """A place attribute for display: booleans as 是/否, missing as —."""
    value = attributes.get(key) if isinstance(attributes, dict) else None
    if isinstance(value, bool):
        return _("是") if value else _("否")
    return "—" if value is None else value
