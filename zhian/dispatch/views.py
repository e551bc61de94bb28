"""Pages of 接处警: intake, the incident (dispatch, timeline, plans), the live board, units
and 1-3-5 coverage. Views parse, authorise, call a service and render; nothing else."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any, Protocol

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from zhian.core import selectors as core_selectors
from zhian.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from zhian.core.extensions import incident_actions
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import can, scope_paths
from zhian.core.views import PAGE_SIZE, AuthenticatedRequest
from zhian.dispatch import selectors
from zhian.dispatch.choices import (
    ACTIVE_INCIDENT,
    IncidentStatus,
    Priority,
    TimelineKind,
    UnitStatus,
)
from zhian.dispatch.forms import (
    CRS_CHOICES,
    STEP_CHOICES,
    CloseForm,
    DispatchForm,
    EditIncidentForm,
    IncidentForm,
    MergeForm,
    PlanStepForm,
    ReassignForm,
    RevealForm,
    StepForm,
    UnitAvailabilityForm,
    category_groups,
)
from zhian.dispatch.models import Assignment, Incident, IncidentCategory, Unit
from zhian.dispatch.services.assignments import (
    do_advance_assignment,
    do_cancel_assignment,
    do_dispatch_units,
    do_reassign,
)
from zhian.dispatch.services.clocks import response_clock
from zhian.dispatch.services.incidents import (
    do_add_feedback,
    do_close_incident,
    do_create_incident,
    do_merge_incident,
    do_update_incident,
    find_probable_duplicates,
    location_history,
    reveal_callers,
)
from zhian.dispatch.services.plans import checklist, do_complete_plan_step
from zhian.dispatch.services.routing import coverage_for, recommend_for_incident
from zhian.dispatch.services.units import do_set_unit_availability

# Buttons offered on an active assignment, by the unit's current status. The services
# enforce the status machine; this only keeps impossible buttons off the page.
NEXT_STEPS: dict[str, list[str]] = {
    UnitStatus.DISPATCHED: ["en_route", "on_scene"],
    UnitStatus.EN_ROUTE: ["on_scene"],
    UnitStatus.ON_SCENE: ["transporting", "cleared"],
    UnitStatus.TRANSPORTING: ["cleared"],
}
STEP_LABELS = dict(STEP_CHOICES)
THRESHOLD_COLOURS = ["#1b5e20", "#f9a825", "#ef6c00"]  # 1, 3, 5 minutes


def _error_page(request: AuthenticatedRequest, exc: ServiceError) -> HttpResponse:
    """NotFound (also outside the caller's scope) → 404 page, PermissionDenied → 403 page."""
    return render(request, "core/error.html", {"message": exc.message}, status=exc.status)


def _failed(request: AuthenticatedRequest, exc: ServiceError, back: HttpResponse) -> HttpResponse:
    """An action refused: out of scope or not allowed → error page; anything else (a state
    conflict, a bad value) → the message on the page the user came from."""
    if isinstance(exc, NotFound | PermissionDenied):
        return _error_page(request, exc)
    messages.error(request, exc.message)
    return back


class _ServiceForm(Protocol):
    def add_service_error(self, exc: ValidationFailed) -> None: ...
    def add_error(self, field: str | None, error: Any) -> None: ...


def _submit(
    request: AuthenticatedRequest,
    form: _ServiceForm,
    action: Callable[[], object],
    *,
    done: str,
    incident: Incident,
) -> HttpResponse | int:
    """Run a valid form's service call. On success: the ``done`` message and back to the
    incident. Out of scope or not allowed: the error page. Otherwise the status to render
    the form with, after putting the service's message on it (on its field, if named)."""
    try:
        action()
    except ValidationFailed as exc:
        form.add_service_error(exc)
        return 422
    except (NotFound, PermissionDenied) as exc:
        return _error_page(request, exc)
    except ServiceError as exc:
        form.add_error(None, exc.message)
        return exc.status
    messages.success(request, done)
    return _back(incident)


def _forbidden(request: AuthenticatedRequest, message: str) -> HttpResponse:
    return render(request, "core/error.html", {"message": message}, status=403)


def _active_categories() -> list[IncidentCategory]:
    return list(IncidentCategory.objects.filter(active=True).select_related("parent"))


def mask_name(name: str) -> str:
    """张三丰 → 张**: enough to tell calls apart without showing the person."""
    name = name.strip()
    return name[:1] + "*" * max(1, len(name) - 1) if name else ""


def mask_phone(phone: str) -> str:
    """13812345678 → 138****5678."""
    digits = phone.strip()
    if len(digits) < 7:
        return "*" * len(digits)
    return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]


