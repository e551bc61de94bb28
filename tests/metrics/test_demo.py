"""The KPI demo step: two years of audited monthly figures and the bureau's own indicator."""

from __future__ import annotations

from typing import Any

from tests.factories import Role, UserFactory
from zhian.core import audit
from zhian.demo.metrics import MONTHS, create_demo_metrics, recent_months
from zhian.metrics import selectors
from zhian.metrics.models import IndicatorDefinition, MonthlyFigure
from zhian.metrics.periods import Period


def test_demo_fills_every_manual_indicator_for_every_station_month(tree: dict[str, Any]) -> None:
    UserFactory(username="analyst", roles=[(Role.ANALYST, tree["B"])])
    leader = UserFactory(username="leader", roles=[(Role.LEADER, tree["B"])])
    summary = create_demo_metrics()
    assert "5 分钟到场率" in summary and "吹哨报到按时签收率" in summary
    assert MonthlyFigure.objects.count() == 2 * MONTHS * 3  # accidents, petitions, misconduct
    assert IndicatorDefinition.objects.filter(code="arrival_5min", kind="rate").exists()
    assert audit.verify_chain().ok
    last = recent_months(1)[0]
    dash = selectors.dashboard(leader, "B", Period.month(last.year, last.month), trend_months=0)
    manual = [r for r in dash.rows if r.indicator.source == "manual"]
    # Every month is filled (the test tree lies outside Toronto, so sizes are 0 and a
    # rate may have a zero denominator, shown as "—" for that reason only)
    for r in manual:
        for figure in (r.current, r.last_year):
            assert figure is not None
            assert figure.value is not None or figure.denominator == 0, figure.reason
