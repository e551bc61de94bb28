"""Dispute risk (纠纷风险等级) by written criteria, each one a shown reason.

=============================================  ======
Criterion                                      Points
=============================================  ======
Threat of violence (flag, or threat words)       3
A weapon mentioned (flag, or weapon words)       3
Repeated calls: ≥ 3 public-order / dispute       1
incidents within 200 m in the last 90 days
… ≥ 6 such incidents                             2
A mediation that ended without agreement         1
=============================================  ======

0 points is low, 1–2 medium, 3 or more high. The place count comes from
:func:`zhian.dispatch.selectors.count_incidents_near`; the radius, period and category
codes are settings (``ZHIAN_GRID_REPEAT_*``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.dispatch.selectors import count_incidents_near
from zhian.grid.choices import MediationOutcome, RiskLevel

THREAT_WORDS = ("杀了你", "弄死", "同归于尽", "报复", "砍死", "放火", "炸了", "威胁")
WEAPON_WORDS = ("刀", "枪", "斧", "棍棒", "铁棍", "汽油", "硫酸", "炸药", "农药")


@dataclass(frozen=True)
class Risk:
    level: str
    points: int
    reasons: list[str]


def _words(text: str, words: tuple[str, ...]) -> list[str]:
    return [w for w in words if w in text]


def assess(
    *,
    text: str,
    threat_of_violence: bool,
    weapon_mentioned: bool,
    lon: float,
    lat: float,
    outcomes: list[str] | None = None,
    now: datetime | None = None,
) -> Risk:
    now = now or timezone.now()
    points, reasons = 0, []
    threats = _words(text, THREAT_WORDS)
    if threat_of_violence or threats:
        points += 3
        said = "、".join(threats)
        reasons.append(_("有暴力威胁（%(words)s）") % {"words": said} if said else _("有暴力威胁"))
    weapons = _words(text, WEAPON_WORDS)
    if weapon_mentioned or weapons:
        points += 3
        said = "、".join(weapons)
        reasons.append(_("提及凶器（%(words)s）") % {"words": said} if said else _("提及凶器"))
    radius = float(settings.ZHIAN_GRID_REPEAT_RADIUS_M)
    days = int(settings.ZHIAN_GRID_REPEAT_DAYS)
    calls = count_incidents_near(
        lon,
        lat,
        radius_m=radius,
        since=now - timedelta(days=days),
        category_prefixes=tuple(settings.ZHIAN_GRID_REPEAT_CATEGORIES),
    )
    if calls >= 3:
        points += 2 if calls >= 6 else 1
        reasons.append(
            _("同一地点 %(days)d 天内 %(radius)d 米范围有 %(n)d 起治安/纠纷警情")
            % {"days": days, "radius": radius, "n": calls}
        )
    if outcomes and MediationOutcome.NO_AGREEMENT in outcomes:
        points += 1
        reasons.append(_("调解未达成协议"))
    level = RiskLevel.HIGH if points >= 3 else RiskLevel.MEDIUM if points else RiskLevel.LOW
    return Risk(level=level, points=points, reasons=reasons)
