"""The insights demo step: on top of the demo bureau it leaves a stored forecast, alerts and
tomorrow's day-shift plan, from the repository's own data."""

from __future__ import annotations

from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhian.core import audit
from zhian.insights.choices import RunStatus
from zhian.insights.models import NearRepeatAlert, PatrolPlan, StoredForecast
from zhian.insights.services.plans import tomorrow

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_demo_insights_on_first_run(
    settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # the repository alone: no shared data, no road network
    monkeypatch.setenv("ZHIAN_SHARED_DATA", str(tmp_path))
    settings.ZHIAN_SHARED_DATA = tmp_path
    settings.ZHIAN_ROAD_NETWORK = ""
    settings.ZHIAN_PATROL_SOLVER_SECONDS = 0.5
    out = StringIO()
    call_command("load_demo", stdout=out)  # create_demo_insights is one of its steps
    summary = out.getvalue()
    assert "风险预测" in summary and "巡防计划" in summary
    bureau_fc = StoredForecast.objects.get(jurisdiction__kind="bureau", category_code="")
    assert bureau_fc.status == RunStatus.DONE and bureau_fc.cells and bureau_fc.accuracy
    assert NearRepeatAlert.objects.filter(category_code="0105").exists()
    plan = PatrolPlan.objects.get()
    assert plan.shift == "day" and timezone.localdate(plan.shift_start) == tomorrow()
    assert plan.summary["cells"] > 0 and plan.summary["travel_method"] == "straight_line"
    assert audit.verify_chain().ok
