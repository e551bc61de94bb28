"""Indicator definitions the bureau adds: validated filters, audited."""

from __future__ import annotations

from typing import Any

import pytest

from zhian.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.metrics.services.indicators import IndicatorInput, do_create_indicator


def data(**overrides: Any) -> IndicatorInput:
    base = {
        "code": "theft",
        "name": "盗窃警情",
        "definition": "刑事大类下的盗窃类警情。",
        "kind": "count",
        "source": "dispatch.incidents",
        "params": {"top_categories": ["01"]},
        "direction": "fall",
    }
    return IndicatorInput(**(base | overrides))


def test_a_leader_adds_an_indicator_and_it_is_audited(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    made = do_create_indicator(data(), bureau=tree["B"], acting_user=people["leader"])
    assert (made.date_basis, made.params) == ("received_at", {"top_categories": ["01"]})
    assert AuditEvent.objects.filter(
        action="metrics.indicator_create", object_id=str(made.pk)
    ).exists()
    with pytest.raises(Conflict):
        do_create_indicator(data(), bureau=tree["B"], acting_user=people["leader"])


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"params": {"top_categories": ["77"]}}, "params"),
        ({"params": {"colour": "red"}}, "params"),
        ({"params": {"arrived_within_minutes": 0}}, "params"),
        ({"source": "accidents.register"}, "source"),
        ({"kind": "rate"}, "denominator_source"),
        (
            {
                "kind": "rate",
                "source": "manual",
                "params": {},
                "denominator_source": "dispatch.incidents",
            },
            "denominator_source",
        ),
        ({"definition": " "}, "definition"),
        ({"date_basis": "closed_at"}, "date_basis"),
    ],
)
def test_bad_definitions_are_refused(
    tree: dict[str, Any], people: dict[str, Any], overrides: dict[str, Any], field: str
) -> None:
    with pytest.raises(ValidationFailed) as refused:
        do_create_indicator(data(**overrides), bureau=tree["B"], acting_user=people["leader"])
    assert field in refused.value.extra["fields"]


def test_an_analyst_may_not_configure_indicators(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        do_create_indicator(data(), bureau=tree["B"], acting_user=people["analyst"])
