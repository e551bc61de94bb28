"""Opening cases (受案), editing them, stage changes, case events and assignment."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from zhian.core import audit
from zhian.core.concurrency import update_if_version
from zhian.core.errors import Conflict, PermissionDenied, PreconditionFailed, ValidationFailed
from zhian.core.models import Jurisdiction, User
from zhian.core.scoping import can, check_can
from zhian.dispatch.selectors import access_incident
from zhian.records.choices import FINAL_STAGES, CaseType, EntryKind, EventKind, Stage
from zhian.records.models import Case, CaseCategory, CaseEvent
from zhian.records.services.deadlines import apply_event, lapse_open_deadlines
from zhian.records.services.notify import notify_later
from zhian.records.services.numbering import next_case_number
from zhian.records.services.timeline import add_entry, touch
from zhian.records.stages import BY_STEP, FIELD_LABELS, Transition, next_stages

# Cases are entered as they happen; an older acceptance date is a typing error (and lies
# outside the holiday calendar the deadlines need).
OLDEST_ACCEPTANCE = timedelta(days=10 * 365)
EDITABLE_FIELDS = ("title", "summary", "legal_basis", "decision", "transfer_to", "outcome_note")
MAX_LENGTHS = {"title": 120, "legal_basis": 200, "transfer_to": 120, "summary": 4000}


@dataclass(frozen=True)
class CaseInput:
    """What an officer enters to open a case (受案登记)."""

    case_type: str
    category_code: str
    title: str
    summary: str = ""
    incident_ids: tuple[int, ...] = ()
    jurisdiction_code: str = ""
    accepted_at: datetime | None = None


def _join(errors: dict[str, str]) -> str:
    return pgettext("sentence separator", "；").join(str(v) for v in errors.values())


def _unit_of(jurisdiction: Jurisdiction) -> Jurisdiction:
    """The station (派出所) holding ``jurisdiction``, or the bureau for a bureau."""
    parts = jurisdiction.path.strip("/").split("/")
    code = parts[1] if len(parts) > 1 else parts[0]
    return Jurisdiction.objects.get(code=code)


def _bureau_of(jurisdiction: Jurisdiction) -> Jurisdiction:
    return Jurisdiction.objects.get(code=jurisdiction.path.strip("/").split("/")[0])


def check_can_work_case(user: Any, case: Case) -> None:
    """Officers work only the cases assigned to them (or unassigned ones they opened)."""
    check_can(user, "case.work", case.jurisdiction)
    if user.is_superuser or case.officer_id == user.pk:
        return
    if case.officer_id is None and case.created_by_id == user.pk:
        return
    raise PermissionDenied(
        _("只有本案主办民警可以办理，请联系法制监督员指派"), code="not_case_officer"
    )


@transaction.atomic
def do_open_case(*, acting_user: Any, data: CaseInput) -> Case:
    """Open a case from incidents (their unit is the case's) or directly (来所报案)."""
    errors: dict[str, str] = {}
    if data.case_type not in CaseType.values:
        errors["case_type"] = _("案件类型无效")
    category = CaseCategory.objects.filter(code=data.category_code, active=True).first()
    if category is None:
        errors["category"] = _("案件类别 %(code)s 不存在或已停用") % {"code": data.category_code}
    elif category.case_type != data.case_type:
        errors["category"] = _("案件类别与案件类型不符")
    if not data.title.strip():
        errors["title"] = _("请填写案件名称")
    elif len(data.title) > 120:
        errors["title"] = _("案件名称不超过 120 字")
    if len(data.summary) > 4000:
        errors["summary"] = _("简要案情不超过 4000 字")
    now = timezone.now()
    accepted_at = data.accepted_at or now
    if accepted_at.tzinfo is None:
        errors["accepted_at"] = _("受案时间须带时区")
    elif accepted_at > now:
        errors["accepted_at"] = _("受案时间不能晚于当前时间")
    elif accepted_at < now - OLDEST_ACCEPTANCE:
        errors["accepted_at"] = _("受案时间不能早于 %(years)d 年前") % {
            "years": OLDEST_ACCEPTANCE.days // 365
        }
    incidents = [access_incident(acting_user, pk) for pk in dict.fromkeys(data.incident_ids)]
    if incidents and "accepted_at" not in errors:
        first_call = min(i.received_at for i in incidents)
        if accepted_at < first_call:
            errors["accepted_at"] = _("受案时间不能早于警情接警时间")
    unit: Jurisdiction | None = None
    if data.jurisdiction_code:
        unit = Jurisdiction.objects.filter(code=data.jurisdiction_code).first()
        if unit is None:
            errors["jurisdiction"] = _("未找到主办单位 %(code)s") % {"code": data.jurisdiction_code}
        else:
            unit = _unit_of(unit)
    elif incidents:
        unit = _unit_of(incidents[0].jurisdiction)
    else:
        errors["jurisdiction"] = _("请选择主办单位，或从警情受案")
    if errors:
        raise ValidationFailed(_join(errors), code="invalid_case", fields=errors)
    assert unit is not None and category is not None
    check_can(acting_user, "case.open", unit)
    bureau = _bureau_of(unit)
    case = Case.objects.create(
        number=next_case_number(bureau, data.case_type, accepted_at),
        case_type=data.case_type,
        category=category,
        title=data.title.strip(),
        summary=data.summary.strip(),
        bureau=bureau,
        jurisdiction=unit,
        officer=acting_user,
        created_by=acting_user,
        accepted_at=accepted_at,
        last_progress_at=accepted_at,
    )
    if incidents:
        case.incidents.set(incidents)
    add_entry(
        case,
        EntryKind.OPENED,
        actor=acting_user,
        stage_to=Stage.ACCEPTED,
        at=accepted_at,
        data={"incidents": [i.number for i in incidents]},
    )
    event = CaseEvent.objects.create(
        case=case, kind=EventKind.ACCEPTED, at=accepted_at, recorded_by=acting_user
    )
    apply_event(event)
    audit.record(
        actor=acting_user,
        action="case.open",
        obj=case,
        data={"number": case.number, "incidents": [i.pk for i in incidents]},
    )
    return case


@transaction.atomic
def do_update_case(
    case: Case, *, acting_user: Any, expected_version: int, changes: dict[str, str]
) -> Case:
    """Edit the case's text fields (案情, 法律依据, 处理决定 …) while it is open."""
    check_can_work_case(acting_user, case)
    if case.stage in FINAL_STAGES:
        raise Conflict(_("案件已办结，不能修改"), code="case_final")
    errors = {}
    for name, value in changes.items():
        if name not in EDITABLE_FIELDS:
            errors[name] = _("字段 %(name)s 不可修改") % {"name": name}
        elif len(value) > MAX_LENGTHS.get(name, 2000):
            errors[name] = _("内容过长")
    if "title" in changes and not changes["title"].strip():
        errors["title"] = _("请填写案件名称")
    if errors:
        raise ValidationFailed(_join(errors), code="invalid_case", fields=errors)
    clean = {k: v.strip() for k, v in changes.items()}
    update_if_version(case, expected_version, last_progress_at=timezone.now(), **clean)
    audit.record(actor=acting_user, action="case.update", obj=case, data={"fields": sorted(clean)})
    return case


def check_transition(case: Case, target: str) -> Transition:
    """The step from the case's stage to ``target``, or a Conflict naming the allowed ones."""
    if target not in Stage.values:
        raise ValidationFailed(_("未知阶段 %(stage)s") % {"stage": target}, code="invalid_stage")
    step = BY_STEP.get((case.stage, target))
    if step is None:
        allowed = pgettext("list separator", "、").join(
            str(Stage(s).label) for s in next_stages(case.stage)
        ) or _("无（已办结）")
        raise Conflict(
            _("案件不能从“%(current)s”变为“%(wanted)s”（可变为：%(allowed)s）")
            % {
                "current": Stage(case.stage).label,
                "wanted": Stage(target).label,
                "allowed": allowed,
            },
            code="illegal_transition",
            current=case.stage,
            allowed=next_stages(case.stage),
        )
    return step


def missing_fields(case: Case, step: Transition) -> dict[str, str]:
    return {
        name: _("请先填写%(field)s") % {"field": FIELD_LABELS[name]}
        for name in step.required
        if not str(getattr(case, name) or "").strip()
    }


def check_can_take(user: Any, case: Case, step: Transition) -> None:
    if step.action == "case.work":
        check_can_work_case(user, case)
    else:
        check_can(user, step.action, case.jurisdiction)


def apply_transition(
    case: Case, step: Transition, *, acting_user: Any, at: datetime, note: str = ""
) -> None:
    """Move the stage (inside the caller's transaction, version already checked), write the
    timeline entry and the step's event, and settle the deadlines."""
    before = case.stage
    fields: dict[str, Any] = {"stage": step.target}
    if step.target in FINAL_STAGES:
        fields["closed_at"] = at
    touch(case, at=at, **fields)
    add_entry(
        case,
        EntryKind.STAGE,
        actor=acting_user,
        stage_from=before,
        stage_to=step.target,
        note=note,
        at=at,
    )
    if step.event:
        event = CaseEvent.objects.create(case=case, kind=step.event, at=at, recorded_by=acting_user)
        apply_event(event)
    if step.target in FINAL_STAGES:
        lapse_open_deadlines(case, at)
    audit.record(
        actor=acting_user, action="case.stage", obj=case, data={"from": before, "to": step.target}
    )


@transaction.atomic
def do_move_case(
    case: Case, *, acting_user: Any, target: str, expected_version: int, note: str = ""
) -> Case:
    """Take one step of the stage machine (立案 goes through :func:`do_submit_for_approval`)."""
    step = check_transition(case, target)
    check_can_take(acting_user, case, step)
    if step.via_approval:
        raise Conflict(
            _("“%(stage)s”须经审批：请提交审批") % {"stage": Stage(target).label},
            code="approval_required",
        )
    if case.version != expected_version:
        raise PreconditionFailed(
            _("该案件已被他人修改，请刷新后重试"), current_version=case.version
        )
    errors = missing_fields(case, step)
    if errors:
        raise ValidationFailed(_join(errors), code="missing_fields", fields=errors)
    apply_transition(case, step, acting_user=acting_user, at=timezone.now(), note=note.strip())
    if case.officer_id and case.officer_id != acting_user.pk:
        notify_later(
            [case.officer],
            kind="case.stage",
            case=case,
            title=_("%(number)s 已变为“%(stage)s”")
            % {"number": case.number, "stage": Stage(target).label},
        )
    return case


# Events an officer records by hand; the others follow from stage changes.
MANUAL_EVENTS = (
    EventKind.DETAINED,
    EventKind.ARREST_REQUESTED,
    EventKind.ARREST_DECIDED,
    EventKind.ARRESTED,
    EventKind.RELEASED,
)


@transaction.atomic
def do_record_event(
    case: Case, *, acting_user: Any, kind: str, at: datetime, note: str = ""
) -> CaseEvent:
    """Record a dated fact (刑事拘留, 提请批准逮捕 …); its periods start from ``at``."""
    check_can_work_case(acting_user, case)
    if case.stage in FINAL_STAGES:
        raise Conflict(_("案件已办结，不能登记办案事实"), code="case_final")
    errors = {}
    if kind not in MANUAL_EVENTS:
        errors["kind"] = _("该事项不能手工登记")
    if at.tzinfo is None:
        errors["at"] = _("时间须带时区")
    elif at > timezone.now():
        errors["at"] = _("时间不能晚于当前时间")
    elif at < case.accepted_at:
        errors["at"] = _("时间不能早于受案时间")
    if len(note) > 200:
        errors["note"] = _("说明不超过 200 字")
    if errors:
        raise ValidationFailed(_join(errors), code="invalid_event", fields=errors)
    event = CaseEvent.objects.create(
        case=case, kind=kind, at=at, note=note.strip(), recorded_by=acting_user
    )
    apply_event(event)
    touch(case)
    add_entry(
        case, EntryKind.EVENT, actor=acting_user, note=note.strip(), data={"event": kind}, at=at
    )
    audit.record(
        actor=acting_user, action="case.event", obj=case, data={"kind": kind, "at": at.isoformat()}
    )
    return event


@transaction.atomic
def do_assign_officer(
    case: Case, *, acting_user: Any, officer: User, expected_version: int
) -> Case:
    """指定主办民警: the officer must be allowed to work cases at the case's unit."""
    check_can(acting_user, "case.assign", case.jurisdiction)
    if not can(officer, "case.work", case.jurisdiction):
        raise ValidationFailed(
            _("%(name)s 无权办理该单位的案件") % {"name": officer},
            code="officer_out_of_scope",
            fields={"officer": _("无权办理该单位的案件")},
        )
    update_if_version(case, expected_version, officer=officer)
    add_entry(case, EntryKind.ASSIGNED, actor=acting_user, data={"officer": officer.username})
    audit.record(actor=acting_user, action="case.assign", obj=case, data={"officer": officer.pk})
    notify_later(
        [officer],
        kind="case.assigned",
        title=_("您被指定为 %(number)s 的主办民警") % {"number": case.number},
        case=case,
    )
    return case
