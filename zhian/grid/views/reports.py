"""Pages of grid reports and 吹哨报到: the phone form, lists, the report with its
referrals and timeline, the liaison's inbox, departments and their scorecard."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from zhian.core.attachments import attachment_response
from zhian.core.errors import NotFound, ServiceError, ValidationFailed
from zhian.core.pages import AuthenticatedRequest
from zhian.core.scoping import can
from zhian.grid import selectors
from zhian.grid.choices import ReferralStatus, ReportStatus, ReportType
from zhian.grid.models import ReportPhoto
from zhian.grid.services import reports as services
from zhian.grid.views.common import attempt, error_page, int_or_none, page_of, period_from


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    user = request.user
    return render(
        request,
        "grid/home.html",
        {
            "mine": selectors.reports_for(user, mine=True)[:10],
            "inbox": selectors.inbox_for(user)[:10],
            "awaiting": selectors.reports_for(
                user, mine=True, status=ReportStatus.AWAITING_VERIFICATION
            ).count(),
            "unrouted": selectors.reports_for(user, status=ReportStatus.UNROUTED).count(),
        },
    )


@login_required
@require_GET
def report_new(request: AuthenticatedRequest) -> HttpResponse:
    """The phone-first form; its script keeps the draft and sends it to the API."""
    return render(
        request,
        "grid/report_new.html",
        {
            "types": ReportType.choices,
            "config": {
                "api": reverse("api:submit_report"),
                "geojson": reverse("api:jurisdictions_geojson"),
                "detail": reverse("grid:report", args=[0]),
                "user": request.user.get_username(),
            },
        },
    )


@login_required
@require_GET
def report_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status", "")
    kind = request.GET.get("type", "")
    mine = request.GET.get("mine") == "1"
    qs = selectors.reports_for(
        request.user, status=status or None, report_type=kind or None, mine=mine
    )
    return render(
        request,
        "grid/report_list.html",
        {
            "page": page_of(request, qs),
            "statuses": ReportStatus.choices,
            "types": ReportType.choices,
            "status": status,
            "type": kind,
            "mine": mine,
        },
    )


@login_required
@require_GET
def report_detail(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    try:
        report = selectors.access_report(request.user, report_id)
    except NotFound as exc:
        return error_page(request, exc)
    user = request.user
    member_of = set(user.grid_memberships.values_list("department_id", flat=True))
    referrals = []
    for r in report.referrals.all():
        handles = r.department_id in member_of and can(user, "referral.handle", report.jurisdiction)
        checks = report.reporter_id == user.pk and can(
            user, "gridreport.verify", report.jurisdiction
        )
        referrals.append(
            {
                "obj": r,
                "can_sign": handles and r.status == ReferralStatus.PENDING_SIGN,
                "can_work": handles and r.status == ReferralStatus.SIGNED,
                "can_verify": checks and r.status == ReferralStatus.RESOLVED,
            }
        )
    photos = list(report.photos.select_related("attachment", "referral__department"))
    refer_to = []
    if can(user, "gridreport.refer", report.jurisdiction):
        taken = {r.department_id for r in report.referrals.all()}
        refer_to = [d for d in selectors.departments_for(user) if d.pk not in taken and d.active]
    return render(
        request,
        "grid/report_detail.html",
        {
            "report": report,
            "referrals": referrals,
            "events": report.events.all(),
            "photos": photos,
            "refer_to": refer_to,
        },
    )


@login_required
@require_POST
def referral_action(request: AuthenticatedRequest, referral_id: int, action: str) -> HttpResponse:
    """签收 / 进展 / 办结 / 核实 / 退回, from the report page."""
    user = request.user
    try:
        referral = selectors.access_referral(user, referral_id)
    except NotFound as exc:
        return error_page(request, exc)
    back = reverse("grid:report", args=[referral.report_id])
    post = request.POST
    version = int_or_none(post.get("version")) or 0
    actions = {
        "sign": (
            lambda: services.do_sign_referral(referral, acting_user=user, expected_version=version),
            _("已签收"),
        ),
        "progress": (
            lambda: services.do_add_progress(referral, acting_user=user, note=post.get("note", "")),
            _("进展已记录"),
        ),
        "resolve": (
            lambda: services.do_resolve_referral(
                referral,
                acting_user=user,
                expected_version=version,
                resolution=post.get("resolution", ""),
                photos=request.FILES.getlist("photos"),
            ),
            _("已办结，等待上报人核实"),
        ),
        "verify": (
            lambda: services.do_verify_referral(
                referral,
                acting_user=user,
                expected_version=version,
                rating=_rating(post.get("rating")),
                note=post.get("note", ""),
            ),
            _("已核实"),
        ),
        "reopen": (
            lambda: services.do_reopen_referral(
                referral,
                acting_user=user,
                expected_version=version,
                reason=post.get("reason", ""),
                rating=int_or_none(post.get("rating")),
            ),
            _("已退回重办"),
        ),
    }
    if action not in actions:
        return error_page(request, NotFound(_("未找到")))
    run, done = actions[action]
    return attempt(request, run, done=done, back=back)


def _rating(value: str | None) -> int:
    rating = int_or_none(value)
    if rating is None:
        raise ValidationFailed(_("请选择 1–5 星评价"), code="invalid_rating")
    return rating


@login_required
@require_POST
def report_refer(request: AuthenticatedRequest, report_id: int) -> HttpResponse:
    user = request.user
    try:
        report = selectors.access_report(user, report_id)
        department = (
            selectors.departments_for(user)
            .filter(pk=int_or_none(request.POST.get("department")) or 0)
            .first()
        )
        if department is None:
            raise NotFound(_("未找到该部门"))
    except NotFound as exc:
        return error_page(request, exc)
    return attempt(
        request,
        lambda: services.do_refer_report(
            report, department, acting_user=user, note=request.POST.get("note", "")
        ),
        done=_("已派单至%(dept)s") % {"dept": department.name},
        back=reverse("grid:report", args=[report.pk]),
    )


@login_required
@require_GET
def report_photo(request: AuthenticatedRequest, photo_id: int) -> HttpResponseBase:
    """A report's photo, to whoever may see the report (checked first, then the hash)."""
    photo = ReportPhoto.objects.select_related("attachment").filter(pk=photo_id).first()
    try:
        if photo is None:
            raise NotFound(_("未找到该照片"))
        selectors.access_report(request.user, photo.report_id)
        return attachment_response(photo.attachment, inline=True)
    except ServiceError as exc:
        return error_page(request, exc)


@login_required
@require_GET
def inbox(request: AuthenticatedRequest) -> HttpResponse:
    qs = selectors.inbox_for(request.user)
    return render(request, "grid/inbox.html", {"page": page_of(request, qs)})


@login_required
@require_GET
def departments(request: AuthenticatedRequest) -> HttpResponse:
    start, end = period_from(request)
    show_scores = (
        any(
            can(request.user, "scorecard.view", ra.jurisdiction)
            for ra in request.user.role_assignments.select_related("jurisdiction")
        )
        or request.user.is_superuser
    )
    return render(
        request,
        "grid/departments.html",
        {
            "departments": selectors.departments_for(request.user).prefetch_related("members"),
            "scores": selectors.scorecard(request.user, start, end) if show_scores else None,
            "start": start,
            "end": end,
        },
    )
