"""Pages of records (案件): list, open, case page with its actions, board, scores, rules,
dossier export. Each view parses, calls one service or selector, and renders."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from zhian.core.attachments import attachment_response
from zhian.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from zhian.core.exports import pdf_response, xlsx_response
from zhian.core.pages import AuthenticatedRequest, error_page, paginate, run_action
from zhian.core.parties import LegalBasis, PartyRole
from zhian.core.scoping import can, scope_paths
from zhian.dispatch.selectors import access_incident
from zhian.records import selectors
from zhian.records.choices import (
    CaseType,
    CustodyAction,
    EventKind,
    EvidenceKind,
    Stage,
)
from zhian.records.models import CaseCategory
from zhian.records.services import approvals as approval_services
from zhian.records.services import cases as case_services
from zhian.records.services import deadlines as deadline_services
from zhian.records.services import parties as party_services
from zhian.records.services import reviews as review_services
from zhian.records.services import rules as rule_services
from zhian.records.services.dossier import cases_to_xlsx, do_export_dossier
from zhian.records.stages import BY_STEP, next_stages


def _int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def _local_datetime(value: str) -> datetime | None:
    """A ``datetime-local`` input read in the bureau's zone."""
    parsed = parse_datetime(value or "")
    if parsed is None:
        return None
    return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed


def _act(
    request: AuthenticatedRequest, case_id: int, action: Callable[[], object], done: str
) -> HttpResponse:
    """Run one service call for a case-page form and go back to the case page: the
    ``done`` message on success, the service's message otherwise (out of scope or not
    allowed: the error page)."""
    try:
        return run_action(
            request, action, done=done, back=redirect("records:case", case_id=case_id)
        )
    except (NotFound, PermissionDenied) as exc:
        return error_page(request, exc)


def _filters(request: AuthenticatedRequest) -> selectors.CaseFilter:
    g = request.GET
    return selectors.CaseFilter(
        stage=g.get("stage", "")[:16],
        case_type=g.get("case_type", "")[:16],
        category=g.get("category", "")[:16],
        officer_id=_int(g.get("officer")) or None,
        mine=g.get("mine") == "1",
        flag=g.get("flag", "")[:16],
        q=g.get("q", "").strip()[:40],
    )


@login_required
@require_GET
def case_list(request: AuthenticatedRequest) -> HttpResponse:
    filters = _filters(request)
    cases = selectors.cases_for(request.user, filters).order_by("-accepted_at", "-pk")
    if request.GET.get("format") == "xlsx":
        return xlsx_response(cases_to_xlsx(cases[:10000]), "cases.xlsx")
    page = paginate(request, cases)
    return render(
        request,
        "records/case_list.html",
        {
            "page": page,
            "filters": filters,
            "stages": Stage.choices,
            "case_types": CaseType.choices,
            "categories": CaseCategory.objects.filter(active=True),
            "now": timezone.now(),
            "can_open": can_open_any(request.user),
        },
    )


def can_open_any(user: Any) -> bool:
    return scope_paths(user, "case.open") != []


@login_required
@never_cache
def open_case(request: AuthenticatedRequest) -> HttpResponse:
    """受案登记, from an incident (``?incident=``) or directly."""
    source = request.POST if request.method == "POST" else request.GET
    incident_ids = [i for i in (_int(x) for x in source.getlist("incident")) if i][:20]
    try:
        incidents = [access_incident(request.user, pk) for pk in incident_ids]
    except NotFound as exc:
        return error_page(request, exc)
    values = {
        "case_type": source.get("case_type", CaseType.ADMINISTRATIVE),
        "category": source.get("category", ""),
        "title": source.get("title", ""),
        "summary": source.get("summary", incidents[0].narrative if incidents else ""),
        "jurisdiction": source.get("jurisdiction", ""),
    }
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            case = case_services.do_open_case(
                acting_user=request.user,
                data=case_services.CaseInput(
                    case_type=values["case_type"],
                    category_code=values["category"],
                    title=values["title"][:200],
                    summary=values["summary"][:5000],
                    incident_ids=tuple(incident_ids),
                    jurisdiction_code=values["jurisdiction"][:32],
                ),
            )
        except (NotFound, PermissionDenied) as exc:
            return error_page(request, exc)
        except ValidationFailed as exc:
            errors = {k: str(v) for k, v in exc.extra.get("fields", {}).items()} or {
                "": exc.message
            }
        except ServiceError as exc:
            errors = {"": exc.message}
        else:
            messages.success(request, _("已受案，案件编号 %(number)s") % {"number": case.number})
            return redirect("records:case", case_id=case.pk)
    return render(
        request,
        "records/open_case.html",
        {
            "incidents": incidents,
            "values": values,
            "errors": errors,
            "case_types": CaseType.choices,
            "categories": CaseCategory.objects.filter(active=True),
        },
        status=422 if errors else 200,
    )


