"""Demo rows for grid governance (网格治理): departments and routing rules, key places,
inspection plans, tasks and hazards, a sweep, reports part-way through 吹哨报到, and a few
disputes, all made through the grid services so every grid page has content on first run.

The places come from ``data/grid_places.json`` (committed, 30 rows), extracted once from
the Toronto MCI records by :func:`extract_places` (run it in ``manage.py shell`` and
write the list as JSON): the most
frequent locations of the premises types that fit (Educational → 学校, Commercial → 商铺,
娱乐场所, 旅馆, 网吧, Apartment → 出租房屋, Other → 医院, 危险物品场所, 其他). Which commercial
point becomes which kind of business is assigned by this module, not by the data. So the
demo runs from a clone without the shared data."""

from __future__ import annotations

import io
import json
import random
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone
from PIL import Image

from zhian.core.errors import ServiceError
from zhian.core.models import Jurisdiction, User
from zhian.core.selectors import jurisdiction_at

PLACES_FILE = Path(__file__).resolve().parent / "data" / "grid_places.json"

# premises type → [(place type, how many), ...]
FIT = {
    "Educational": [("school", 8)],
    "Commercial": [("shop", 5), ("entertainment", 3), ("hotel", 3), ("internet_cafe", 2)],
    "Apartment": [("rental_housing", 5)],
    "Other": [("hospital", 2), ("hazmat_site", 1), ("other", 1)],
}
NAME = {
    "school": "{hood}第{n}小学",
    "shop": "{hood}便利店",
    "entertainment": "{hood}KTV",
    "hotel": "{hood}快捷酒店",
    "internet_cafe": "{hood}网咖",
    "rental_housing": "{hood}出租公寓",
    "hospital": "{hood}社区医院",
    "hazmat_site": "{hood}加油站",
    "other": "{hood}停车场",
}


#: The demo bureau's first sector lies here; its places come first so that the demo's
#: grid worker, community officer and patrol officer have their own ledgers.
LOCAL_NEIGHBOURHOOD = "Bedford Park-Nortown"
LOCAL_FIT = {
    "Educational": [("school", 2)],
    "Commercial": [("shop", 1), ("hotel", 1), ("internet_cafe", 1), ("entertainment", 1)],
    "Apartment": [("rental_housing", 2)],
}


def extract_places() -> list[dict[str, Any]]:
    """The most frequent locations of each fitting premises type in the Toronto records
    (read through ``zhian.analytics.datasets``), one place per location: first in
    :data:`LOCAL_NEIGHBOURHOOD`, then city-wide."""
    from zhian.analytics.datasets import toronto_mci_path
    from zhian.analytics.events import load_events

    events = load_events(toronto_mci_path())
    premises, hoods = events.extra["premises_type"], events.extra["neighbourhood"]
    out: list[dict[str, Any]] = []
    used: set[tuple[float, float]] = set()
    local = hoods == next((h for h in set(hoods) if h.startswith(LOCAL_NEIGHBOURHOOD)), "")
    for premise, kinds, within in [(p, k, local) for p, k in LOCAL_FIT.items()] + [
        (p, k, True) for p, k in FIT.items()
    ]:
        mask = (premises == premise) & within
        counts = Counter(
            (round(float(lon), 4), round(float(lat), 4), str(h))
            for lon, lat, h in zip(events.lon[mask], events.lat[mask], hoods[mask], strict=True)
        )
        wanted = [k for k, n in kinds for _ in range(n)]
        for (lon, lat, hood), n in counts.most_common():
            if not wanted:
                break
            if (lon, lat) in used:
                continue
            used.add((lon, lat))
            hood = hood.split(" (")[0]
            out.append(
                {
                    "premises": premise,
                    "type": wanted.pop(0),
                    "lon": lon,
                    "lat": lat,
                    "neighbourhood": hood,
                    "records": n,
                }
            )
    return out


def _attributes(kind: str, rng: random.Random) -> dict[str, Any]:
    makers: dict[str, Any] = {
        "school": lambda: {
            "students": rng.choice([320, 680, 1200, 1850]),
            "boarding": rng.random() < 0.25,
        },
        "hospital": lambda: {"beds": rng.choice([60, 240]), "emergency": True},
        "hotel": lambda: {"rooms": rng.choice([36, 88, 140])},
        "rental_housing": lambda: {"units": rng.randint(8, 40), "tenants": rng.randint(12, 90)},
        "entertainment": lambda: {
            "capacity": rng.choice([120, 260]),
            "late_night": rng.random() < 0.5,
        },
        "internet_cafe": lambda: {"seats": rng.choice([60, 150])},
        "hazmat_site": lambda: {"hazard_class": "flammable", "stored_tonnes": 60.0},
        "shop": lambda: {"floor_area_m2": float(rng.randint(40, 400))},
        "other": lambda: {},
    }
    made: dict[str, Any] = makers[kind]()
    return made


def _jpeg(colour: str) -> Any:
    from django.core.files.base import ContentFile

    buffer = io.BytesIO()
    Image.new("RGB", (640, 480), colour).save(buffer, format="JPEG", quality=70)
    return ContentFile(buffer.getvalue(), name="demo.jpg")


