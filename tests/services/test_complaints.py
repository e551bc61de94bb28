"""Complaints about policing: never handled inside the complained-about unit; findings;
the upheld count per unit; the complainant hidden from everyone but the handler."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from zhian.core.errors import NotFound, PermissionDenied
from zhian.core.models import AuditEvent
from zhian.services.choices import ComplaintStatus, Finding
from zhian.services.operations.complaints import (
    ComplaintInput,
    do_assign_complaint,
    do_conclude_complaint,
    do_reply_complaint,
    eligible_handlers,
    findings_by_unit,
    reveal_complainant,
    submit_complaint,
)
from zhian.services.selectors import complaints_for, public_view

pytestmark = pytest.mark.django_db


def _complaint(tree: dict[str, Any], citizen: Any, unit: str = "S1") -> Any:
    return submit_complaint(
        ComplaintInput(
            unit=tree[unit],
            description="民警在窗口办理业务时态度恶劣，拒绝解释所需材料",
            phone="13900139000",
            officer_reference="警号 012345",
            complainant_name="李四",
        ),
        citizen=citizen,
    )


def test_a_supervisor_inside_the_unit_is_never_assigned(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    complaint = _complaint(tree, citizen)
    leader = people["leader"]
    # A station supervisor of the complained-about station, and a bureau supervisor who
    # also holds a role inside it, are both refused, whoever assigns.
    for inside in (people["station_supervisor"], people["mixed_supervisor"]):
        with pytest.raises(PermissionDenied) as exc:
            do_assign_complaint(complaint, acting_user=leader, handler=inside, expected_version=1)
        assert exc.value.code == "handler_inside_unit"
    complaint.refresh_from_db()
    assert complaint.handler is None and complaint.version == 1
    assert eligible_handlers(tree["S1"]) == [people["bureau_supervisor"]]
    do_assign_complaint(
        complaint, acting_user=leader, handler=people["bureau_supervisor"], expected_version=1
    )
    assert complaint.status == ComplaintStatus.ASSIGNED


def test_a_complaint_about_a_sector_cannot_go_to_its_station_supervisor_either(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    complaint = _complaint(tree, citizen, unit="S1-2")
    # The station supervisor sits above the sector but the bureau-level mixed supervisor
    # holds a role inside it (S1-2): refused.
    with pytest.raises(PermissionDenied):
        do_assign_complaint(
            complaint,
            acting_user=people["leader"],
            handler=people["mixed_supervisor"],
            expected_version=1,
        )


def test_finding_reply_and_upheld_count(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    handler = people["bureau_supervisor"]
    for finding in (Finding.UPHELD, Finding.PARTLY_UPHELD, Finding.NOT_UPHELD, Finding.UPHELD):
        complaint = _complaint(tree, citizen)
        do_assign_complaint(
            complaint, acting_user=people["leader"], handler=handler, expected_version=1
        )
        do_conclude_complaint(
            complaint,
            acting_user=handler,
            finding=finding,
            reasons="调取窗口录音录像核实，民警确有不当言语",
            expected_version=2,
        )
    do_reply_complaint(
        complaint,
        acting_user=handler,
        reply="经核查您反映的情况属实，已对涉事民警批评教育并责令改正。",
        expected_version=3,
    )
    view = public_view(complaint.tracking.code, "9000")
    assert view.status == ComplaintStatus.REPLIED
    assert "批评教育" in view.timeline[-1].message
    assert handler.display_name not in repr(view)
    today = timezone.localdate()
    (row,) = findings_by_unit(people["leader"], today - timedelta(days=1), today)
    assert (row.unit.code, row.upheld, row.partly_upheld, row.not_upheld, row.effective) == (
        "S1",
        2,
        1,
        1,
        3,
    )


def test_only_the_handler_sees_the_complainant_and_officers_see_nothing(
    tree: dict[str, Any], people: dict[str, Any], citizen: Any
) -> None:
    complaint = _complaint(tree, citizen)
    # The officers of the unit hold no complaint action: the complaint does not exist for them.
    for officer in (people["patrol"], people["community"], people["dispatcher"]):
        assert not complaints_for(officer).exists()
    do_assign_complaint(
        complaint,
        acting_user=people["leader"],
        handler=people["bureau_supervisor"],
        expected_version=1,
    )
    with pytest.raises(PermissionDenied):
        reveal_complainant(complaint, acting_user=people["leader"], purpose="核实投诉人身份")
    with pytest.raises(PermissionDenied):
        reveal_complainant(complaint, acting_user=people["patrol"], purpose="核实投诉人身份")
    with pytest.raises(NotFound):  # outside their scope the complaint does not exist
        reveal_complainant(complaint, acting_user=people["dispatcher2"], purpose="核实投诉人身份")
    shown = reveal_complainant(
        complaint, acting_user=people["bureau_supervisor"], purpose="电话联系投诉人核实经过"
    )
    assert shown == {"name": "李四", "phone": "13900139000"}
    assert AuditEvent.objects.filter(action="personal_data.read", purpose__contains="核实").exists()