def _lonlat(obj: Incident | Unit) -> list[float] | None:
    if obj.lon is None or obj.lat is None:
        return None
    return [round(obj.lon, 6), round(obj.lat, 6)]


# --------------------------------------------------------------------------- intake


@login_required
@never_cache
def intake(request: AuthenticatedRequest) -> HttpResponse:
    if scope_paths(request.user, "incident.create") == []:
        return _forbidden(request, _("您的角色无权接警登记"))
    categories = _active_categories()
    form = IncidentForm(request.POST or None, categories=categories)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                incident = do_create_incident(form.to_input(), acting_user=request.user)
            except ValidationFailed as exc:
                form.add_service_error(exc)
                status = exc.status
            except (NotFound, PermissionDenied) as exc:
                return _error_page(request, exc)
            except ServiceError as exc:
                form.add_error(None, exc.message)
                status = exc.status
            else:
                messages.success(request, _("已登记警情 %(number)s") % {"number": incident.number})
                return redirect("dispatch:incident", incident_id=incident.pk)
        else:
            status = 422
    return render(
        request,
        "dispatch/intake.html",
        {
            "form": form,
            "groups": category_groups(categories),
            "crs_choices": CRS_CHOICES,
            "priorities": Priority.choices,
        },
        status=status,
    )


# --------------------------------------------------------------------------- incidents


@login_required
@never_cache
def incident_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in {"", "active", *IncidentStatus.values}:
        status = ""
    qs = selectors.incidents_for(
        request.user,
        status=status if status in IncidentStatus.values else None,
        active=True if status == "active" else None,
    )
    q = (request.GET.get("q") or "").strip()
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(address__icontains=q))
    page = Paginator(qs.order_by("-received_at"), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "dispatch/incident_list.html",
        {"page": page, "status": status, "q": q, "statuses": IncidentStatus.choices},
    )


def _minutes_seconds(seconds: float | None) -> str:
    """95.4 → "1:36" (rounded up, as the 1/3/5-minute bands count); None → "" (the
    step has not happened)."""
    if seconds is None:
        return ""
    whole = math.ceil(seconds)
    return f"{whole // 60}:{whole % 60:02d}"


