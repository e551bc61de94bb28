"""Pages of disputes (矛盾纠纷): list, register (also from a 110 incident), the dispute
with its masked parties, risk reasons, mediation, agreements, follow-ups, hand-over."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhian.core.attachments import attachment_response
from zhian.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from zhian.core.pages import AuthenticatedRequest
from zhian.core.parties import LegalBasis, PartyRole
from zhian.core.scoping import can
from zhian.grid import selectors
from zhian.grid.choices import (
    OPEN_DISPUTE,
    DisputeStatus,
    DisputeType,
    MediationOutcome,
    RiskLevel,
)
from zhian.grid.models import DisputeAgreement, DisputeParty, FollowUpVisit
from zhian.grid.services import disputes as services
from zhian.grid.views.common import attempt, error_page, int_or_none, page_of


@login_required
@require_GET
def dispute_list(request: AuthenticatedRequest) -> HttpResponse:
    status, risk = request.GET.get("status", ""), request.GET.get("risk", "")
    qs = selectors.disputes_for(request.user, status=status or None, risk=risk or None)
    return render(
        request,
        "grid/dispute_list.html",
        {
            "page": page_of(request, qs),
            "statuses": DisputeStatus.choices,
            "risks": RiskLevel.choices,
            "status": status,
            "risk": risk,
        },
    )


def _flag(post: Any, name: str) -> bool:
    return post.get(name) in ("1", "on", "true")


def _float(value: str | None, field: str) -> float:
    try:
        return float(value or "")
    except ValueError:
        raise ValidationFailed(
            _("请填写坐标"), code="invalid_dispute", fields={field: ""}
        ) from None


@login_required
@require_http_methods(["GET", "POST"])
def dispute_new(request: AuthenticatedRequest) -> HttpResponse:
    values: dict[str, Any] = {}
    error = ""
    if request.method == "POST":
        post = request.POST
        values = post.dict()
        try:
            dispute = services.do_register_dispute(
                services.DisputeInput(
                    dispute_type=post.get("dispute_type", ""),
                    title=post.get("title", ""),
                    summary=post.get("summary", ""),
                    address=post.get("address", ""),
                    lon=_float(post.get("lon"), "lon"),
                    lat=_float(post.get("lat"), "lat"),
                    crs=post.get("crs", "wgs84"),
                    threat_of_violence=_flag(post, "threat_of_violence"),
                    weapon_mentioned=_flag(post, "weapon_mentioned"),
                ),
                acting_user=request.user,
            )
        except (NotFound, PermissionDenied) as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            error = exc.message
        else:
            return HttpResponseRedirect(reverse("grid:dispute", args=[dispute.pk]))
    return render(
        request,
        "grid/dispute_new.html",
        {"types": DisputeType.choices, "values": values, "error": error},
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def dispute_from_incident(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    """Confirm, then open a dispute from a 110 dispute incident (the incident page links
    here through ``core.extensions``)."""
    if request.method == "POST":
        try:
            dispute = services.do_open_dispute_from_incident(incident_id, acting_user=request.user)
        except (NotFound, PermissionDenied) as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            return render(request, "core/error.html", {"message": exc.message}, status=exc.status)
        return HttpResponseRedirect(reverse("grid:dispute", args=[dispute.pk]))
    try:
        services.check_can_open_dispute_from(incident_id, acting_user=request.user)
    except ServiceError as exc:
        return error_page(request, exc)
    return render(request, "grid/dispute_from_incident.html", {"incident_id": incident_id})


@login_required
@never_cache
@require_GET
def dispute_detail(request: AuthenticatedRequest, dispute_id: int) -> HttpResponse:
    try:
        dispute = selectors.access_dispute(request.user, dispute_id)
    except NotFound as exc:
        return error_page(request, exc)
    user = request.user
    return render(
        request,
        "grid/dispute_detail.html",
        {
            "dispute": dispute,
            "manage": can(user, "dispute.manage", dispute.jurisdiction)
            and dispute.status in OPEN_DISPUTE,
            "can_reveal": can(user, "dispute.party_reveal", dispute.jurisdiction),
            "can_raise": dispute.risk_level == RiskLevel.HIGH
            and dispute.raised_incident_id is None
            and can(user, "incident.create", dispute.jurisdiction),
            "roles": PartyRole.choices,
            "bases": LegalBasis.choices,
            "outcomes": MediationOutcome.choices,
            "committees": [
                d
                for d in selectors.departments_for(user)
                if d.kind == "mediation_committee" and d.active
            ],
            "revealed": request.session.pop(f"grid_revealed_{dispute.pk}", None),
        },
    )


@login_required
@require_POST
def dispute_action(request: AuthenticatedRequest, dispute_id: int, action: str) -> HttpResponse:
    user = request.user
    try:
        dispute = selectors.access_dispute(user, dispute_id)
    except NotFound as exc:
        return error_page(request, exc)
    post, back = request.POST, reverse("grid:dispute", args=[dispute_id])

    def when(name: str) -> date:
        try:
            return date.fromisoformat(post.get(name, ""))
        except ValueError:
            raise ValidationFailed(_("日期无效"), code="invalid_date") from None

    def risk() -> object:
        return services.do_update_risk_factors(
            dispute,
            acting_user=user,
            expected_version=int_or_none(post.get("version")) or 0,
            threat_of_violence=_flag(post, "threat_of_violence"),
            weapon_mentioned=_flag(post, "weapon_mentioned"),
            summary=post.get("summary") or None,
        )

    def committee() -> object:
        found = [
            d
            for d in selectors.departments_for(user)
            if d.pk == int_or_none(post.get("department"))
        ]
        if not found:
            raise ValidationFailed(_("请选择人民调解委员会"), code="not_mediation_committee")
        return services.do_hand_over_to_mediation(dispute, found[0], acting_user=user)

    def follow_up_done() -> object:
        visit = FollowUpVisit.objects.filter(
            pk=int_or_none(post.get("visit")) or 0, dispute=dispute
        ).first()
        if visit is None:
            raise NotFound(_("未找到该回访"))
        return services.do_complete_follow_up(visit, acting_user=user, note=post.get("note", ""))

    actions = {
        "risk": (risk, _("已更新并重新评估风险")),
        "party": (
            lambda: services.do_add_party(
                dispute,
                acting_user=user,
                role=post.get("role", ""),
                name=post.get("name", ""),
                id_number=post.get("id_number", ""),
                phone=post.get("phone", ""),
                address=post.get("address", ""),
                legal_basis=post.get("legal_basis", ""),
            ),
            _("当事人已登记"),
        ),
        "session": (
            lambda: services.do_record_session(
                dispute,
                acting_user=user,
                mediator=post.get("mediator", ""),
                held_on=when("held_on"),
                outcome=post.get("outcome", ""),
                notes=post.get("notes", ""),
            ),
            _("调解记录已保存"),
        ),
        "agreement": (
            lambda: (
                services.do_attach_agreement(dispute, request.FILES.get("file"), acting_user=user)
                if request.FILES.get("file")
                else _missing_file()
            ),
            _("调解协议已上传"),
        ),
        "follow_up": (
            lambda: services.do_schedule_follow_up(
                dispute, acting_user=user, due_on=when("due_on")
            ),
            _("已安排回访"),
        ),
        "follow_up_done": (follow_up_done, _("回访已记录")),
        "hand_over": (committee, _("已移交人民调解委员会")),
        "raise_incident": (
            lambda: services.do_raise_incident(dispute, acting_user=user),
            _("已转为警情"),
        ),
        "close": (
            lambda: services.do_close_dispute(
                dispute,
                acting_user=user,
                expected_version=int_or_none(post.get("version")) or 0,
                settled=_flag(post, "settled"),
                note=post.get("note", ""),
            ),
            _("纠纷已结案"),
        ),
    }
    if action not in actions:
        return error_page(request, NotFound(_("未找到")))
    run, done = actions[action]
    return attempt(request, run, done=done, back=back)


def _missing_file() -> object:
    raise ValidationFailed(_("请选择文件"), code="attachment_empty")


@login_required
@require_POST
def party_reveal(request: AuthenticatedRequest, party_id: int) -> HttpResponse:
    """Show one party's clear data once, after the purpose is logged (查询事由)."""
    party = DisputeParty.objects.select_related("dispute__jurisdiction").filter(pk=party_id).first()
    try:
        if party is None:
            raise NotFound(_("未找到该当事人"))
        selectors.access_dispute(request.user, party.dispute_id)
    except NotFound as exc:
        return error_page(request, exc)
    back = reverse("grid:dispute", args=[party.dispute_id])

    def reveal() -> None:
        clear = services.do_reveal_party(
            party, acting_user=request.user, purpose=request.POST.get("purpose", "")
        )
        request.session[f"grid_revealed_{party.dispute_id}"] = {"party": party.pk, **clear}

    return attempt(request, reveal, done=_("已记录查询事由"), back=back)


@login_required
@require_GET
def agreement_file(request: AuthenticatedRequest, agreement_id: int) -> HttpResponseBase:
    agreement = (
        DisputeAgreement.objects.select_related("attachment").filter(pk=agreement_id).first()
    )
    try:
        if agreement is None:
            raise NotFound(_("未找到该文件"))
        selectors.access_dispute(request.user, agreement.dispute_id)
        return attachment_response(agreement.attachment)
    except ServiceError as exc:
        return error_page(request, exc)
