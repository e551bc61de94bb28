"""The insights demo step: on top of the demo bureau it leaves a stored forecast, alerts,
yesterday's day-shift plan as its cars drove it, tomorrow's and two of the newest week the
public patrol report shows, from the repository's own data."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from zhian.core import audit
from zhian.insights.choices import RunStatus
from zhian.insights.models import NearRepeatAlert, PatrolCellDay, PatrolPlan, StoredForecast
from zhian.insights.services.patrol_report import latest_published_week, patrol_report
from zhian.insights.services.plan_execution import FINISHED, MISSED, plan_execution
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
    plan, done, *published = PatrolPlan.objects.order_by("-shift_start")
    assert plan.shift == "day" and timezone.localdate(plan.shift_start) == tomorrow()
    assert plan.summary["cells"] > 0 and plan.summary["travel_method"] == "straight_line"
    # yesterday's plan as its cars drove it: the execution report has data, a stop missed
    assert timezone.localdate(done.shift_start) == timezone.localdate() - dt.timedelta(days=1)
    report = plan_execution(done)
    assert report.state == FINISHED and report.units_without_data == 0
    assert 0 < report.cells_done < report.cells_assessed == report.cells_planned
    assert MISSED in {v.status for u in report.units for v in u.visits}
    # and its crews logged what they did at their first stops (巡逻措施登记)
    assert 0 < report.cells_logged <= report.cells_planned
    assert "foot_patrol" in report.units[0].visits[0].tactics
    assert PatrolCellDay.objects.filter(day=timezone.localdate(done.shift_start)).exists()
    # two day shifts of the week the public patrol report shows first
    assert len(published) == 2
    week = patrol_report(latest_published_week())
    section = week.sections[0]
    assert section.planned_hours > 0 and section.cap_hours is not None
    assert section.largest_area_hours <= section.cap_hours
    assert audit.verify_chain().ok
