"""Monthly figure entry: validated, audited, never overwriting a figure unseen."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from tests.metrics.conftest import indicator
from zhian.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    PreconditionFailed,
    ValidationFailed,
)
from zhian.core.models import AuditEvent
from zhian.metrics.models import MonthlyFigure
from zhian.metrics.services.figures import do_enter_monthly_figure

MARCH = date(2026, 3, 1)


def test_entry_and_change_are_audited_with_before_and_after(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    cases = indicator("accidents")
    figure = do_enter_monthly_figure(
        cases, tree["S1"], MARCH, 7, note="月报", acting_user=people["analyst"]
    )
    changed = do_enter_monthly_figure(
        cases, tree["S1"], MARCH, 9, expected_version=1, acting_user=people["s1_analyst"]
    )
    assert (changed.pk, changed.value, changed.version) == (figure.pk, 9, 2)
    assert changed.entered_by == people["s1_analyst"]
    events = list(
        AuditEvent.objects.filter(object_id=str(figure.pk), action__startswith="metrics.figure")
        .order_by("seq")
        .values_list("action", "data")
    )
    assert [a for a, _d in events] == ["metrics.figure_enter", "metrics.figure_change"]
    assert events[1][1]["before"]["value"] == 7 and events[1][1]["value"] == 9


def test_a_second_entry_without_the_version_is_refused(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    cases = indicator("accidents")
    do_enter_monthly_figure(cases, tree["S1"], MARCH, 7, acting_user=people["analyst"])
    with pytest.raises(Conflict) as refused:
        do_enter_monthly_figure(cases, tree["S1"], MARCH, 8, acting_user=people["analyst"])
    assert refused.value.code == "figure_exists"
    with pytest.raises(PreconditionFailed):
        do_enter_monthly_figure(
            cases, tree["S1"], MARCH, 8, expected_version=5, acting_user=people["analyst"]
        )
    assert MonthlyFigure.objects.get().value == 7


@pytest.mark.parametrize(
    ("code", "month", "value", "den", "field"),
    [
        ("cases", date(2026, 3, 2), 1, None, "month"),
        ("cases", date(2026, 3, 1), 1, 5, "denominator"),
        ("clearance_rate", date(2026, 3, 1), 5, None, "denominator"),
        ("clearance_rate", date(2026, 3, 1), 6, 5, "value"),
        ("crime_incidents", date(2026, 3, 1), 5, None, "indicator"),
        ("cases", date(2099, 1, 1), 5, None, "month"),
    ],
)
def test_bad_entries_name_the_field_and_store_nothing(
    tree: dict[str, Any],
    people: dict[str, Any],
    code: str,
    month: date,
    value: int,
    den: int | None,
    field: str,
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_enter_monthly_figure(
            indicator(code),
            tree["S1"],
            month,
            value,
            denominator=den,
            acting_user=people["analyst"],
        )
    assert field in refused.value.extra["fields"]
    assert not MonthlyFigure.objects.exists()
    assert not AuditEvent.objects.filter(action="metrics.figure_enter").exists()


def test_a_station_analyst_enters_only_for_their_station_and_a_leader_not_at_all(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    cases = indicator("accidents")
    with pytest.raises(NotFound):
        do_enter_monthly_figure(cases, tree["S2"], MARCH, 1, acting_user=people["s1_analyst"])
    with pytest.raises(PermissionDenied):
        do_enter_monthly_figure(cases, tree["S1"], MARCH, 1, acting_user=people["leader"])
    assert not MonthlyFigure.objects.exists()