def _detail_context(request: AuthenticatedRequest, incident: Incident) -> dict[str, Any]:
    user = request.user
    jurisdiction = incident.jurisdiction
    active = incident.status in ACTIVE_INCIDENT
    may_dispatch = can(user, "incident.dispatch", jurisdiction)
    may_close = can(user, "incident.close", jurisdiction)
    may_reveal = can(user, "caller.reveal", jurisdiction)

    assignments = list(
        incident.assignments.select_related("unit__station", "dispatched_by").order_by(
            "dispatched_at", "pk"
        )
    )
    clock = response_clock(incident, assignments)
    current = [a for a in assignments if a.active]
    for a in current:
        a.may_report = can(user, "unit.report", a.unit.station)  # type: ignore[attr-defined]
        a.next_steps = [  # type: ignore[attr-defined]
            (s, STEP_LABELS[s]) for s in NEXT_STEPS.get(a.unit.status, [])
        ]
    suggestions = (
        recommend_for_incident(incident, acting_user=user) if active and may_dispatch else None
    )
    suggested_ids = {s.unit.pk for s in suggestions.units} if suggestions else set()
    spare_units = (
        list(selectors.units_for(user, status=UnitStatus.AVAILABLE).order_by("call_sign")[:200])
        if active and may_dispatch
        else []
    )
    duplicates: list[dict[str, Any]] = (
        [
            {"incident": other, "distance_m": dist}
            for other, dist in find_probable_duplicates(incident, acting_user=user)
        ]
        if active
        else []
    )
    calls = list(incident.calls.select_related("taken_by"))
    for call in calls:
        call.masked_name = mask_name(call.caller_name)  # type: ignore[attr-defined]
        call.masked_phone = mask_phone(call.caller_phone)  # type: ignore[attr-defined]

    map_units: list[dict[str, Any]] = []
    for a in current:
        if a.unit.lon is not None:
            map_units.append(
                {
                    "call_sign": a.unit.call_sign,
                    "lonlat": _lonlat(a.unit),
                    "status": a.unit.status,
                    "assigned": True,
                }
            )
    for s in suggestions.units if suggestions else []:
        map_units.append(
            {
                "call_sign": s.unit.call_sign,
                "lonlat": _lonlat(s.unit),
                "status": s.unit.status,
                "eta_min": round(s.eta_s / 60, 1),
            }
        )
    categories = _active_categories()
    rec_rows = [
        {"s": s, "eta_min": s.eta_s / 60, "km": s.distance_m / 1000}
        for s in (suggestions.units if suggestions else [])
    ]
    return {
        "incident": incident,
        "active": active,
        "rec_rows": rec_rows,
        "may_dispatch": may_dispatch and active,
        "may_close": may_close and active,
        "may_edit": may_dispatch and active,
        "may_reveal": may_reveal,
        "suggestions": suggestions,
        "spare_units": [u for u in spare_units if u.pk not in suggested_ids],
        "reassign_units": spare_units,
        "current": current,
        "past": [a for a in assignments if not a.active],
        "duplicates": duplicates,
        "history": location_history(incident, acting_user=user),
        "plans": checklist(incident),
        "timeline": incident.timeline.select_related("unit", "actor"),
        "clock": clock,
        "clock_steps": [
            (TimelineKind.DISPATCHED.label, _minutes_seconds(clock.to_dispatch_s)),
            (TimelineKind.EN_ROUTE.label, _minutes_seconds(clock.to_en_route_s)),
            (TimelineKind.ON_SCENE.label, _minutes_seconds(clock.to_on_scene_s)),
        ],
        "calls": calls,
        "merged_from": list(incident.merged_from.all()),
        "close_form": CloseForm(initial={"version": incident.version}),
        "edit_form": EditIncidentForm(
            initial={
                "category": incident.category.code,
                "priority": incident.priority,
                "address": incident.address,
                "narrative": incident.narrative,
                "version": incident.version,
            },
            categories=categories,
        ),
        "groups": category_groups(categories),
        "priorities": Priority.choices,
        "duplicate_radius": f"{settings.ZHIAN_DUPLICATE_RADIUS_M:g}",
        "duplicate_minutes": settings.ZHIAN_DUPLICATE_MINUTES,
        "reveal_form": RevealForm(),
        "revealed": None,
        "other_actions": incident_actions(user, incident),
        "map_data": {
            "incident": {
                "lonlat": _lonlat(incident),
                "number": incident.number,
                "priority": incident.priority,
            },
            "units": map_units,
            "others": [
                {"number": d["incident"].number, "lonlat": _lonlat(d["incident"])}
                for d in duplicates
            ],
        },
    }


def _access(request: AuthenticatedRequest, incident_id: int) -> Incident | HttpResponse:
    try:
        return selectors.access_incident(request.user, incident_id)
    except ServiceError as exc:
        return _error_page(request, exc)