def _home(user: User) -> Jurisdiction:
    """Where the demo user holds their (single) role."""
    return user.role_assignments.select_related("jurisdiction").get().jurisdiction


def _user(name: str) -> User:
    return User.objects.get(username=name)


def _points_in(
    grid: Jurisdiction, user: Any, n: int, rng: random.Random
) -> list[tuple[float, float]]:
    """``n`` points the user may report at inside ``grid``."""
    out: list[tuple[float, float]] = []
    for _ in range(n * 40):
        lon = rng.uniform(grid.min_lon, grid.max_lon)
        lat = rng.uniform(grid.min_lat, grid.max_lat)
        found = jurisdiction_at(user, "gridreport.create", lon, lat)
        if found is not None and found.pk == grid.pk:
            out.append((lon, lat))
            if len(out) == n:
                break
    return out


@transaction.atomic
def create_demo_grid() -> str:
    from zhian.grid.services import departments as dept_services
    from zhian.grid.services import disputes as dispute_services
    from zhian.grid.services import places as place_services
    from zhian.grid.services import reports as report_services
    from zhian.grid.services.sla import scan_overdue

    rng = random.Random(2026)
    bureau = Jurisdiction.objects.filter(kind="bureau").order_by("path").first()
    if bureau is None:
        return "网格：没有辖区，跳过"
    admin = User.objects.filter(is_superuser=True).order_by("pk").first()
    leader, worker, liaison = _user("leader"), _user("gridworker"), _user("liaison")
    community = _user("community")

    # --- Departments, liaisons, routing rules.
    specs = [
        ("GA", "派出所综合指挥室", "police", 2, 3),
        ("CG", "城管执法中队", "urban_management", 4, 5),
        ("SJ", "市场监管所", "market_regulation", 8, 7),
        ("ZJ", "住建办", "housing", 8, 10),
        ("XF", "消防救援站", "fire", 2, 3),
        ("SF", "司法所", "judicial_office", 24, 15),
        ("JD", "街道办事处", "subdistrict", 8, 7),
        ("TW", "人民调解委员会", "mediation_committee", 24, 15),
    ]
    made = {
        code: dept_services.do_create_department(
            acting_user=admin,
            code=code,
            name=name,
            kind=kind,
            jurisdiction=bureau,
            sign_hours=hours,
            resolve_days=days,
        )
        for code, name, kind, hours, days in specs
    }
    for code in ("CG", "TW"):
        dept_services.do_add_liaison(made[code], liaison, acting_user=admin)
    for report_type, codes in {
        "safety_hazard": ["CG", "XF", "ZJ"],
        "dispute": ["SF"],
        "security_lead": ["GA"],
        "assistance": ["JD", "CG"],
    }.items():
        for code in codes:
            dept_services.do_create_routing_rule(
                acting_user=admin,
                report_type=report_type,
                jurisdiction=bureau,
                department=made[code],
            )

    # --- Places from the Toronto premises, plans, this month's tasks, a sweep.
    rows = json.loads(PLACES_FILE.read_text(encoding="utf-8"))
    places = []
    for i, row in enumerate(rows):
        try:
            places.append(
                place_services.do_register_place(
                    place_services.PlaceInput(
                        name=NAME[row["type"]].format(hood=row["neighbourhood"], n=i + 1),
                        place_type=row["type"],
                        address=f"{row['neighbourhood']} {100 + i} 号",
                        lon=row["lon"],
                        lat=row["lat"],
                        operator_name=f"经营者{i + 1:02d}",
                        operator_phone=f"1380013{8000 + i:04d}",
                        attributes=_attributes(row["type"], rng),
                    ),
                    acting_user=admin,
                )
            )
        except ServiceError:
            continue  # a point outside the demo bureau's boundary
    for kind, tier, freq in [
        ("school", 1, "weekly"),
        ("school", 2, "monthly"),
        ("hospital", 1, "monthly"),
        ("entertainment", 1, "weekly"),
        ("entertainment", 2, "monthly"),
        ("hotel", 2, "monthly"),
        ("hotel", 3, "quarterly"),
        ("internet_cafe", 2, "monthly"),
        ("internet_cafe", 3, "quarterly"),
        ("rental_housing", 2, "monthly"),
        ("rental_housing", 3, "quarterly"),
        ("hazmat_site", 1, "weekly"),
        ("shop", 3, "quarterly"),
        ("other", 3, "yearly"),
    ]:
        place_services.do_create_plan(
            acting_user=leader, jurisdiction=bureau, place_type=kind, risk_tier=tier, frequency=freq
        )
    today = timezone.localdate()
    generated = place_services.generate_tasks(today.year, today.month)
    inspector = admin
    for place in places[:6]:
        items = dict(place_services.place_rules.checklist(place.place_type))
        results = {code: "pass" for code in items}
        results[next(iter(items))] = "fail" if place.pk % 2 else "pass"
        if place.place_type == "school":
            results["anti_ram"] = "fail"
        place_services.do_record_inspection(
            place, acting_user=inspector, results=results, notes="例行检查"
        )
    campaign, _n = place_services.do_launch_campaign(
        acting_user=leader,
        name="秋季校园及周边安全专项行动",
        jurisdiction=bureau,
        place_types=["school", "internet_cafe", "entertainment"],
        starts_on=today - timedelta(days=3),
        ends_on=today + timedelta(days=27),
    )

    # --- Reports at the grid worker's grid, at each stage of 吹哨报到.
    grid = _home(worker)
    points = _points_in(grid, worker, 6, rng)
    now = timezone.now()
    stories = [
        ("safety_hazard", "3 号楼消防通道被电动车和杂物堵塞", 30),
        ("assistance", "小区路灯连续多晚不亮，老人夜间出行不便", 20),
        ("safety_hazard", "沿街商铺招牌松动，大风天有坠落危险", 6),
        ("security_lead", "废弃厂房夜间常有陌生车辆进出", 3),
        ("other", "公园健身器材损坏", 1),
        ("dispute", "楼上楼下因漏水问题多次争吵", 0.2),
    ]
    reports = []
    for (kind, text, hours_ago), (lon, lat) in zip(stories, points, strict=False):
        reports.append(
            report_services.do_submit_report(
                report_services.ReportInput(kind, text, lon, lat, address=f"{grid.name}"),
                acting_user=worker,
                photos=[_jpeg("#b0bec5")] if kind == "safety_hazard" else [],
                at=now - timedelta(hours=hours_ago),
            )
        )
    if reports:
        # The 城管 part of the first report: signed, progress, resolved, verified.
        first = reports[0].referrals.select_related("report__jurisdiction", "department")
        cg = first.get(department__code="CG")
        report_services.do_sign_referral(cg, acting_user=liaison, expected_version=cg.version)
        report_services.do_add_progress(cg, acting_user=liaison, note="已通知物业限期清理")
        report_services.do_resolve_referral(
            cg,
            acting_user=liaison,
            expected_version=cg.version,
            resolution="杂物已清理，通道畅通",
            photos=[_jpeg("#a5d6a7")],
        )
        report_services.do_verify_referral(
            cg, acting_user=worker, expected_version=cg.version, rating=4, note="现场已核实"
        )
    if len(reports) > 1:
        # The second: resolved by 城管, waiting for the worker to verify.
        cg = (
            reports[1]
            .referrals.select_related("report__jurisdiction", "department")
            .get(department__code="CG")
        )
        report_services.do_sign_referral(cg, acting_user=liaison, expected_version=cg.version)
        report_services.do_resolve_referral(
            cg,
            acting_user=liaison,
            expected_version=cg.version,
            resolution="已更换灯泡",
            photos=[_jpeg("#fff59d")],
        )
    if len(reports) > 2:
        cg = (
            reports[2]
            .referrals.select_related("report__jurisdiction", "department")
            .get(department__code="CG")
        )
        report_services.do_sign_referral(cg, acting_user=liaison, expected_version=cg.version)
        report_services.do_add_progress(cg, acting_user=liaison, note="已联系商户，约定明日加固")
    # Reports filed long ago and never signed: the overdue scan reminds and escalates.
    scan = scan_overdue()

    # --- Disputes in the community officer's sector.
    sector = _home(community)
    spots = _points_in(grid, worker, 3, rng) if grid.path.startswith(sector.path) else []
    disputes = 0
    for (title, summary, kind, who), (lon, lat) in zip(
        [
            ("楼上漏水", "楼上卫生间漏水，双方多次争吵，物业协调未果", "neighbour", worker),
            ("拖欠工资", "装修工人称被拖欠工资两个月", "labour", community),
            ("宅基地边界", "两户因院墙边界争执，一方扬言要拿刀砍人", "land", community),
        ],
        spots,
        strict=False,
    ):
        dispute = dispute_services.do_register_dispute(
            dispute_services.DisputeInput(kind, title, summary, f"{grid.name}", lon, lat),
            acting_user=who,
        )
        dispute_services.do_add_party(
            dispute, acting_user=who, role="complainant", name="张建国", phone="13800138000"
        )
        dispute_services.do_add_party(dispute, acting_user=who, role="other", name="李明")
        if kind == "neighbour":
            dispute_services.do_record_session(
                dispute, acting_user=who, mediator="王调解员", held_on=today, outcome="no_agreement"
            )
            dispute_services.do_schedule_follow_up(
                dispute, acting_user=who, due_on=today + timedelta(days=7)
            )
            dispute_services.do_hand_over_to_mediation(dispute, made["TW"], acting_user=who)
        disputes += 1

    return (
        f"网格：{len(made)} 个部门、{len(places)} 个重点场所（{generated.created} 个检查任务，"
        f"专项行动 {campaign.name}）、{len(reports)} 起网格事件（超时提醒 {scan.reminded}、"
        f"升级 {scan.escalated}）、{disputes} 起矛盾纠纷"
    )
