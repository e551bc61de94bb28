"""The public portal (便民服务网站) at ``/s/``: no log-in, nothing runs as staff. Each view
parses a form, calls one operation and renders; refusals become form errors."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from zhian.core.errors import Conflict, NotFound, ServiceError, ValidationFailed
from zhian.core.extensions import portal_links
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.services import selectors
from zhian.services.forms import (
    BookForm,
    ComplaintForm,
    ConsultationForm,
    ReportForm,
    SurveyForm,
    TrackForm,
)
from zhian.services.operations import ratelimits
from zhian.services.operations.appointments import (
    book_appointment,
    bookable_slots,
    cancel_appointment,
    reschedule_appointment,
)
from zhian.services.operations.complaints import ComplaintInput, submit_complaint
from zhian.services.operations.consultations import submit_consultation
from zhian.services.operations.portal import Citizen, stations
from zhian.services.operations.reports import ReportInput, submit_report
from zhian.services.operations.surveys import answer_survey, survey_for_token
from zhian.services.operations.tracking import format_code

GET_POST = require_http_methods(["GET", "POST"])


def _citizen(request: HttpRequest) -> Citizen:
    return Citizen(ip=request.META.get("REMOTE_ADDR", ""))


def _page(
    request: HttpRequest, template: str, context: dict[str, Any], status: int = 200
) -> HttpResponse:
    """Render a portal page; every page knows the retention and SLA figures it states."""
    context = {
        "retention_days": settings.ZHIAN_CONTACT_RETENTION_DAYS,
        "sla_hours": settings.ZHIAN_CONSULTATION_SLA_HOURS,
        "complaint_days": settings.ZHIAN_COMPLAINT_DAYS,
        **context,
    }
    return render(request, f"services/portal/{template}", context, status=status)


def _refused(form: Any, exc: ServiceError) -> int:
    if isinstance(exc, ValidationFailed):
        form.add_service_error(exc)
    else:
        form.add_error(None, exc.message)
    return exc.status


def _bot(form: Any) -> int:
    form.add_error(None, _("提交未成功，请刷新页面后重试"))
    return 400


def home(request: HttpRequest) -> HttpResponse:
    return _page(request, "home.html", {"more": portal_links()})


def privacy(request: HttpRequest) -> HttpResponse:
    return _page(request, "privacy.html", {})


def _receipt(
    request: HttpRequest, kind: str, code: str, extra: dict[str, Any] | None = None
) -> HttpResponse:
    return _page(
        request,
        "receipt.html",
        {"kind": kind, "code": format_code(code), **(extra or {})},
        status=201,
    )


@never_cache
@GET_POST
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        if form.is_bot():
            status = _bot(form)
        elif form.is_valid():
            d = form.cleaned_data
            try:
                created = submit_report(
                    ReportInput(
                        category=d["category"],
                        description=d["description"],
                        phone=d["phone"],
                        address=d["address"],
                        lon=d["lon"],
                        lat=d["lat"],
                        occurred_at=d["occurred_at"],
                        photos=tuple(d["photos"]),
                    ),
                    citizen=_citizen(request),
                )
            except ServiceError as exc:
                status = _refused(form, exc)
            else:
                return _receipt(request, _("网上报警"), created.tracking.code)
        else:
            status = 422
    return _page(request, "report.html", {"form": form}, status)


def _station(code: str, service: Any) -> Jurisdiction | None:
    if not code:
        return None
    return service.stations.filter(code=code, kind=JurisdictionKind.STATION).first()


@never_cache
@GET_POST
def book(request: HttpRequest) -> HttpResponse:
    """Choose a service, a station and a day; then a slot and give the phone."""
    services = list(selectors.active_services())
    service = next((s for s in services if s.code == request.GET.get("service")), None)
    station = _station(request.GET.get("station", ""), service) if service else None
    days = selectors.open_days(service, station) if service and station else []
    day: date | None
    try:
        day = date.fromisoformat(request.GET.get("day", ""))
    except ValueError:
        day = days[0] if days else None
    form = BookForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_bot():
            status = _bot(form)
        elif form.is_valid():
            try:
                appointment = book_appointment(
                    slot_id=form.cleaned_data["slot"],
                    phone=form.cleaned_data["phone"],
                    citizen=_citizen(request),
                )
            except ServiceError as exc:
                status = _refused(form, exc)
            else:
                return _receipt(
                    request, _("网上预约"), appointment.tracking.code, {"appointment": appointment}
                )
        else:
            status = 422
    slots = list(bookable_slots(service, station, day)) if service and station and day else []
    return _page(
        request,
        "book.html",
        {
            "services": services,
            "service": service,
            "station": station,
            "days": days,
            "day": day,
            "slots": slots,
            "form": form,
            "chosen_slot": form.data.get("slot", ""),
        },
        status,
    )


@never_cache
@GET_POST
def track(request: HttpRequest) -> HttpResponse:
    """Code + last four digits → status and public timeline; a booked appointment can be
    cancelled or moved from here (the code and digits come back with the action)."""
    form = TrackForm(request.POST or None)
    view = None
    status = 200
    notice = ""
    other_slots: list[Any] = []
    if request.method == "POST" and form.is_valid():
        code, last4 = form.cleaned_data["code"], form.cleaned_data["last4"]
        action = request.POST.get("action", "")
        try:
            ratelimits.hit("track_ip", _citizen(request).ip or "-")
            if action == "cancel":
                cancel_appointment(code=code, last4=last4, citizen=_citizen(request))
                notice = _("预约已取消，名额已释放")
            elif action == "reschedule":
                reschedule_appointment(
                    code=code,
                    last4=last4,
                    slot_id=int(request.POST.get("slot") or 0),
                    citizen=_citizen(request),
                )
                notice = _("已改约到新的时段")
            view = selectors.public_view(code, last4)
        except (NotFound, Conflict, ValidationFailed, ratelimits.RateLimited) as exc:
            form.add_error(None, exc.message)
            status = exc.status
            if action and not isinstance(exc, NotFound | ratelimits.RateLimited):
                view = selectors.public_view(code, last4)
        if view is not None and view.appointment is not None:
            slot = view.appointment.slot
            other_slots = [
                s
                for s in bookable_slots(slot.service, slot.station, slot.day).exclude(pk=slot.pk)
                if s.remaining
            ]
    elif request.method == "POST":
        status = 422
    return _page(
        request,
        "track.html",
        {"form": form, "view": view, "notice": notice, "other_slots": other_slots},
        status,
    )


@never_cache
@GET_POST
def consult(request: HttpRequest) -> HttpResponse:
    station_rows = stations()
    form = ConsultationForm(request.POST or None, stations=[(s.code, s.name) for s in station_rows])
    status = 200
    if request.method == "POST":
        if form.is_bot():
            status = _bot(form)
        elif form.is_valid():
            d = form.cleaned_data
            chosen = next((s for s in station_rows if s.code == d["station"]), None)
            try:
                created = submit_consultation(
                    topic=d["topic"],
                    question=d["question"],
                    phone=d["phone"],
                    station=chosen,
                    citizen=_citizen(request),
                )
            except ServiceError as exc:
                status = _refused(form, exc)
            else:
                return _receipt(request, _("在线咨询"), created.tracking.code)
        else:
            status = 422
    return _page(request, "consult.html", {"form": form}, status)


def faq(request: HttpRequest) -> HttpResponse:
    topic = request.GET.get("q", "")[:50]
    return _page(request, "faq.html", {"entries": selectors.faq_entries(topic)[:100], "q": topic})


@never_cache
@GET_POST
def complaint(request: HttpRequest) -> HttpResponse:
    form = ComplaintForm(request.POST or None, units=selectors.complaint_units())
    status = 200
    if request.method == "POST":
        if form.is_bot():
            status = _bot(form)
        elif form.is_valid():
            d = form.cleaned_data
            unit = Jurisdiction.objects.defer("boundary").get(code=d["unit"])
            try:
                created = submit_complaint(
                    ComplaintInput(
                        unit=unit,
                        description=d["description"],
                        phone=d["phone"],
                        officer_reference=d["officer_reference"],
                        complainant_name=d["complainant_name"],
                        occurred_at=d["occurred_at"],
                    ),
                    citizen=_citizen(request),
                )
            except ServiceError as exc:
                status = _refused(form, exc)
            else:
                return _receipt(request, _("警务投诉"), created.tracking.code)
        else:
            status = 422
    return _page(request, "complaint.html", {"form": form}, status)


@never_cache
@GET_POST
def survey(request: HttpRequest, token: str) -> HttpResponse:
    try:
        survey_for_token(token)
    except (NotFound, Conflict) as exc:
        return _page(request, "survey_closed.html", {"message": exc.message}, exc.status)
    form = SurveyForm(request.POST or None)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                answer_survey(
                    token,
                    rating=form.cleaned_data["rating"],
                    reason=form.cleaned_data["reason"],
                    citizen=_citizen(request),
                )
            except ServiceError as exc:
                status = _refused(form, exc)
            else:
                return _page(
                    request, "survey_closed.html", {"message": _("感谢您的评价！"), "thanks": True}
                )
        else:
            status = 422
    return _page(request, "survey.html", {"form": form}, status)
