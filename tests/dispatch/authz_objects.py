"""Dispatch's objects for the authorisation matrix (tests/core/security/test_authz_matrix.py):
an incident, a unit, an assignment and a plan step in station S1 ("in") and S2 ("out")."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps as django_apps

from tests.factories import Role, UserFactory


def authz_objects(tree: dict[str, Any]) -> dict[str, dict[str, str]]:
    from zhian.dispatch.models import ContingencyPlan, IncidentCategory
    from zhian.dispatch.services import incidents as inc
    from zhian.dispatch.services.assignments import do_dispatch_units
    from zhian.dispatch.services.units import do_register_unit

    if not IncidentCategory.objects.exists():
        importlib.import_module("zhian.dispatch.migrations.0002_seed_categories_and_plans").seed(
            django_apps, None
        )
    boss = UserFactory(
        username="authz_dispatch_boss",
        roles=[(Role.ADMINISTRATOR, tree["B"]), (Role.DISPATCHER, tree["B"])],
    )
    plan = ContingencyPlan.objects.order_by("pk").first()
    out: dict[str, dict[str, str]] = {}
    for scope, station, lon in (("in", "S1", 120.01), ("out", "S2", 120.05)):
        unit = do_register_unit(
            acting_user=boss,
            call_sign=f"U-{station}",
            station=tree[station],
            kind="patrol_car",
            lon=lon,
            lat=30.01,
        )
        incident = inc.do_create_incident(
            inc.IncidentInput(
                channel="call_110", category_code="0101", address="路口", lon=lon, lat=30.01
            ),
            acting_user=boss,
        ).incident
        (assignment,) = do_dispatch_units(incident, [unit.pk], acting_user=boss)
        out[scope] = {
            "incident_id": str(incident.pk),
            "unit_id": str(unit.pk),
            "assignment_id": str(assignment.pk),
            "plan_id": str(plan.pk if plan else 1),
            "step": "1",
        }
    return out