def _deadline_rows(case: Any, now: datetime) -> list[dict[str, Any]]:
    rows = []
    for d in selectors.case_deadlines(case):
        remaining = d.due_at - now
        rows.append(
            {
                "deadline": d,
                "flag": deadline_services.deadline_flag(d, now),
                "hours_left": int(remaining.total_seconds() // 3600),
                "days_left": remaining.days,
                "extensions_left": d.rule.max_extensions - len(d.extension_rows.all()),
            }
        )
    return rows


@login_required
@require_GET
@never_cache
def case_detail(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    try:
        case = selectors.access_case(request.user, case_id)
        timeline = selectors.case_timeline(request.user, case)
    except NotFound as exc:
        return error_page(request, exc)
    user, now = request.user, timezone.now()
    steps = [BY_STEP[(case.stage, target)] for target in next_stages(case.stage)]
    works = can(user, "case.work", case.jurisdiction) and case.officer_id in (user.pk, None)
    supervises = can(user, "case.approve", case.jurisdiction)
    return render(
        request,
        "records/case_detail.html",
        {
            "case": case,
            "timeline": timeline,
            "deadlines": _deadline_rows(case, now),
            "approvals": list(case.approvals.select_related("submitted_by", "decided_by")),
            "open_approval": selectors.open_approval(case),
            "parties": selectors.case_parties(case),
            "evidence": selectors.case_evidence(case),
            "incidents": list(case.incidents.all()),
            "work_steps": [s for s in steps if s.action == "case.work"] if works else [],
            "approve_steps": [s for s in steps if s.action == "case.approve" and not s.via_approval]
            if supervises
            else [],
            "submit_steps": [s for s in steps if s.via_approval] if works else [],
            "works": works,
            "supervises": supervises,
            "can_review": can(user, "case.review", case.jurisdiction)
            and case.stage in (Stage.CLOSED, Stage.TRANSFERRED, Stage.REVOKED, Stage.NOT_FILED)
            and not hasattr(case, "review"),
            "review": getattr(case, "review", None),
            "checklist": review_services.CHECKLIST,
            "event_kinds": [(k, EventKind(k).label) for k in case_services.MANUAL_EVENTS],
            "party_roles": PartyRole.choices,
            "legal_bases": LegalBasis.choices,
            "evidence_kinds": EvidenceKind.choices,
            "custody_actions": [c for c in CustodyAction.choices if c[0] != CustodyAction.SEIZED],
            "now": now,
        },
    )


@login_required
@require_POST
def case_edit(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    def act() -> None:
        case = selectors.access_case(request.user, case_id)
        changes = {
            name: request.POST[name]
            for name in case_services.EDITABLE_FIELDS
            if name in request.POST
        }
        case_services.do_update_case(
            case,
            acting_user=request.user,
            expected_version=_int(request.POST.get("version")),
            changes=changes,
        )

    return _act(request, case_id, act, _("已保存"))


@login_required
@require_POST
def case_move(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    def act() -> None:
        case = selectors.access_case(request.user, case_id)
        case_services.do_move_case(
            case,
            acting_user=request.user,
            target=request.POST.get("stage", "")[:16],
            expected_version=_int(request.POST.get("version")),
            note=request.POST.get("note", "")[:2000],
        )

    return _act(request, case_id, act, _("阶段已变更"))


@login_required
@require_POST
def case_submit(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    def act() -> None:
        case = selectors.access_case(request.user, case_id)
        approval_services.do_submit_for_approval(
            case,
            acting_user=request.user,
            target=request.POST.get("stage", "")[:16],
            expected_version=_int(request.POST.get("version")),
            note=request.POST.get("note", "")[:2000],
        )

    return _act(request, case_id, act, _("已提交审批"))


@login_required
@require_POST
def case_event(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    def act() -> None:
        case = selectors.access_case(request.user, case_id)
        at = _local_datetime(request.POST.get("at", ""))
        if at is None:
            raise ValidationFailed(_("请填写时间"), code="invalid_event")
        case_services.do_record_event(
            case,
            acting_user=request.user,
            kind=request.POST.get("kind", "")[:24],
            at=at,
            note=request.POST.get("note", "")[:200],
        )

    return _act(request, case_id, act, _("已登记"))


@login_required
@require_POST
def approval_decide(request: AuthenticatedRequest, approval_id: int) -> HttpResponse:
    try:
        approval = selectors.access_approval(request.user, approval_id)
    except NotFound as exc:
        return error_page(request, exc)
    decision = request.POST.get("decision", "")
    action = {
        "approve": approval_services.do_approve,
        "return": approval_services.do_return,
        "escalate": approval_services.do_escalate,
    }.get(decision)
    if action is None:
        messages.error(request, _("请选择审批意见"))
        return redirect("records:case", case_id=approval.case_id)
    reason = request.POST.get("reason", "")[:2000]
    return _act(
        request,
        approval.case_id,
        lambda: action(approval, acting_user=request.user, reason=reason),
        _("审批意见已记录"),
    )


@login_required
@require_POST
def deadline_extend(request: AuthenticatedRequest, deadline_id: int) -> HttpResponse:
    try:
        deadline = selectors.access_deadline(request.user, deadline_id)
    except NotFound as exc:
        return error_page(request, exc)
    return _act(
        request,
        deadline.case_id,
        lambda: deadline_services.do_extend_deadline(
            deadline,
            acting_user=request.user,
            option=_int(request.POST.get("option"), -1),
            amount=_int(request.POST.get("amount")),
            reason=request.POST.get("reason", "")[:2000],
            expected_version=_int(request.POST.get("version")),
        ),
        _("期限已延长"),
    )


@login_required
@require_POST
def case_review(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    def act() -> None:
        case = selectors.access_case(request.user, case_id)
        items = {code: request.POST.get(code) == "on" for code, _l, _p in review_services.CHECKLIST}
        review_services.do_review_case(
            case, acting_user=request.user, items=items, note=request.POST.get("note", "")[:2000]
        )

    return _act(request, case_id, act, _("考评已保存"))


@login_required
@require_POST
def party_add(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    def act() -> None:
        case = selectors.access_case(request.user, case_id)
        fields = (
            "role",
            "name",
            "legal_basis",
            "id_number",
            "phone",
            "address",
            "legal_basis_note",
        )
        party_services.do_add_party(
            case, acting_user=request.user, **{f: request.POST.get(f, "")[:300] for f in fields}
        )

    return _act(request, case_id, act, _("当事人已登记"))


@login_required
@require_POST
@never_cache
def party_reveal(request: AuthenticatedRequest, party_id: int) -> HttpResponse:
    """Clear values on a page of their own (never in a message or the session)."""
    try:
        party = selectors.access_party(request.user, party_id)
        clear = party_services.do_reveal_party(
            party, acting_user=request.user, purpose=request.POST.get("purpose", "")[:200]
        )
    except (NotFound, PermissionDenied) as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return redirect("records:case", case_id=party.case_id)
    return render(request, "records/party_reveal.html", {"party": party, "clear": clear})


@login_required
@require_POST
def evidence_add(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    def act() -> None:
        case = selectors.access_case(request.user, case_id)
        party_services.do_register_evidence(
            case,
            acting_user=request.user,
            kind=request.POST.get("kind", "")[:16],
            name=request.POST.get("name", "")[:200],
            holder=request.POST.get("holder", "")[:200],
            reason=request.POST.get("reason", "")[:300],
            description=request.POST.get("description", "")[:3000],
            quantity=request.POST.get("quantity", "")[:60],
        )

    return _act(request, case_id, act, _("证据物品已登记"))


@login_required
@require_POST
def custody_add(request: AuthenticatedRequest, evidence_id: int) -> HttpResponse:
    try:
        evidence = selectors.access_evidence(request.user, evidence_id)
    except NotFound as exc:
        return error_page(request, exc)
    return _act(
        request,
        evidence.case_id,
        lambda: party_services.do_record_custody(
            evidence,
            acting_user=request.user,
            action=request.POST.get("action", "")[:16],
            to_holder=request.POST.get("to_holder", "")[:200],
            reason=request.POST.get("reason", "")[:300],
        ),
        _("保管记录已添加"),
    )


@login_required
@require_POST
def evidence_upload(request: AuthenticatedRequest, evidence_id: int) -> HttpResponse:
    try:
        evidence = selectors.access_evidence(request.user, evidence_id)
    except NotFound as exc:
        return error_page(request, exc)
    upload = request.FILES.get("file")

    def act() -> None:
        if upload is None:
            raise ValidationFailed(_("请选择文件"), code="attachment_empty")
        party_services.do_attach_evidence_file(evidence, acting_user=request.user, upload=upload)

    return _act(request, evidence.case_id, act, _("附件已上传"))


@login_required
@require_GET
def evidence_file(request: AuthenticatedRequest, file_id: int) -> HttpResponseBase:
    """Served only to users who may see the case; the hash is re-checked first."""
    try:
        row = selectors.access_evidence_file(request.user, file_id)
        return attachment_response(row.attachment)
    except ServiceError as exc:
        return error_page(request, exc)


@login_required
@require_GET
@never_cache
def board(request: AuthenticatedRequest) -> HttpResponse:
    data = selectors.board_for(request.user)
    return render(request, "records/board.html", data)


@login_required
@require_GET
def scores(request: AuthenticatedRequest) -> HttpResponse:
    """执法质量 scores per officer and per station over a period (default: last 90 days)."""
    today = timezone.localdate()
    since_day = _date(request.GET.get("since")) or today - timedelta(days=90)
    until_day = _date(request.GET.get("until")) or today
    since = timezone.make_aware(datetime.combine(since_day, datetime.min.time()))
    until = timezone.make_aware(
        datetime.combine(until_day + timedelta(days=1), datetime.min.time())
    )
    return render(
        request,
        "records/scores.html",
        {
            "since": since_day,
            "until": until_day,
            "by_officer": selectors.review_scores(request.user, since, until),
            "by_station": selectors.review_scores(request.user, since, until, by="station"),
        },
    )


def _date(value: str | None) -> Any:
    from django.utils.dateparse import parse_date

    try:
        return parse_date(value or "")
    except ValueError:
        return None


@login_required
@require_GET
def rule_list(request: AuthenticatedRequest) -> HttpResponse:
    try:
        rules = list(selectors.rules_for(request.user))
    except PermissionDenied as exc:
        return error_page(request, exc)
    return render(
        request,
        "records/rules.html",
        {
            "rules": rules,
            "can_revise": scope_paths(request.user, "deadline_rule.manage") != [],
            "can_admin": request.user.is_staff,
        },
    )


@login_required
@require_POST
def rule_revise(request: AuthenticatedRequest, rule_id: int) -> HttpResponse:
    """新增修订: a new version of a rule from a date (the old row stays for earlier periods)."""
    back = redirect("records:rules")
    try:
        rule_services.check_can_manage_rules(request.user)
        base = selectors.access_rule(request.user, rule_id)
        valid_from = _date(request.POST.get("valid_from"))
        effective = _date(request.POST.get("effective_date")) or valid_from
        if valid_from is None:
            raise ValidationFailed(_("请填写适用起始日"), code="invalid_rule")
        rule_services.do_add_rule_revision(
            base,
            acting_user=request.user,
            valid_from=valid_from,
            effective_date=effective,
            amount=_int(request.POST.get("amount")),
            article=request.POST.get("article", "")[:60],
            legal_text=request.POST.get("legal_text", "")[:5000],
            law=request.POST.get("law", "")[:120],
        )
    except (NotFound, PermissionDenied) as exc:
        return error_page(request, exc)
    except ServiceError as exc:
        messages.error(request, exc.message)
        return back
    messages.success(request, _("已新增规则版本"))
    return back


@login_required
@require_GET
def dossier_pdf(request: AuthenticatedRequest, case_id: int) -> HttpResponse:
    try:
        case = selectors.access_case(request.user, case_id)
        data = do_export_dossier(case, acting_user=request.user)
        return pdf_response(data, f"{case.number}.pdf")
    except ServiceError as exc:
        return error_page(request, exc)
