"""The KPI demo (考核): 24 months of audited monthly figures for the three indicators no
module records (事故, 涉法涉诉信访, 民警违法违纪), and the bureau's own 1-3-5 arrival-rate
and on-time 吹哨报到 indicators, all through the metrics services.

Figures are scaled from in-repo data only: each station's share of the Toronto offences
(``data/toronto_mci_points.csv.gz``, by the station's H3 cells) sets its size, and a seeded
random generator draws each month's numbers around that size, with a mild downward trend
for the indicators that should fall, so the dashboard shows 同比 and 环比 both ways.
"""

from __future__ import annotations

from datetime import date, timedelta

import h3
import numpy as np
import pandas as pd
from django.utils import timezone

from zhian.core.models import Jurisdiction, JurisdictionKind, User
from zhian.demo.toronto import POINTS_PATH
from zhian.metrics.models import IndicatorDefinition
from zhian.metrics.services.figures import do_enter_monthly_figure
from zhian.metrics.services.indicators import IndicatorInput, do_create_indicator

MONTHS = 24
# Monthly figure per 1,000 Toronto offences (7 years) of a station for the indicators no
# module records (accidents, petitions, misconduct cases); cases, clearance, upheld
# complaints and satisfaction are counted from the records and services demos' rows.
PER_THOUSAND = {
    "accidents": 2.5,
    "petitions": 0.6,
    "misconduct": 0.05,
}

ARRIVAL_RATE = IndicatorInput(
    code="arrival_5min",
    name="5 分钟到场率",
    name_en="Arrival within 5 minutes",
    definition=(
        "有警力到场的警情中，首个警力在接警后 5 分钟内到场的比例（1-3-5 快速反应；"
        "按接警时间计入周期，已合并、已撤销的警情不计）。"
    ),
    kind="rate",
    source="dispatch.incidents",
    params={"arrived_within_minutes": 5},
    denominator_source="dispatch.incidents",
    denominator_params={"arrived_only": True},
    direction="rise",
    order=90,
)

WHISTLE_RATE = IndicatorInput(
    code="whistle_sign_on_time",
    name="吹哨报到按时签收率",
    name_en="Referrals signed for on time",
    definition=(
        "按派单时间计入周期的吹哨报到（报到单）中，部门在签收时限内签收的比例；分母为签收时限"
        "已有结果的报到单（按时签收、超时签收，或截至统计时已超时未签收），仍在时限内未签收的不计。"
    ),
    kind="rate",
    source="grid.referrals",
    params={"met": "sign"},
    denominator_source="grid.referrals",
    denominator_params={"decided": "sign"},
    direction="rise",
    order=95,
)


def station_sizes() -> dict[int, float]:
    """Each station's Toronto offences (sum of ``n`` over points in its cells)."""
    points = pd.read_csv(POINTS_PATH)
    cells = [
        h3.latlng_to_cell(lat, lon, 9) for lat, lon in zip(points.lat, points.lon, strict=True)
    ]
    per_cell = pd.Series(points.n.to_numpy(), index=cells).groupby(level=0).sum()
    sizes: dict[int, float] = {}
    for station in Jurisdiction.objects.filter(kind=JurisdictionKind.STATION).order_by("code"):
        own = station.cells.values_list("cell", flat=True)
        sizes[station.pk] = float(per_cell.reindex(list(own)).fillna(0).sum())
    return sizes


def recent_months(n: int) -> list[date]:
    """The ``n`` complete months before this one, oldest first."""
    first = timezone.localdate().replace(day=1)
    months = []
    for _i in range(n):
        first = (first - timedelta(days=1)).replace(day=1)
        months.append(first)
    return months[::-1]


def create_demo_metrics(*, seed: int = 0) -> str:
    rng = np.random.default_rng(seed)
    analyst = User.objects.get(username="analyst")
    leader = User.objects.get(username="leader")
    bureau = Jurisdiction.objects.get(kind=JurisdictionKind.BUREAU)
    do_create_indicator(ARRIVAL_RATE, bureau=bureau, acting_user=leader)
    do_create_indicator(WHISTLE_RATE, bureau=bureau, acting_user=leader)
    indicators = {i.code: i for i in IndicatorDefinition.objects.filter(source="manual")}
    stations = {s.pk: s for s in Jurisdiction.objects.filter(kind=JurisdictionKind.STATION)}
    months = recent_months(MONTHS)
    entered = 0
    for pk, size in station_sizes().items():
        station = stations[pk]
        for k, month in enumerate(months):
            # Later months a little lower (六降), with a summer peak.
            trend = 1.1 - 0.2 * k / (MONTHS - 1)
            season = 1 + 0.15 * np.sin((month.month - 4) / 12 * 2 * np.pi)
            for code, rate in PER_THOUSAND.items():
                value = int(rng.poisson(size / 1000 * rate * trend * season))
                do_enter_monthly_figure(
                    indicators[code], station, month, value, acting_user=analyst
                )
                entered += 1
    return (
        f"考核：{len(stations)} 个派出所 {MONTHS} 个月的月度填报 {entered} 条，"
        "新增本局指标“5 分钟到场率”“吹哨报到按时签收率”"
    )
