"""Insights' demo (研判): sixteen weeks of closed incidents at real Toronto offence points,
a stored forecast per scope, near-repeat alerts and tomorrow's day-shift patrol plan.

Everything is built through the services from in-repo data (``zhian/demo/data/``): the
incident *places* are the demo copy's offence points, drawn in proportion to their counts
inside the demo bureau; their *times* and categories are generated (seeded), since the
demo copy keeps no dates for them.
"""

from __future__ import annotations

import gzip
from datetime import timedelta

import numpy as np
import pandas as pd
from django.utils import timezone

from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction, User
from zhian.demo.toronto import POINTS_PATH
from zhian.dispatch.services.incidents import IncidentInput, do_close_incident, do_create_incident
from zhian.insights.services.alerts import scan_near_repeat
from zhian.insights.services.forecasts import refresh_forecasts
from zhian.insights.services.plans import do_make_patrol_plan, tomorrow

HISTORY_INCIDENTS = 400
HISTORY_WEEKS = 16
# category codes and their shares (theft, burglary, assault, robbery, vehicle theft, fights)
CATEGORY_MIX = {"0101": 0.3, "0105": 0.2, "0104": 0.2, "0102": 0.1, "0106": 0.1, "0201": 0.1}


def _points(bureau: Jurisdiction, rng: np.random.Generator, n: int) -> np.ndarray:
    with gzip.open(POINTS_PATH, "rt", encoding="utf-8") as f:
        df = pd.read_csv(f)
    inside = df[
        df.lon.between(bureau.min_lon, bureau.max_lon)
        & df.lat.between(bureau.min_lat, bureau.max_lat)
    ]
    weight = inside.n.to_numpy(dtype=float)
    pick = rng.choice(len(inside), size=n, p=weight / weight.sum())
    return inside[["lon", "lat"]].to_numpy()[pick]


def create_demo_insights(*, seed: int = 0) -> str:
    """History, forecasts, alerts and a plan; returns a one-line summary."""
    rng = np.random.default_rng(seed)
    bureau = Jurisdiction.objects.get(kind="bureau")
    dispatcher = User.objects.get(username="dispatcher")
    analyst = User.objects.get(username="analyst")
    now = timezone.now()
    codes = list(CATEGORY_MIX)
    cats = rng.choice(codes, size=HISTORY_INCIDENTS, p=list(CATEGORY_MIX.values()))
    ages = np.sort(rng.integers(3600, HISTORY_WEEKS * 7 * 86_400, HISTORY_INCIDENTS))[::-1]
    made = 0
    for (lon, lat), code, age in zip(
        _points(bureau, rng, HISTORY_INCIDENTS), cats, ages, strict=True
    ):
        try:
            incident = do_create_incident(
                IncidentInput(
                    channel="call_110",
                    category_code=str(code),
                    lon=float(lon),
                    lat=float(lat),
                    address=f"演示地址 {lat:.4f}, {lon:.4f}",
                    narrative="演示数据：地点取自多伦多真实记录，时间与类别为生成",
                    received_at=now - timedelta(seconds=int(age)),
                ),
                acting_user=dispatcher,
            ).incident
        except ValidationFailed:  # a point on no station's ground is skipped
            continue
        do_close_incident(
            incident,
            acting_user=dispatcher,
            disposition="resolved",
            note="演示",
            expected_version=incident.version,
        )
        made += 1
    forecasts = refresh_forecasts(now)
    alerts = scan_near_repeat(now)
    station = Jurisdiction.objects.filter(kind="station").order_by("code").first()
    plan_note = "未生成巡防计划"
    if station is not None:
        plan = do_make_patrol_plan(station, day=tomorrow(), shift="day", acting_user=analyst)
        plan_note = f"{station.name}明日白班巡防计划 {plan.summary['cells']} 个巡逻点"
    return f"已创建 {made} 起历史警情、{forecasts} 个风险预测、{alerts} 处近重复预警；{plan_note}"
