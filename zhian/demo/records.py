"""Demo cases (案件) for the demo bureau, built through the records services.

Some cases are opened from the demo incidents of the patrol officer's station; walk-in
cases (来所报案) are back-dated so that on first run the supervisor's board shows an
overdue handling period, periods due within 24 hours, a case without progress, a pending
and a returned approval, and a closed case with its quality review.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from zhian.core.models import Jurisdiction, User
from zhian.dispatch.models import Incident
from zhian.records.choices import Stage
from zhian.records.models import Case
from zhian.records.services.approvals import (
    do_approve,
    do_return,
    do_submit_for_approval,
)
from zhian.records.services.cases import (
    CaseInput,
    do_move_case,
    do_open_case,
    do_record_event,
    do_update_case,
)
from zhian.records.services.parties import do_add_party, do_register_evidence
from zhian.records.services.reviews import CHECKLIST, do_review_case

FACTS = {
    "summary": "演示数据：报案人称在小区门口与他人发生争执，对方动手殴打，致其面部软组织挫伤。",
    "legal_basis": "《中华人民共和国治安管理处罚法》",
}
# A valid GB 11643 number for a fictitious person (checksum computed, region 330203).
DEMO_ID = "330203199003071232"


def _station_of(user: User) -> Jurisdiction:
    return user.role_assignments.select_related("jurisdiction").get().jurisdiction


def _open(officer: User, station: Jurisdiction, title: str, case_type: str, **kw: Any) -> Case:
    return do_open_case(
        acting_user=officer,
        data=CaseInput(
            case_type=case_type,
            category_code="X01" if case_type == "administrative" else "A01",
            title=title,
            jurisdiction_code="" if kw.get("incident_ids") else station.code,
            **kw,
        ),
    )


def _fill(case: Case, officer: User, **fields: str) -> Case:
    return do_update_case(
        case, acting_user=officer, expected_version=case.version, changes={**FACTS, **fields}
    )


def _file(case: Case, officer: User, supervisor: User) -> Case:
    approval = do_submit_for_approval(
        case, acting_user=officer, target=Stage.FILED, expected_version=case.version
    )
    do_approve(approval, acting_user=supervisor, reason="同意立案")
    case.refresh_from_db()
    return case


def _move(case: Case, officer: User, target: str) -> Case:
    return do_move_case(case, acting_user=officer, target=target, expected_version=case.version)


def _local_midday(days_ago: int, hour: int = 10) -> datetime:
    day = timezone.localdate() - timedelta(days=days_ago)
    return timezone.make_aware(datetime.combine(day, time(hour)))


@transaction.atomic
def create_demo_records(bureau_code: str = "DEMO") -> str:
    officer = User.objects.get(username="patrol")
    supervisor = User.objects.get(username="supervisor")
    station = _station_of(officer)
    if Case.objects.filter(bureau__code=bureau_code).exists():
        return "案件演示数据已存在。"
    incidents = list(
        Incident.objects.filter(jurisdiction__path__startswith=station.path).order_by(
            "received_at"
        )[:2]
    )

    # 1. Overdue (盯案): an administrative walk-in case accepted 35 days ago, under investigation.
    overdue = _open(
        officer, station, "王某殴打他人案", "administrative", accepted_at=_local_midday(35)
    )
    _fill(overdue, officer)
    _move(_file(overdue, officer, supervisor), officer, Stage.INVESTIGATING)
    do_add_party(
        overdue,
        acting_user=officer,
        role="suspect",
        name="王某某",
        legal_basis="public_security_administration",
        id_number=DEMO_ID,
        phone="13800001234",
    )

    # 2. A criminal walk-in accepted three local days ago, awaiting 立案: its 3-day 立案审查
    #    period ends tonight on a working day (else it moves to the next working day).
    soon = _open(officer, station, "电动车被盗案", "criminal", accepted_at=_local_midday(3, 9))
    _fill(soon, officer, legal_basis="《中华人民共和国刑法》第二百六十四条")
    do_submit_for_approval(
        soon, acting_user=officer, target=Stage.FILED, expected_version=soon.version
    )

    # 3. Custody period due within 24 h: a filed theft case, suspect detained three days ago.
    custody = _open(officer, station, "入室盗窃案", "criminal", accepted_at=_local_midday(5, 8))
    _fill(custody, officer, legal_basis="《中华人民共和国刑法》第二百六十四条")
    custody = _move(_file(custody, officer, supervisor), officer, Stage.INVESTIGATING)
    do_record_event(
        custody, acting_user=officer, kind="detained", at=_local_midday(3, 20), note="嫌疑人到案"
    )
    do_register_evidence(
        custody,
        acting_user=officer,
        kind="property",
        name="笔记本电脑一台",
        holder="办案民警",
        reason="现场扣押",
        at=_local_midday(3, 21),
    )

    # 4. No progress for 20 days.
    _open(officer, station, "邻里纠纷引发的殴打案", "administrative", accepted_at=_local_midday(20))

    # 5. From demo incidents: one returned for more facts, one closed and reviewed.
    if incidents:
        returned = _open(
            officer, station, "街头斗殴案", "administrative", incident_ids=(incidents[0].pk,)
        )
        _fill(returned, officer, summary="演示数据：两人发生冲突。")
        approval = do_submit_for_approval(
            returned, acting_user=officer, target=Stage.FILED, expected_version=returned.version
        )
        do_return(approval, acting_user=supervisor, reason="案情过简，请补充时间、地点、伤情")
    if len(incidents) > 1:
        closed = _open(
            officer, station, "扰乱秩序案", "administrative", incident_ids=(incidents[1].pk,)
        )
        _fill(closed, officer, decision="警告", outcome_note="处罚决定已送达并执行")
        closed = _move(
            _move(_file(closed, officer, supervisor), officer, Stage.INVESTIGATING),
            officer,
            Stage.DECIDED,
        )
        closed = _move(closed, officer, Stage.CLOSED)
        items = {code: True for code, _label, _points in CHECKLIST}
        do_review_case(closed, acting_user=supervisor, items=items, note="演示考评")
    n = Case.objects.filter(bureau__code=bureau_code).count()
    return f"已建立 {n} 起演示案件（含超期、24 小时内到期、长期无进展、退回和已考评案件）。"
