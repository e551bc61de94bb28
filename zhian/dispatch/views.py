"""Pages of 接处警: intake, the incident (dispatch, timeline, plans), the live board, units
and 1-3-5 coverage. Each view parses, calls one service or selector, and renders; refusals
become pages or messages through :mod:`zhian.core.pages`."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from zhian.core.errors import NotFound
from zhian.core.pages import (
    AuthenticatedRequest,
    action,
    forbidden,
    page,
    paginate,
    posted,
    run_action,
    submit_form,
)
from zhian.core.scoping import scope_paths
from zhian.dispatch import selectors
from zhian.dispatch.choices import AssignmentStep, IncidentStatus, Priority, UnitStatus
from zhian.dispatch.forms import (
    CRS_CHOICES,
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
from zhian.dispatch.models import Assignment, Incident
from zhian.dispatch.services import assignments, incidents, plans, units


def _call_signs(sent: list[Assignment]) -> str:
    return "、".join(a.unit.call_sign for a in sent)


def _back(incident: Incident | int) -> HttpResponse:
    return redirect("dispatch:incident", incident_id=getattr(incident, "pk", incident))


def _incident_page(
    request: AuthenticatedRequest, incident: Incident, status: int = 200, **forms: Any
) -> HttpResponse:
    """The incident page; ``forms`` replace the blank ones (a refused form keeps its input)."""
    context = selectors.incident_page(request.user, incident)
    categories = selectors.active_categories()
    context |= {
        "edit_form": EditIncidentForm.for_incident(incident, categories),
        "close_form": CloseForm(initial={"version": incident.version}),
        "reveal_form": RevealForm(),
        "revealed": None,
        "groups": category_groups(categories),
        "priorities": Priority.choices,
    } | forms
    return render(request, "dispatch/incident_detail.html", context, status=status)


@page
def intake(request: AuthenticatedRequest) -> HttpResponse:
    if scope_paths(request.user, "incident.create") == []:
        return forbidden(request, _("您的角色无权接警登记"))
    categories = selectors.active_categories()
    form = IncidentForm(request.POST or None, categories=categories)
    status = 200
    if request.method == "POST":
        status = 422
        if form.is_valid():
            status, intake = submit_form(
                form,
                lambda: incidents.do_create_incident(form.to_input(), acting_user=request.user),
            )
            if intake is not None:
                number = intake.incident.number
                messages.success(request, _("已登记警情 %(number)s") % {"number": number})
                return _back(intake.incident)
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


@page
def incident_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    q = (request.GET.get("q") or "").strip()
    page = paginate(request, selectors.incident_list(request.user, status=status, q=q))
    return render(
        request,
        "dispatch/incident_list.html",
        {"page": page, "status": status, "q": q, "statuses": IncidentStatus.choices},
    )


@page
def incident_detail(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    return _incident_page(request, selectors.access_incident(request.user, incident_id))


@action
def incident_dispatch(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, incident_id)
    if (d := posted(request, DispatchForm, _("请选择要派出的警力"))) is None:
        return _back(incident)
    return run_action(
        request,
        lambda: assignments.do_dispatch_units(incident, d["unit"], acting_user=request.user),
        done=lambda sent: _("已派出 %(units)s") % {"units": _call_signs(sent)},
        back=_back(incident),
    )


@action
def assignment_step(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.access_assignment(request.user, assignment_id)
    if (d := posted(request, StepForm, _("未知的处置步骤"))) is None:
        return _back(assignment.incident_id)
    step = AssignmentStep(d["step"])
    return run_action(
        request,
        lambda: assignments.do_advance_assignment(assignment, step, acting_user=request.user),
        done=_("%(unit)s：%(step)s") % {"unit": assignment.unit.call_sign, "step": step.label},
        back=_back(assignment.incident_id),
    )


@action
def assignment_cancel(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.access_assignment(request.user, assignment_id)
    note = (request.POST.get("note") or "").strip()[:200]
    return run_action(
        request,
        lambda: assignments.do_cancel_assignment(assignment, acting_user=request.user, note=note),
        done=_("已撤回 %(unit)s") % {"unit": assignment.unit.call_sign},
        back=_back(assignment.incident_id),
    )


@action
def assignment_reassign(request: AuthenticatedRequest, assignment_id: int) -> HttpResponse:
    assignment = selectors.access_assignment(request.user, assignment_id)
    if (d := posted(request, ReassignForm, _("请选择改派的警力"))) is None:
        return _back(assignment.incident_id)
    return run_action(
        request,
        lambda: assignments.do_reassign(assignment, d["unit"], acting_user=request.user),
        done=lambda new: (
            _("已将 %(old)s 改派为 %(new)s")
            % {"old": assignment.unit.call_sign, "new": new.unit.call_sign}
        ),
        back=_back(assignment.incident_id),
    )


@action
def incident_feedback(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, incident_id)
    note = request.POST.get("note", "")
    return run_action(
        request,
        lambda: incidents.do_add_feedback(incident, acting_user=request.user, note=note),
        done=_("反馈已记录"),
        back=_back(incident),
    )


@action
def plan_step(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, incident_id)
    if (d := posted(request, PlanStepForm, _("预案步骤不存在"))) is None:
        return _back(incident)
    return run_action(
        request,
        lambda: plans.do_complete_plan_step(
            incident, d["plan"], d["step"], acting_user=request.user
        ),
        done=_("预案步骤已记录完成"),
        back=_back(incident),
    )


@action
def incident_merge(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, incident_id)
    if (d := posted(request, MergeForm, _("请选择要合并的警情"))) is None:
        return _back(incident)
    other = selectors.access_incident(request.user, d["other"])
    duplicate, survivor = (other, incident) if d["direction"] == "into_this" else (incident, other)
    return run_action(
        request,
        lambda: incidents.do_merge_incident(duplicate, into=survivor, acting_user=request.user),
        done=_("%(dup)s 已并入 %(into)s") % {"dup": duplicate.number, "into": survivor.number},
        back=_back(survivor),
        back_on_error=_back(incident),
    )


@action
def incident_edit(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, incident_id)
    form = EditIncidentForm(request.POST, categories=selectors.active_categories())
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        fields = {"category_code": d["category"]} | {
            k: d[k] for k in ("priority", "address", "narrative")
        }
        version = incident.version
        status, _updated = submit_form(
            form,
            lambda: incidents.do_update_incident(
                incident, acting_user=request.user, expected_version=d["version"], **fields
            ),
        )
        if status == 200:
            changed = incident.version != version
            messages.add_message(
                request,
                messages.SUCCESS if changed else messages.INFO,
                _("警情信息已更新") if changed else _("没有修改"),
            )
            return _back(incident)
    return _incident_page(request, incident, status, edit_form=form, edit_open=True)


@action
def incident_close(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    incident = selectors.access_incident(request.user, incident_id)
    form = CloseForm(request.POST)
    status = 422
    if form.is_valid():
        d = form.cleaned_data
        status, _closed = submit_form(
            form,
            lambda: incidents.do_close_incident(
                incident,
                acting_user=request.user,
                disposition=d["disposition"],
                note=d["note"],
                expected_version=d["version"],
            ),
        )
        if status == 200:
            messages.success(request, _("警情已结束"))
            return _back(incident)
    return _incident_page(request, incident, status, close_form=form)


@action
def incident_callers(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    """Show caller details once, after the purpose (事由) is recorded in the audit chain."""
    incident = selectors.access_incident(request.user, incident_id)
    form = RevealForm(request.POST)
    status, revealed = 422, None
    if form.is_valid():
        purpose = form.cleaned_data["purpose"]
        status, revealed = submit_form(
            form,
            lambda: incidents.reveal_callers(incident, acting_user=request.user, purpose=purpose),
        )
    return _incident_page(request, incident, status, reveal_form=form, revealed=revealed)


def _limit(request: AuthenticatedRequest) -> int:
    try:
        return int(request.GET.get("limit") or selectors.BOARD_FIRST_LOAD)
    except ValueError:
        return selectors.BOARD_FIRST_LOAD


@page
def board(request: AuthenticatedRequest) -> HttpResponse:
    context = selectors.board_page(request.user, limit=_limit(request))
    return render(request, "dispatch/board.html", context)


def _unchanged(token: str) -> HttpResponse:
    return HttpResponse(status=204, headers={"X-Board-Token": token})


@never_cache
@require_GET
def board_live(request: AuthenticatedRequest) -> HttpResponse:
    """The board's poll (every second): ``token`` is the change number the page shows.

    * Nothing changed anywhere: 204 after one primary-key read (plus the session).
    * Changes, none in the user's scope: 204 with the new number in ``X-Board-Token``.
    * Changes in scope: only the changed rows (``_board_delta.html``), which
      ``dispatch.js`` puts in place, with the new number.
    * No usable token (or changes older than the change log keeps): the whole live part.

    A poll after the session ended asks htmx to load the log-on page instead."""
    if not request.user.is_authenticated:
        login = f"{reverse('core:login')}?next={reverse('dispatch:board')}"
        return HttpResponse(status=204, headers={"HX-Redirect": login})
    sent = request.GET.get("token") or request.headers.get("X-Board-Token") or ""
    if sent == selectors.board_token():
        return _unchanged(sent)
    delta = selectors.board_changes(request.user, sent)
    if delta is None:
        context = selectors.board_page(request.user, limit=_limit(request))
        response = render(request, "dispatch/_board_live.html", context)
        response["X-Board-Token"] = context["token"]
        return response
    if not (delta["rows"] or delta["gone_incidents"] or delta["units"]):
        return _unchanged(delta["token"])
    response = render(request, "dispatch/_board_delta.html", delta)
    response["X-Board-Token"] = delta["token"]
    return response


def _ints(text: str, limit: int = 200) -> list[int]:
    return [int(x) for x in text.split(",")[:limit] if x.strip().isdigit()]


@never_cache
@require_GET
def incident_timeline_live(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    """The incident page's timeline poll: 204 after one read when nothing changed; else
    the entries the page has not shown (appended), or all of them (``HX-Reswap``)."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    current = selectors.board_token()
    if request.GET.get("token") == current:
        return _unchanged(current)
    try:
        after, count = int(request.GET.get("after") or 0), int(request.GET.get("count") or 0)
    except ValueError:
        after, count = 0, 0
    try:
        events, whole = selectors.timeline_since(
            request.user, incident_id, after=after, count=count
        )
    except NotFound:
        return HttpResponse(status=404)
    if not events:
        return _unchanged(current)
    response = render(request, "dispatch/_timeline_rows.html", {"timeline": events})
    response["X-Board-Token"] = current
    if whole:
        response["HX-Reswap"] = "innerHTML"
    return response


