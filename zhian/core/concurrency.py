"""Optimistic concurrency: write a row only if nobody changed it since the caller read it."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy

from zhian.core.errors import PreconditionFailed

STALE_MESSAGE = gettext_lazy("该记录已被他人修改，请刷新后重试")


def check_version(
    current: int, expected_version: int, message: str | Promise = STALE_MESSAGE
) -> None:
    """Raise PreconditionFailed (412) when the version read (``current``) is not
    ``expected_version``: a write that turns out to change nothing still answers a stale
    ``If-Match``."""
    if current != expected_version:
        raise PreconditionFailed(str(message), current_version=current)


def update_if_version(
    obj: models.Model, expected_version: int, message: str | Promise = STALE_MESSAGE, **fields: Any
) -> None:
    """Set ``fields`` and move ``version`` on, in one conditional UPDATE; raise
    PreconditionFailed (412) when the stored version is not ``expected_version``.
    The database decides, so two racing writers cannot both win."""
    fields["version"] = expected_version + 1
    if any(f.name == "updated_at" for f in obj._meta.concrete_fields):
        fields["updated_at"] = timezone.now()
    model = type(obj)
    if not model._default_manager.filter(pk=obj.pk, version=expected_version).update(**fields):
        current = model._default_manager.filter(pk=obj.pk).values_list("version", flat=True).first()
        raise PreconditionFailed(str(message), current_version=current)
    for name, value in fields.items():
        setattr(obj, name, value)
