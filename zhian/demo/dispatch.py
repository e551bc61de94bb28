"""Dispatch's demo: units and open incidents in the demo bureau, created through its services."""

from __future__ import annotations

from datetime import timedelta

import h3
import numpy as np
from django.utils import timezone

from zhian.core.models import Jurisdiction, User
from zhian.demo.toronto import LATEST_OFFENCES, read_latest_offences
from zhian.dispatch.models import Incident, Unit
from zhian.dispatch.services.assignments import do_advance_assignment, do_dispatch_units
from zhian.dispatch.services.incidents import IncidentInput, do_create_incident
from zhian.dispatch.services.units import do_register_unit

UNITS_PER_STATION = 4
OPEN_INCIDENTS = LATEST_OFFENCES  # one per offence in data/toronto_mci_latest.csv
CATEGORY = {
    "Assault": "0104",
    "Break and Enter": "0105",
    "Auto Theft": "0106",
    "Robbery": "0102",
    "Theft Over": "0101",
}


def create_demo_dispatch(*, seed: int = 0) -> str:
    """Units at busy cells of each station and a few open incidents, some dispatched."""
    rng = np.random.default_rng(seed)
    admin = User.objects.get(username="admin")
    dispatcher = User.objects.get(username="dispatcher")
    units = []
    for station in Jurisdiction.objects.filter(kind="station").order_by("code"):
        cells = sorted(station.cells.values_list("cell", flat=True))
        picks = rng.choice(len(cells), size=min(UNITS_PER_STATION, len(cells)), replace=False)
        for n, index in enumerate(sorted(picks), start=1):
            lat, lon = h3.cell_to_latlng(cells[index])
            units.append(
                do_register_unit(
                    acting_user=admin,
                    call_sign=f"{station.code}-{n:02d}",
                    station=station,
                    kind="patrol_car" if n < UNITS_PER_STATION else "foot",
                    lon=lon,
                    lat=lat,
                )
            )
    now = timezone.now()
    incidents = []
    for k, (category, lon, lat) in enumerate(read_latest_offences()):
        incidents.append(
            do_create_incident(
                IncidentInput(
                    channel="call_110",
                    category_code=CATEGORY[category],
                    lon=lon,
                    lat=lat,
                    address=f"演示地址 {lat:.4f}, {lon:.4f}",
                    narrative="演示数据：地点与类别取自多伦多 2020 年真实记录",
                    received_at=now - timedelta(minutes=5 * (OPEN_INCIDENTS - k)),
                ),
                acting_user=dispatcher,
            ).incident
        )
    # Send the nearest free unit to the older third; the oldest few are on scene.
    free = {u.pk: u for u in units}

    def distance2(unit: Unit, incident: Incident) -> float:
        dx, dy = float(unit.lon or 0) - incident.lon, float(unit.lat or 0) - incident.lat
        return dx * dx + dy * dy

    for incident in incidents[: OPEN_INCIDENTS // 3]:
        nearest = min(free.values(), key=lambda u: distance2(u, incident))
        (assignment,) = do_dispatch_units(incident, [nearest.pk], acting_user=dispatcher)
        del free[nearest.pk]
        do_advance_assignment(assignment, "en_route", acting_user=dispatcher)
        if incident.pk % 2:
            do_advance_assignment(assignment, "on_scene", acting_user=dispatcher)
    return f"已创建 {len(units)} 个警力、{len(incidents)} 起未结警情"