@never_cache
@require_GET
def unit_list_live(request: AuthenticatedRequest) -> HttpResponse:
    """The unit list's poll: 204 after one read when nothing changed; else the changed
    rows of the page (``ids``) as out-of-band swaps, or a refresh when the token is stale."""
    if not request.user.is_authenticated:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    current = selectors.board_token()
    token = request.GET.get("token") or ""
    if token == current:
        return _unchanged(current)
    found = selectors.units_changed(request.user, token, _ints(request.GET.get("ids") or ""))
    if found is None:
        return HttpResponse(status=204, headers={"HX-Refresh": "true"})
    seq, changed = found
    if not changed:
        return _unchanged(seq)
    path = request.GET.get("path") or ""
    context = {"units": changed, "next_path": path if path.startswith("/dispatch/units/") else ""}
    response = render(request, "dispatch/_unit_rows_oob.html", context)
    response["X-Board-Token"] = seq
    return response


@page
def unit_list(request: AuthenticatedRequest) -> HttpResponse:
    status = request.GET.get("status") or ""
    page = paginate(request, selectors.unit_list(request.user, status=status))
    return render(
        request,
        "dispatch/unit_list.html",
        {
            "token": selectors.board_token(),
            "next_path": request.get_full_path(),
            "page": page,
            "units": selectors.with_tasks(request.user, list(page.object_list)),
            "status": status if status in UnitStatus.values else "",
            "statuses": UnitStatus.choices,
        },
    )


@action
def unit_availability(request: AuthenticatedRequest, unit_id: int) -> HttpResponse:
    unit = selectors.access_unit(request.user, unit_id)
    next_url = request.POST.get("next") or ""
    back = redirect(next_url if next_url.startswith("/dispatch/units/") else "dispatch:units")
    if (d := posted(request, UnitAvailabilityForm, _("状态只能设为空闲或不可用"))) is None:
        return back
    return run_action(
        request,
        lambda: units.do_set_unit_availability(
            unit, acting_user=request.user, status=d["status"], expected_version=d["version"]
        ),
        done=_("%(unit)s 已设为“%(status)s”")
        % {"unit": unit.call_sign, "status": UnitStatus(d["status"]).label},
        back=back,
    )


@page
def coverage(request: AuthenticatedRequest) -> HttpResponse:
    context = selectors.coverage_page(request.user, request.GET.get("j") or "")
    return render(request, "dispatch/coverage.html", context)
