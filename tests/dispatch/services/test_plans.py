"""Dispatch plans services, through the real services and database."""

from __future__ import annotations

from typing import Any

import pytest

from tests.dispatch.factories import new_incident
from zhian.core.errors import (
    Conflict,
    ValidationFailed,
)
from zhian.dispatch.services import plans as P

pytestmark = pytest.mark.django_db


def test_plan_checklist_records_each_step_once(people: dict[str, Any]) -> None:
    user = people["dispatcher"]
    incident = new_incident(user, category_code="0401")  # 火灾 has a plan
    (plan,) = P.checklist(incident)
    assert plan["steps"][0]["done_at"] is None
    P.do_complete_plan_step(incident, plan["plan_id"], 0, acting_user=user)
    assert P.checklist(incident)[0]["steps"][0]["done_by"] == str(user)
    with pytest.raises(Conflict):
        P.do_complete_plan_step(incident, plan["plan_id"], 0, acting_user=user)
    with pytest.raises(ValidationFailed):
        P.do_complete_plan_step(incident, plan["plan_id"], 99, acting_user=user)
    assert incident.timeline.filter(kind="plan_step").count() == 1