@login_required
@never_cache
@require_GET
def incident_detail(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    return render(request, "dispatch/incident_detail.html", _detail_context(request, incident))


def _back(incident: Incident | int) -> HttpResponse:
    pk = incident if isinstance(incident, int) else incident.pk
    return redirect("dispatch:incident", incident_id=pk)


@login_required
@require_POST
def incident_dispatch(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    form = DispatchForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(str(e) for e in form.errors.get("unit", [])))
        return _back(incident)
    unit_ids: list[int] = form.cleaned_data["unit"]
    try:
        # Record the ETA each unit had when it was sent (the timeline quotes it).
        suggestions = recommend_for_incident(incident, acting_user=request.user, k=50)
        etas = {s.unit.pk: s.eta_s for s in suggestions.units if s.unit.pk in unit_ids}
        created = do_dispatch_units(incident, unit_ids, acting_user=request.user, etas=etas)
    except ServiceError as exc:
        return _failed(request, exc, _back(incident))
    messages.success(
        request, _("已派出 %(units)s") % {"units": "、".join(a.unit.call_sign for a in created)}
    )
    return _back(incident)


def _access_assignment(
    request: AuthenticatedRequest, assignment_id: int
) -> Assignment | HttpResponse:
    try:
        assignment = selectors.access_assignment(request.user, assignment_id)
        selectors.access_incident(request.user, assignment.incident_id)
    except ServiceError as exc:
        return _error_page(request, exc)
    return assignment


@login_required
@require_POST
def assignment_step(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = _access_assignment(request, assignment_id)
    if isinstance(assignment, HttpResponse):
        return assignment
    form = StepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("未知的处置步骤"))
        return _back(assignment.incident_id)
    step = form.cleaned_data["step"]
    try:
        do_advance_assignment(assignment, step, acting_user=request.user)
    except ServiceError as exc:
        return _failed(request, exc, _back(assignment.incident_id))
    messages.success(
        request,
        _("%(unit)s：%(step)s") % {"unit": assignment.unit.call_sign, "step": STEP_LABELS[step]},
    )
    return _back(assignment.incident_id)


@login_required
@require_POST
def assignment_cancel(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = _access_assignment(request, assignment_id)
    if isinstance(assignment, HttpResponse):
        return assignment
    try:
        do_cancel_assignment(
            assignment,
            acting_user=request.user,
            note=(request.POST.get("note") or "").strip()[:200],
        )
    except ServiceError as exc:
        return _failed(request, exc, _back(assignment.incident_id))
    messages.success(request, _("已撤回 %(unit)s") % {"unit": assignment.unit.call_sign})
    return _back(assignment.incident_id)


@login_required
@require_POST
def assignment_reassign(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = _access_assignment(request, assignment_id)
    if isinstance(assignment, HttpResponse):
        return assignment
    form = ReassignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择改派的警力"))
        return _back(assignment.incident_id)
    try:
        created = do_reassign(assignment, form.cleaned_data["unit"], acting_user=request.user)
    except ServiceError as exc:
        return _failed(request, exc, _back(assignment.incident_id))
    messages.success(
        request,
        _("已将 %(old)s 改派为 %(new)s")
        % {"old": assignment.unit.call_sign, "new": created.unit.call_sign},
    )
    return _back(assignment.incident_id)


@login_required
@require_POST
def incident_feedback(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    try:
        do_add_feedback(incident, acting_user=request.user, note=request.POST.get("note", ""))
    except ServiceError as exc:
        return _failed(request, exc, _back(incident))
    messages.success(request, _("反馈已记录"))
    return _back(incident)


@login_required
@require_POST
def plan_step(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    form = PlanStepForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("预案步骤不存在"))
        return _back(incident)
    try:
        do_complete_plan_step(
            incident, form.cleaned_data["plan"], form.cleaned_data["step"], acting_user=request.user
        )
    except ServiceError as exc:
        return _failed(request, exc, _back(incident))
    messages.success(request, _("预案步骤已记录完成"))
    return _back(incident)


@login_required
@require_POST
def incident_merge(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    form = MergeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择要合并的警情"))
        return _back(incident)
    other = _access(request, form.cleaned_data["other"])
    if isinstance(other, HttpResponse):
        return other
    if form.cleaned_data["direction"] == "into_this":
        duplicate, survivor = other, incident
    else:
        duplicate, survivor = incident, other
    try:
        do_merge_incident(duplicate, into=survivor, acting_user=request.user)
    except ServiceError as exc:
        return _failed(request, exc, _back(incident))
    messages.success(
        request,
        _("%(dup)s 已并入 %(into)s") % {"dup": duplicate.number, "into": survivor.number},
    )
    return _back(survivor)


@login_required
@never_cache
@require_POST
def incident_edit(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    categories = _active_categories()
    form = EditIncidentForm(request.POST, categories=categories)
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        # Send only what changed, so the timeline names the fields that did.
        changes: dict[str, Any] = {
            k: d[k] for k in ("priority", "address", "narrative") if d[k] != getattr(incident, k)
        }
        if d["category"] != incident.category.code:
            changes["category_code"] = d["category"]
        if not changes:
            messages.info(request, _("没有修改"))
            return _back(incident)
        outcome = _submit(
            request,
            form,
            lambda: do_update_incident(
                incident, acting_user=request.user, expected_version=d["version"], **changes
            ),
            done=_("警情信息已更新"),
            incident=incident,
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        status = outcome
    context = _detail_context(request, incident)
    context["edit_form"] = form
    context["edit_open"] = True
    return render(request, "dispatch/incident_detail.html", context, status=status)


@login_required
@never_cache
@require_POST
def incident_close(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    form = CloseForm(request.POST)
    status = 422
    if form.is_valid():
        outcome = _submit(
            request,
            form,
            lambda: do_close_incident(
                incident,
                acting_user=request.user,
                disposition=form.cleaned_data["disposition"],
                note=form.cleaned_data["note"],
                expected_version=form.cleaned_data["version"],
            ),
            done=_("警情已结束"),
            incident=incident,
        )
        if isinstance(outcome, HttpResponse):
            return outcome
        status = outcome
    context = _detail_context(request, incident)
    context["close_form"] = form
    return render(request, "dispatch/incident_detail.html", context, status=status)


@login_required
@never_cache
@require_POST
def incident_callers(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    """Show caller details once, after the purpose (事由) is recorded in the audit chain."""
    incident = _access(request, incident_id)
    if isinstance(incident, HttpResponse):
        return incident
    form = RevealForm(request.POST)
    revealed = None
    status = 422
    if form.is_valid():
        try:
            revealed = reveal_callers(
                incident, acting_user=request.user, purpose=form.cleaned_data["purpose"]
            )
        except ValidationFailed as exc:
            form.add_error("purpose", exc.message)
        except ServiceError as exc:
            return _error_page(request, exc)
        else:
            status = 200
    context = _detail_context(request, incident)
    context["reveal_form"] = form
    context["revealed"] = revealed
    return render(request, "dispatch/incident_detail.html", context, status=status)


# --------------------------------------------------------------------------- live board


def _board_context(user: Any, token: str) -> dict[str, Any]:
    data = selectors.board_for(user)
    now = timezone.now()
    incidents = []
    for inc in data["incidents"]:
        units = [a.unit for a in inc.assignments.all() if a.active]
        incidents.append(
            {
                "incident": inc,
                "units": units,
                "age_min": max(0, int((now - inc.received_at).total_seconds() // 60)),
            }
        )
    by_status: dict[str, list[Unit]] = {s: [] for s in UnitStatus.values}
    for unit in data["units"]:
        by_status.setdefault(unit.status, []).append(unit)
    groups = [
        {"status": value, "label": label, "units": by_status.get(value, [])}
        for value, label in UnitStatus.choices
    ]
    map_data = {
        "incidents": [
            {
                "id": row["incident"].pk,
                "number": row["incident"].number,
                "category": row["incident"].category.display_name,
                "priority": row["incident"].priority,
                "lonlat": _lonlat(row["incident"]),
                "url": reverse("dispatch:incident", args=[row["incident"].pk]),
            }
            for row in incidents
        ],
        "units": [
            {
                "call_sign": u.call_sign,
                "status": u.status,
                "status_label": str(u.get_status_display()),
                "lonlat": _lonlat(u),
            }
            for u in data["units"]
            if u.lon is not None
        ],
    }
    return {
        "rows": incidents,
        "groups": groups,
        "unit_count": len(data["units"]),
        "token": token,
        "map_data": map_data,
        "now": now,
    }


@login_required
@never_cache
@require_GET
def board(request: AuthenticatedRequest) -> HttpResponse:
    # The token is read before the data: a change in between shows on the next poll.
    token = selectors.board_token(request.user)
    return render(request, "dispatch/board.html", _board_context(request.user, token))


@never_cache
@require_GET
def board_live(request: AuthenticatedRequest) -> HttpResponse:
    """The board's changing part, polled every second: 204 (no swap) when nothing changed.

    A poll after the session ended asks htmx to load the log-on page instead of swapping
    it into the board."""
    if not request.user.is_authenticated:
        login = f"{reverse('core:login')}?next={reverse('dispatch:board')}"
        return HttpResponse(status=204, headers={"HX-Redirect": login})
    token = selectors.board_token(request.user)
    sent = request.GET.get("token") or request.headers.get("X-Board-Token")
    if sent == token:
        return HttpResponse(status=204)
    return render(request, "dispatch/_board_live.html", _board_context(request.user, token))


# --------------------------------------------------------------------------- units


@login_required
@never_cache
def unit_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    if status not in UnitStatus.values:
        status = ""
    qs = selectors.units_for(request.user, status=status or None).order_by("call_sign")
    page = Paginator(qs, PAGE_SIZE).get_page(request.GET.get("page"))
    units = list(page.object_list)
    tasks = {
        a.unit_id: a.incident
        for a in Assignment.objects.filter(unit__in=units, active=True).select_related("incident")
    }
    for unit in units:
        unit.task = tasks.get(unit.pk)  # type: ignore[attr-defined]
        unit.may_report = can(request.user, "unit.report", unit.station)  # type: ignore[attr-defined]
    return render(
        request,
        "dispatch/unit_list.html",
        {"page": page, "units": units, "status": status, "statuses": UnitStatus.choices},
    )


@login_required
@require_POST
def unit_availability(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    try:
        unit = selectors.access_unit(request.user, unit_id)
    except ServiceError as exc:
        return _error_page(request, exc)
    form = UnitAvailabilityForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("状态只能设为空闲或不可用"))
    else:
        status = form.cleaned_data["status"]
        try:
            do_set_unit_availability(
                unit,
                acting_user=request.user,
                status=status,
                expected_version=form.cleaned_data["version"],
            )
        except (NotFound, PermissionDenied) as exc:
            return _error_page(request, exc)
        except ServiceError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(
                request,
                _("%(unit)s 已设为“%(status)s”")
                % {"unit": unit.call_sign, "status": UnitStatus(status).label},
            )
    back = request.POST.get("next") or ""
    return redirect(back if back.startswith("/dispatch/units/") else "dispatch:units")


# --------------------------------------------------------------------------- coverage


@login_required
@never_cache
@require_GET
def coverage(request: AuthenticatedRequest) -> HttpResponse:
    choices = list(
        core_selectors.jurisdictions_for(request.user).filter(
            kind__in=[JurisdictionKind.BUREAU, JurisdictionKind.STATION, JurisdictionKind.SECTOR]
        )[:500]
    )
    code = request.GET.get("j") or ""
    jurisdiction: Jurisdiction | None = None
    if code:
        try:
            jurisdiction = core_selectors.access_jurisdiction(request.user, code)
        except ServiceError as exc:
            return _error_page(request, exc)
    else:
        first_role = (
            request.user.role_assignments.select_related("jurisdiction").order_by("pk").first()
        )
        jurisdiction = first_role.jurisdiction if first_role else (choices[0] if choices else None)
    if jurisdiction is not None and jurisdiction not in choices:
        choices.insert(0, jurisdiction)
    result = coverage_for(jurisdiction, acting_user=request.user) if jurisdiction else None
    rows = []
    if result and result.get("available"):
        incident_share = result.get("incident_share")
        for i, seconds in enumerate(result["thresholds_s"]):
            rows.append(
                {
                    "minutes": int(seconds // 60),
                    "road": result["road_share"][i] * 100,
                    "incidents": incident_share[i] * 100 if incident_share else None,
                    "colour": THRESHOLD_COLOURS[i % len(THRESHOLD_COLOURS)],
                }
            )
        staging = result["staging"]
        result["staging_before"] = staging["covered_before"] * 100
        result["staging_after"] = staging["covered_after"] * 100
        result["staging_rows"] = [
            {"n": i + 1, "lonlat": p, "gain": g * 100}
            for i, (p, g) in enumerate(zip(staging["points"], staging["gains"], strict=True))
        ]
    return render(
        request,
        "dispatch/coverage.html",
        {
            "choices": choices,
            "jurisdiction": jurisdiction,
            "result": result,
            "rows": rows,
            "map_data": {
                "segments": result["segments"] if result and result.get("available") else None,
                "colours": THRESHOLD_COLOURS,
                "staging": result["staging_rows"] if result and result.get("available") else [],
                "boundary": jurisdiction.boundary if jurisdiction else None,
            },
        },
    )
