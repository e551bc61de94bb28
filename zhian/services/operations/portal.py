"""What portal operations share: who is asking (an address, never a staff account), the
audit actor of the portal, and where a point lies."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.selectors import jurisdiction_at
from zhian.services.choices import Channel

# Audit rows written for citizens: actor None (no account) and the channel in the data.
PORTAL_ACTOR = None


@dataclass(frozen=True)
class Citizen:
    """A request from outside: the channel (portal / open311) and the client address,
    used for rate limits only."""

    channel: str = Channel.PORTAL
    ip: str = ""
    open311_client_id: int | None = None

    def audit_data(self, **data: Any) -> dict[str, Any]:
        return {"channel": self.channel, **data}


class _WholeTree:
    """Scope of a public lookup: which jurisdiction a point lies in is public knowledge
    (the bureau publishes its station areas), so the lookup sees the whole tree. It is
    not a user and can do nothing else: only :func:`locate_public` uses it."""

    is_authenticated = True
    is_active = True
    is_superuser = True


def locate_public(lon: float, lat: float) -> Jurisdiction:
    """The deepest jurisdiction holding the point; outside every one is an error."""
    if not (-180 <= lon <= 180 and -90 <= lat <= 90):
        raise ValidationFailed(
            _("坐标超出范围"), code="invalid_location", fields={"lon": _("坐标超出范围")}
        )
    found = jurisdiction_at(_WholeTree(), "jurisdiction.view", lon, lat)
    if found is None:
        raise ValidationFailed(
            _("该地点不在本局辖区内，请拨打当地公安机关电话或 12345"),
            code="outside_area",
            fields={"address": _("不在本局辖区内")},
        )
    return found


def default_bureau() -> Jurisdiction:
    """Where a request without a place is received: the (first) bureau."""
    bureau = Jurisdiction.objects.filter(kind=JurisdictionKind.BUREAU).order_by("code").first()
    if bureau is None:
        raise ValidationFailed(_("系统尚未配置辖区"), code="no_jurisdictions")
    return bureau


def station_of(jurisdiction: Jurisdiction) -> Jurisdiction | None:
    """The 派出所 at or above ``jurisdiction`` (None for the bureau itself)."""
    codes = jurisdiction.ancestor_codes()
    if jurisdiction.kind == JurisdictionKind.STATION:
        return jurisdiction
    return Jurisdiction.objects.filter(code__in=codes, kind=JurisdictionKind.STATION).first()


def stations() -> list[Jurisdiction]:
    return list(
        Jurisdiction.objects.filter(kind=JurisdictionKind.STATION)
        .defer("boundary")
        .order_by("code")
    )
