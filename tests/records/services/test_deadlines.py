"""The deadline engine: each seeded rule's due date with extensions, versioning, overdue."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.records.conftest import local
from tests.records.factories import open_case
from zhian.core.errors import PermissionDenied, ValidationFailed
from zhian.records.models import Deadline, DeadlineExtension, DeadlineRule
from zhian.records.selectors import CaseFilter, board_for, cases_for
from zhian.records.services.cases import do_record_event
from zhian.records.services.deadlines import deadline_flag, do_extend_deadline, scan_deadlines


def _deadline(case: Any, code: str) -> Deadline:
    return Deadline.objects.select_related("rule").get(case=case, rule__code=code)


def _extend(deadline: Deadline, user: Any, option: int, amount: int) -> Deadline:
    deadline.refresh_from_db()
    return do_extend_deadline(
        deadline,
        acting_user=user,
        option=option,
        amount=amount,
        reason="案情复杂",
        expected_version=deadline.version,
    )


def test_administrative_handling_period_and_its_extension(people: dict[str, Any]) -> None:
    # Given an administrative case accepted on 2026-03-02 (under the 2025 revision's row)
    case = open_case(people["officer"], accepted_at=local(2026, 3, 2, 9))
    deadline = _deadline(case, "X_HANDLING")
    assert deadline.rule.valid_from == date(2026, 1, 1)
    # Then 30 days run through 04-01 24:00
    assert deadline.due_at == local(2026, 4, 2)
    # When the leader approves the 30-day extension
    _extend(deadline, people["leader"], 0, 30)
    # Then it ends 05-01 (劳动节 holiday 05-01..05-05) moved to 05-06
    deadline.refresh_from_db()
    assert deadline.due_at == local(2026, 5, 7)
    row = DeadlineExtension.objects.get(deadline=deadline)
    assert (row.approved_by, row.reason, row.amount) == (people["leader"], "案情复杂", 30)


def test_extension_needs_the_rule_approver_and_is_bounded(people: dict[str, Any]) -> None:
    case = open_case(people["officer"], accepted_at=local(2026, 3, 2, 9))
    deadline = _deadline(case, "X_HANDLING")
    with pytest.raises(PermissionDenied):  # 上一级公安机关: the leader, not the supervisor
        _extend(deadline, people["supervisor"], 0, 30)
    with pytest.raises(ValidationFailed):
        _extend(deadline, people["leader"], 0, 31)
    _extend(deadline, people["leader"], 0, 10)
    with pytest.raises(ValidationFailed, match="最多延长次数"):
        _extend(deadline, people["leader"], 0, 10)


def test_criminal_filing_review_3_then_7_then_30_days(people: dict[str, Any]) -> None:
    case = open_case(people["officer"], case_type="criminal", accepted_at=local(2026, 3, 2, 9))
    deadline = _deadline(case, "A_FILING_REVIEW")
    assert deadline.due_at == local(2026, 3, 6)
    _extend(deadline, people["supervisor"], 0, 4)  # 线索需要查证: 7 days
    deadline.refresh_from_db()
    assert deadline.due_at == local(2026, 3, 10)
    _extend(deadline, people["leader"], 1, 23)  # 重大疑难复杂: 30 days in all
    deadline.refresh_from_db()
    assert deadline.due_at == local(2026, 4, 2)
    with pytest.raises(ValidationFailed):
        _extend(deadline, people["leader"], 1, 1)


def test_detention_to_arrest_request_is_custody_and_never_moves(people: dict[str, Any]) -> None:
    case = open_case(people["officer"], case_type="criminal", accepted_at=local(2026, 9, 27, 8))
    # When a suspect is detained 09-28 22:00 (3 days end on 10-01, National Day)
    do_record_event(case, acting_user=people["officer"], kind="detained", at=local(2026, 9, 28, 22))
    deadline = _deadline(case, "A_DETENTION_ARREST_REQUEST")
    # Then the period is not moved by the holiday
    assert deadline.due_at == local(2026, 10, 2)
    # Extension for 流窜/多次/结伙: up to 30 days
    _extend(deadline, people["leader"], 1, 27)
    deadline.refresh_from_db()
    assert deadline.due_at == local(2026, 10, 29)


def test_detention_special_extension_one_to_four_days(people: dict[str, Any]) -> None:
    case = open_case(people["officer"], case_type="criminal", accepted_at=local(2026, 3, 1, 8))
    do_record_event(case, acting_user=people["officer"], kind="detained", at=local(2026, 3, 2, 10))
    deadline = _deadline(case, "A_DETENTION_ARREST_REQUEST")
    assert deadline.due_at == local(2026, 3, 6)
    with pytest.raises(ValidationFailed):
        _extend(deadline, people["leader"], 0, 5)
    _extend(deadline, people["leader"], 0, 4)
    deadline.refresh_from_db()
    assert deadline.due_at == local(2026, 3, 10)


def test_arrest_request_meets_detention_period_and_starts_procuratorate_seven_days(
    people: dict[str, Any],
) -> None:
    case = open_case(people["officer"], case_type="criminal", accepted_at=local(2026, 3, 1, 8))
    do_record_event(case, acting_user=people["officer"], kind="detained", at=local(2026, 3, 2, 10))
    do_record_event(
        case, acting_user=people["officer"], kind="arrest_requested", at=local(2026, 3, 4, 16)
    )
    assert _deadline(case, "A_DETENTION_ARREST_REQUEST").status == "met"
    procuratorate = _deadline(case, "A_PROCURATORATE_DECISION")
    assert procuratorate.due_at == local(2026, 3, 12)
    assert procuratorate.rule.custody and procuratorate.rule.extensions == []


def test_custody_after_arrest_two_months_plus_one(people: dict[str, Any]) -> None:
    case = open_case(people["officer"], case_type="criminal", accepted_at=local(2026, 7, 1, 8))
    do_record_event(case, acting_user=people["officer"], kind="arrested", at=local(2026, 7, 30, 8))
    deadline = _deadline(case, "A_CUSTODY_AFTER_ARREST")
    assert deadline.due_at == local(2026, 10, 1)  # 09-30 24:00, not moved
    _extend(deadline, people["leader"], 0, 1)
    deadline.refresh_from_db()
    assert deadline.due_at == local(2026, 10, 31)


def test_case_started_before_a_revision_keeps_the_old_rule(people: dict[str, Any]) -> None:
    # Given a case accepted on 2025-12-31 23:30 in the bureau's zone
    old = open_case(people["officer"], accepted_at=local(2025, 12, 31, 23, 30))
    new = open_case(people["officer"], accepted_at=local(2026, 1, 1, 0, 30))
    assert _deadline(old, "X_HANDLING").rule.valid_from == date(2006, 3, 1)
    assert _deadline(new, "X_HANDLING").rule.valid_from == date(2026, 1, 1)
    # When the bureau records a further revision from 2026-06-01 with a 20-day period
    DeadlineRule.objects.create(
        **{
            **{
                f.name: getattr(_deadline(new, "X_HANDLING").rule, f.name)
                for f in DeadlineRule._meta.concrete_fields
                if f.name not in ("id",)
            },
            "valid_from": date(2026, 6, 1),
            "amount": 20,
        }
    )
    later = open_case(people["officer"], accepted_at=local(2026, 6, 2, 9))
    # Then earlier cases keep their rows and the new case uses the revision
    assert _deadline(later, "X_HANDLING").due_at == local(2026, 6, 23)
    assert _deadline(new, "X_HANDLING").rule.amount == 30


def test_overdue_and_due_soon_flags_board_and_one_notice_each(people: dict[str, Any]) -> None:
    now = timezone.now()
    overdue = open_case(people["officer"], accepted_at=now - timedelta(days=40))
    soon_case = open_case(
        people["officer"], case_type="criminal", accepted_at=now - timedelta(hours=2)
    )
    do_record_event(
        soon_case, acting_user=people["officer"], kind="detained", at=now - timedelta(hours=1)
    )
    d_overdue = _deadline(overdue, "X_HANDLING")
    assert deadline_flag(d_overdue) == "overdue"
    # a period whose end is within 24 h
    d_soon = _deadline(soon_case, "A_FILING_REVIEW")
    Deadline.objects.filter(pk=d_soon.pk).update(due_at=now + timedelta(hours=5))
    d_soon.refresh_from_db()
    assert deadline_flag(d_soon) == "due_soon"
    board = board_for(people["supervisor"])
    assert d_overdue in board["overdue"] and d_soon in board["due_soon"]
    assert d_soon not in board["overdue"]
    assert list(cases_for(people["supervisor"], CaseFilter(flag="overdue"))) == [overdue]
    # out of scope: the station-2 supervisor sees none of them
    assert board_for(people["supervisor_s2"])["overdue"] == []
    first = scan_deadlines()
    assert first["overdue"] >= 1 and first["due_soon"] >= 1
    assert scan_deadlines() == {"due_soon": 0, "overdue": 0}
    d_overdue.refresh_from_db()
    assert d_overdue.overdue_notified_at is not None
