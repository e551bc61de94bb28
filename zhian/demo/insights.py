"""Insights' demo (研判): sixteen weeks of closed incidents at real Toronto offence points,
a stored forecast per scope, near-repeat alerts, yesterday's day-shift patrol plan as its
units drove it (AVL fixes, so the plan's 执行情况 and the 巡防图 have data) and tomorrow's.

Everything is built through the services from in-repo data (``zhian/demo/data/``): the
incident *places* are the demo copy's offence points, drawn in proportion to their counts
inside the demo bureau; their *times* and categories are generated (seeded), since the
demo copy keeps no dates for them.
"""

from __future__ import annotations

import gzip
from datetime import UTC, date, datetime, timedelta

import numpy as np
import pandas as pd
from django.utils import timezone

from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction, User
from zhian.core.scoping import can
from zhian.demo.toronto import POINTS_PATH
from zhian.dispatch.models import Unit
from zhian.dispatch.services.incidents import IncidentInput, do_close_incident, do_create_incident
from zhian.dispatch.services.units import (
    MAX_POSITIONS_PER_REQUEST,
    PositionFix,
    do_record_positions,
)
from zhian.insights.models import PatrolPlan
from zhian.insights.services.alerts import scan_near_repeat
from zhian.insights.services.common import local_midnight
from zhian.insights.services.forecasts import refresh_forecasts
from zhian.insights.services.patrol_report import latest_published_week
from zhian.insights.services.plans import do_make_patrol_plan, tomorrow
from zhian.insights.services.stop_logs import do_log_patrol_stop

HISTORY_INCIDENTS = 400
HISTORY_WEEKS = 16
# category codes and their shares (theft, burglary, assault, robbery, vehicle theft, fights)
CATEGORY_MIX = {"0101": 0.3, "0105": 0.2, "0104": 0.2, "0102": 0.1, "0106": 0.1, "0201": 0.1}
#: Seconds between a demo car's AVL fixes.
FIX_EVERY_S = 30

Fix = tuple[int, float, float]  # epoch second, lon, lat


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
        yesterday = timezone.localdate() - timedelta(days=1)
        # past shifts are planned as they would have been: the evening before
        done = do_make_patrol_plan(
            station, day=yesterday, shift="day", acting_user=analyst, now=_eve(yesterday)
        )
        fixes = _drive_plan(done, dispatcher, rng)
        logged = _log_tactics(done)
        plan = do_make_patrol_plan(station, day=tomorrow(), shift="day", acting_user=analyst)
        # two day shifts of the newest week the public patrol report shows
        monday = latest_published_week()
        for offset in (1, 3):
            day = monday + timedelta(days=offset)
            do_make_patrol_plan(station, day=day, shift="day", acting_user=analyst, now=_eve(day))
        plan_note = (
            f"{station.name}昨日白班巡防计划（{fixes} 个车载定位点，{logged} 个巡逻点登记了措施）"
            f"与明日白班巡防计划 {plan.summary['cells']} 个巡逻点；"
            f"{monday:%m-%d} 当周两个白班计划（巡防公开报告）"
        )
    return f"已创建 {made} 起历史警情、{forecasts} 个风险预测、{alerts} 处近重复预警；{plan_note}"


def _eve(day: date) -> datetime:
    """18:00 the day before ``day``, when its day shift would have been planned."""
    return local_midnight(day) - timedelta(hours=6)


def _track(a: tuple[float, float], b: tuple[float, float], t0: int, t1: int) -> list[Fix]:
    """Fixes every ``FIX_EVERY_S`` from ``a`` at ``t0`` to ``b`` at ``t1`` (a straight line)."""
    n = max(1, (t1 - t0) // FIX_EVERY_S)
    return [
        (t0 + k * (t1 - t0) // n, a[0] + (b[0] - a[0]) * k / n, a[1] + (b[1] - a[1]) * k / n)
        for k in range(n)
    ]


def _drive_plan(plan: PatrolPlan, user: User, rng: np.random.Generator) -> int:
    """Each unit drives its route: to every stop, a stay there through its planned dwell
    (a few metres of jitter), back to base; its third stop is driven past, so the
    execution report shows a missed stop too. The fixes go through dispatch's own service
    (which keeps the 巡防图's aggregate). Returns the number of fixes."""
    total = 0
    for route in plan.routes:
        unit = Unit.objects.get(pk=route["unit"])
        base = (float(route["lon"]), float(route["lat"]))
        here, t = base, int(route["start"])
        points: list[Fix] = []
        for k, v in enumerate(route["visits"]):
            stop = (float(v["lon"]), float(v["lat"]))
            points += _track(here, stop, t, int(v["arrive"]))
            if k == 2:  # driven past
                here, t = stop, int(v["arrive"])
                continue
            for at in range(int(v["arrive"]), int(v["depart"]), FIX_EVERY_S):
                dx, dy = rng.normal(0, 0.0002, 2)
                points.append((at, stop[0] + dx, stop[1] + dy))
            here, t = stop, int(v["depart"])
        points += [*_track(here, base, t, t + 600), (t + 600, *base)]
        fixes = [
            PositionFix(lon=lon, lat=lat, at=datetime.fromtimestamp(at, tz=UTC))
            for at, lon, lat in points
        ]
        for i in range(0, len(fixes), MAX_POSITIONS_PER_REQUEST):
            batch = fixes[i : i + MAX_POSITIONS_PER_REQUEST]
            do_record_positions(unit, batch, acting_user=user)
        total += len(fixes)
    return total


# What the demo crews log at their first two stops (巡逻措施登记): tactics about the place.
DEMO_TACTICS = [
    (["foot_patrol", "premises_check"], "步行巡查沿街商铺，检查门窗与监控是否正常"),
    (["visible_presence", "prevention_advice"], "路口驻点见警，向商户发放防盗提示单"),
]


def _log_tactics(plan: PatrolPlan) -> int:
    """The demo patrol officer logs tactics at each unit's first two stops, at the end of
    the shift (through the service, audited); none when that officer may not log for the
    plan's station. Returns the number of stops logged."""
    officer = User.objects.filter(username="patrol").first()
    if officer is None or not can(officer, "insights.plan.log", plan.jurisdiction):
        return 0
    n = 0
    for route in plan.routes:
        for v, (tactics, note) in zip(route["visits"], DEMO_TACTICS, strict=False):
            do_log_patrol_stop(
                plan,
                unit_id=int(route["unit"]),
                cell=str(v["cell"]),
                tactics=tactics,
                note=note,
                acting_user=officer,
                now=plan.shift_end,
            )
            n += 1
    return n
