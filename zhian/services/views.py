"""Staff pages of 便民服务 at ``/services/``: queues with SLA countdowns for online reports,
appointments, consultations and complaints, scoped to the user's jurisdictions; every
action goes through an operation that checks permission and writes the audit row."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhian.core.attachments import attachment_response
from zhian.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from zhian.core.models import User
from zhian.core.models.notifications import OutboxMessage
from zhian.core.pages import AuthenticatedRequest, error_page, paginate, posted, run_action
from zhian.core.parties import mask_phone
from zhian.core.scoping import can
from zhian.services import selectors
from zhian.services.choices import OPEN_REPORT
from zhian.services.forms import (
    AnswerForm,
    AssignForm,
    ConcludeForm,
    ForwardForm,
    GridForm,
    NoteForm,
    PublicNoteForm,
    ReplyForm,
    RevealForm,
    VersionForm,
    VisitForm,
)
from zhian.services.models import Open311Client, ReportPhoto
from zhian.services.operations import appointments as appointment_ops
from zhian.services.operations import complaints as complaint_ops
from zhian.services.operations import consultations as consultation_ops
from zhian.services.operations import reports as report_ops
from zhian.services.operations.open311_clients import (
    do_create_open311_client,
    do_revoke_open311_client,
)
from zhian.services.operations.portal import default_bureau
from zhian.services.operations.surveys import satisfaction_by_station
from zhian.services.operations.tracking import public_timeline

TABS = ("reports", "appointments", "consultations", "complaints")


def _act(
    request: AuthenticatedRequest, back: str, action: Callable[[], Any], done: str
) -> HttpResponse:
    """Run one operation; out of scope → error page, anything else refused → a message."""
    try:
        return run_action(request, action, done=done, back=redirect(back))
    except (NotFound, PermissionDenied) as exc:
        return error_page(request, exc)


@login_required
@require_GET
def queue(request: AuthenticatedRequest) -> HttpResponse:
    """One tab per queue, oldest deadline first; ``?all=1`` includes finished items."""
    tab = request.GET.get("tab", "reports")
    tab = tab if tab in TABS else "reports"
    open_only = request.GET.get("all") != "1"
    user = request.user
    context: dict[str, Any] = {"tab": tab, "open_only": open_only}
    if tab == "reports":
        context["page"] = paginate(request, selectors.reports_for(user, open_only=open_only))
    elif tab == "appointments":
        try:
            day = date.fromisoformat(request.GET.get("day", ""))
        except ValueError:
            day = timezone.localdate()
        context.update(
            day=day,
            prev_day=day - timedelta(days=1),
            next_day=day + timedelta(days=1),
            page=paginate(request, selectors.appointments_for(user, day=day)),
        )
    elif tab == "consultations":
        context["page"] = paginate(request, selectors.consultations_for(user, open_only=open_only))
    else:
        context["page"] = paginate(request, selectors.complaints_for(user, open_only=open_only))
    return render(request, "services/queue.html", context)


# ---- online reports ------------------------------------------------------------------


@login_required
@require_GET
def report_detail(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    try:
        report = selectors.access_report(request.user, report_id)
    except NotFound as exc:
        return error_page(request, exc)
    version = {"version": report.version}
    return render(
        request,
        "services/report.html",
        {
            "report": report,
            "photos": list(report.photos.select_related("attachment")),
            "timeline": public_timeline(report.tracking),
            "notes": selectors.internal_notes(report.tracking_id),
            "can_handle": can(request.user, "report.handle", report.jurisdiction),
            "is_open": report.status in OPEN_REPORT,
            "masked_phone": mask_phone(report.tracking.phone) if report.tracking.phone else "",
            "forward_form": ForwardForm(
                initial={**version, "incident_category_code": report.incident_category_code}
            ),
            "grid_form": GridForm(initial=version),
            "note_form": PublicNoteForm(initial=version),
            "internal_form": NoteForm(),
            "reveal_form": RevealForm(),
            "version": report.version,
        },
    )


def _report_action(
    request: AuthenticatedRequest, report_id: int, run: Callable[..., Any], done: str
) -> HttpResponse:
    try:
        report = selectors.access_report(request.user, report_id)
    except NotFound as exc:
        return error_page(request, exc)
    return _act(request, f"/services/reports/{report_id}/", lambda: run(report), done)


@login_required
@require_POST
def report_accept(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    form = VersionForm(request.POST)
    version = int(form.data.get("version") or 0)
    return _report_action(
        request,
        report_id,
        lambda r: report_ops.do_accept_report(
            r, acting_user=request.user, expected_version=version
        ),
        _("已受理"),
    )


@login_required
@require_POST
def report_forward(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    d = posted(request, ForwardForm, _("请检查警情类别和坐标"))
    if d is None:
        return redirect(f"/services/reports/{report_id}/")
    return _report_action(
        request,
        report_id,
        lambda r: report_ops.do_forward_report(
            r,
            acting_user=request.user,
            expected_version=d["version"],
            incident_category_code=d["incident_category_code"],
            lon=d["lon"],
            lat=d["lat"],
        ),
        _("已转为警情"),
    )


@login_required
@require_POST
def report_to_grid(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    d = posted(request, GridForm, _("请选择网格事件类型"))
    if d is None:
        return redirect(f"/services/reports/{report_id}/")
    return _report_action(
        request,
        report_id,
        lambda r: report_ops.do_hand_to_grid(
            r,
            acting_user=request.user,
            expected_version=d["version"],
            report_type=d["report_type"],
        ),
        _("已转为网格事件"),
    )


def _with_note(
    request: AuthenticatedRequest, report_id: int, op: Callable[..., Any], done: str
) -> HttpResponse:
    d = posted(request, PublicNoteForm, _("请填写给群众的说明"))
    if d is None:
        return redirect(f"/services/reports/{report_id}/")
    return _report_action(
        request,
        report_id,
        lambda r: op(
            r, acting_user=request.user, expected_version=d["version"], public_note=d["public_note"]
        ),
        done,
    )


@login_required
@require_POST
def report_finish(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    return _with_note(request, report_id, report_ops.do_finish_report, _("已办结"))


@login_required
@require_POST
def report_reject(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    return _with_note(request, report_id, report_ops.do_reject_report, _("已不予受理"))


@login_required
@require_POST
def report_note(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _report_action(
        request,
        report_id,
        lambda r: report_ops.do_add_report_note(r, acting_user=request.user, text=text),
        _("已添加内部备注"),
    )


@login_required
@require_POST
def report_reveal(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    try:
        report = selectors.access_report(request.user, report_id)
        phone = report_ops.reveal_reporter_phone(
            report, acting_user=request.user, purpose=request.POST.get("purpose", "")
        )
    except (NotFound, PermissionDenied) as exc:
        return error_page(request, exc)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect(f"/services/reports/{report_id}/")
    return render(
        request,
        "services/revealed.html",
        {"phone": phone, "back": f"/services/reports/{report_id}/"},
    )


@login_required
@require_GET
def report_photo(request: AuthenticatedRequest, report_id: int, photo_id: int) -> HttpResponseBase:
    try:
        report = selectors.access_report(request.user, report_id)
    except NotFound as exc:
        return error_page(request, exc)
    photo = (
        ReportPhoto.objects.filter(report=report, pk=photo_id).select_related("attachment").first()
    )
    if photo is None:
        return error_page(request, NotFound(_("未找到该照片")))
    return attachment_response(photo.attachment, inline=True)


# ---- appointments ----------------------------------------------------------------------


@login_required
@require_POST
def appointment_visit(request: AuthenticatedRequest, appointment_id: int) -> HttpResponse:
    form = VisitForm(request.POST)
    back = request.POST.get("next", "/services/?tab=appointments")
    back = back if back.startswith("/services/") else "/services/"
    if not form.is_valid():
        messages.error(request, _("请选择办理结果"))
        return redirect(back)
    try:
        appointment = selectors.access_appointment(request.user, appointment_id)
    except NotFound as exc:
        return error_page(request, exc)
    return _act(
        request,
        back,
        lambda: appointment_ops.do_record_visit(
            appointment,
            acting_user=request.user,
            outcome=form.cleaned_data["outcome"],
            expected_version=form.cleaned_data["version"],
        ),
        _("已记录"),
    )


# ---- consultations ---------------------------------------------------------------------


@login_required
def consultation_detail(request: AuthenticatedRequest, consultation_id: int) -> HttpResponse:
    try:
        consultation = selectors.access_consultation(request.user, consultation_id)
    except NotFound as exc:
        return error_page(request, exc)
    form = AnswerForm(
        request.POST or None,
        initial={
            "version": consultation.version,
            "faq_question": consultation_ops.anonymise(consultation.question),
        },
    )
    status = 200
    if request.method == "POST" and form.is_valid():
        d = form.cleaned_data
        try:
            consultation_ops.do_answer_consultation(
                consultation,
                acting_user=request.user,
                expected_version=d["version"],
                answer=d["answer"],
                publish=d["publish"],
                faq_question=d["faq_question"],
            )
        except (NotFound, PermissionDenied) as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            form.add_error(None, exc.message)
            status = exc.status
        else:
            messages.success(request, _("已答复"))
            return redirect("/services/?tab=consultations")
    return render(
        request,
        "services/consultation.html",
        {
            "c": consultation,
            "form": form,
            "can_answer": can(request.user, "consultation.answer", consultation.jurisdiction),
        },
        status=status,
    )


# ---- complaints ------------------------------------------------------------------------


@login_required
@require_GET
def complaint_detail(request: AuthenticatedRequest, complaint_id: int) -> HttpResponse:
    try:
        complaint = selectors.access_complaint(request.user, complaint_id)
    except NotFound as exc:
        return error_page(request, exc)
    version = {"version": complaint.version}
    is_handler = complaint.handler_id == request.user.pk
    handlers = [(str(u.pk), str(u)) for u in complaint_ops.eligible_handlers(complaint.unit)]
    return render(
        request,
        "services/complaint.html",
        {
            "c": complaint,
            "timeline": public_timeline(complaint.tracking),
            "notes": selectors.internal_notes(complaint.tracking_id) if is_handler else [],
            "is_handler": is_handler,
            "can_assign": can(request.user, "complaint.assign", complaint.unit),
            "assign_form": AssignForm(initial=version, handlers=handlers),
            "conclude_form": ConcludeForm(initial=version),
            "reply_form": ReplyForm(initial=version),
            "internal_form": NoteForm(),
            "reveal_form": RevealForm(),
        },
    )


def _complaint_action(
    request: AuthenticatedRequest, complaint_id: int, run: Callable[..., Any], done: str
) -> HttpResponse:
    try:
        complaint = selectors.access_complaint(request.user, complaint_id)
    except NotFound as exc:
        return error_page(request, exc)
    return _act(request, f"/services/complaints/{complaint_id}/", lambda: run(complaint), done)


@login_required
@require_POST
def complaint_assign(request: AuthenticatedRequest, complaint_id: int) -> HttpResponse:
    handler = User.objects.filter(pk=request.POST.get("handler") or 0, is_active=True).first()
    version = int(request.POST.get("version") or 0)
    if handler is None:
        messages.error(request, _("请选择承办人"))
        return redirect(f"/services/complaints/{complaint_id}/")
    return _complaint_action(
        request,
        complaint_id,
        lambda c: complaint_ops.do_assign_complaint(
            c, acting_user=request.user, handler=handler, expected_version=version
        ),
        _("已指派承办人"),
    )


@login_required
@require_POST
def complaint_conclude(request: AuthenticatedRequest, complaint_id: int) -> HttpResponse:
    d = posted(request, ConcludeForm, _("请选择结论并写明理由"))
    if d is None:
        return redirect(f"/services/complaints/{complaint_id}/")
    return _complaint_action(
        request,
        complaint_id,
        lambda c: complaint_ops.do_conclude_complaint(
            c,
            acting_user=request.user,
            finding=d["finding"],
            reasons=d["reasons"],
            expected_version=d["version"],
        ),
        _("已作出结论"),
    )


@login_required
@require_POST
def complaint_reply(request: AuthenticatedRequest, complaint_id: int) -> HttpResponse:
    d = posted(request, ReplyForm, _("请填写答复内容"))
    if d is None:
        return redirect(f"/services/complaints/{complaint_id}/")
    return _complaint_action(
        request,
        complaint_id,
        lambda c: complaint_ops.do_reply_complaint(
            c, acting_user=request.user, reply=d["reply"], expected_version=d["version"]
        ),
        _("已答复投诉人"),
    )


@login_required
@require_POST
def complaint_note(request: AuthenticatedRequest, complaint_id: int) -> HttpResponse:
    text = request.POST.get("text", "")
    return _complaint_action(
        request,
        complaint_id,
        lambda c: complaint_ops.do_add_complaint_note(c, acting_user=request.user, text=text),
        _("已添加内部备注"),
    )


@login_required
@require_POST
def complaint_reveal(request: AuthenticatedRequest, complaint_id: int) -> HttpResponse:
    back = f"/services/complaints/{complaint_id}/"
    try:
        complaint = selectors.access_complaint(request.user, complaint_id)
        shown = complaint_ops.reveal_complainant(
            complaint, acting_user=request.user, purpose=request.POST.get("purpose", "")
        )
    except (NotFound, PermissionDenied) as exc:
        return error_page(request, exc)
    except ValidationFailed as exc:
        messages.error(request, exc.message)
        return redirect(back)
    return render(
        request,
        "services/revealed.html",
        {"phone": shown["phone"], "name": shown["name"], "back": back},
    )


# ---- figures and configuration -------------------------------------------------------


@login_required
@require_GET
def figures(request: AuthenticatedRequest) -> HttpResponse:
    """满意度 per station and 有效投诉 per unit for a period (default: this month)."""
    today = timezone.localdate()
    try:
        start = date.fromisoformat(request.GET.get("start", ""))
        end = date.fromisoformat(request.GET.get("end", ""))
    except ValueError:
        start, end = today.replace(day=1), today
    return render(
        request,
        "services/figures.html",
        {
            "start": start,
            "end": end,
            "satisfaction": satisfaction_by_station(request.user, start, end),
            "findings": complaint_ops.findings_by_unit(request.user, start, end),
        },
    )


@login_required
def open311_clients(request: AuthenticatedRequest) -> HttpResponse:
    """Administrators issue and revoke Open311 keys; the bureau's outbox is shown here too
    (phones masked)."""
    bureau = default_bureau()
    if not can(request.user, "open311.manage", bureau):
        return error_page(request, PermissionDenied(_("您的角色无权执行此操作")))
    secret = ""
    if request.method == "POST":
        try:
            if request.POST.get("revoke"):
                client = Open311Client.objects.get(pk=int(request.POST["revoke"]))
                do_revoke_open311_client(client, acting_user=request.user)
                messages.success(request, _("已停用"))
            else:
                _client, secret = do_create_open311_client(
                    acting_user=request.user, name=request.POST.get("name", "")
                )
        except (ServiceError, Open311Client.DoesNotExist, ValueError) as exc:
            messages.error(request, getattr(exc, "message", str(exc)))
    outbox = [
        (m, mask_phone(m.to_address)) for m in OutboxMessage.objects.order_by("-created_at")[:50]
    ]
    return render(
        request,
        "services/open311_clients.html",
        {"clients": Open311Client.objects.all(), "secret": secret, "outbox": outbox},
    )
