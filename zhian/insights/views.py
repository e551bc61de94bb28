"""Pages of 研判: the 三张图 maps, forecasts (run and follow), near-repeat alerts and patrol
plans (make, view, print). Each view parses, calls one service or selector, renders."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from zhian.core.pages import (
    AuthenticatedRequest,
    action,
    forbidden,
    page,
    paginate,
    run_action,
    submit_form,
)
from zhian.dispatch.selectors import access_incident, active_categories
from zhian.insights import selectors
from zhian.insights.forms import ForecastForm, MapFilterForm, PlanForm
from zhian.insights.services.common import local_midnight
from zhian.insights.services.forecasts import do_request_forecast
from zhian.insights.services.linkage import (
    MAX_CANDIDATES,
    NEAR_RADIUS_M,
    do_decide_link,
    suggest_links,
)
from zhian.insights.services.plans import do_make_patrol_plan, tomorrow
from zhian.insights.services.stop_logs import do_log_patrol_stop


@page
def maps(request: AuthenticatedRequest) -> HttpResponse:
    """三张图: 警情发案图, 巡防图, 布防图 for one jurisdiction and period."""
    choices = selectors.jurisdiction_choices(request.user)
    if not choices:
        if selectors.jurisdiction_choices(request.user, "insights.plan.view"):
            return redirect("insights:plans")  # a patrol officer: their station's plans
        return forbidden(request, _("您的角色无权查看研判图层"))
    form = MapFilterForm(request.GET, jurisdictions=choices, categories=active_categories())
    context: dict[str, object] = {"form": form, "data": None}
    if form.is_valid():
        d = form.cleaned_data
        j = selectors.access_jurisdiction(request.user, d["j"])
        result = selectors.map_page(
            request.user,
            j,
            local_midnight(d["since"]),
            local_midnight(d["until"]),
            d["category"] or "",
        )
        context |= {
            "jurisdiction": j,
            "forecast": result.pop("forecast_row"),
            "plan": result.pop("plan_row"),
            "data": result
            | {
                "layer": d["layer"] or "incidents",
                # what the map sends back to ask for a zoomed-in view's single incidents
                "query": {
                    "jurisdiction": j.code,
                    "since": d["since"].isoformat(),
                    "until": d["until"].isoformat(),
                    "category": d["category"] or "",
                },
            },
            "map_tile_url": settings.ZHIAN_MAP_TILE_URL,
            "map_tile_attribution": settings.ZHIAN_MAP_TILE_ATTRIBUTION,
        }
    return render(request, "insights/maps.html", context, status=200 if form.is_valid() else 400)


@page
def forecasts(request: AuthenticatedRequest) -> HttpResponse:
    """Stored forecasts, newest first, and the form to run one."""
    run_choices = selectors.jurisdiction_choices(request.user, "insights.forecast")
    if not selectors.jurisdiction_choices(request.user):
        return forbidden(request, _("您的角色无权查看风险预测"))
    form = ForecastForm(
        request.POST or None, jurisdictions=run_choices, categories=active_categories()
    )
    status = 200
    if request.method == "POST" and run_choices:
        if form.is_valid():
            d = form.cleaned_data
            j = selectors.access_jurisdiction(request.user, d["j"], "insights.forecast")
            status, fc = submit_form(
                form,
                lambda: do_request_forecast(
                    j,
                    acting_user=request.user,
                    category_code=d["category"] or "",
                    method=d["method"],
                    horizon_days=d["horizon_days"],
                ),
            )
            if fc is not None:
                return redirect("insights:forecast", forecast_id=fc.pk)
        else:
            status = 400
    rows = paginate(request, selectors.forecasts_for(request.user))
    return render(
        request,
        "insights/forecasts.html",
        {"form": form, "page": rows, "can_run": bool(run_choices)},
        status=status,
    )


@page
def forecast_detail(request: AuthenticatedRequest, forecast_id: int) -> HttpResponse:
    fc = selectors.access_forecast(request.user, forecast_id)
    layer = selectors.forecast_layer(fc, top=50)
    return render(request, "insights/forecast_detail.html", {"fc": fc, "top": layer["cells"]})


@page
def alerts(request: AuthenticatedRequest) -> HttpResponse:
    if not selectors.jurisdiction_choices(request.user):
        return forbidden(request, _("您的角色无权查看近重复预警"))
    show = request.GET.get("show", "active")
    qs = selectors.alerts_for(request.user, active_at=timezone.now() if show == "active" else None)
    return render(request, "insights/alerts.html", {"page": paginate(request, qs), "show": show})


@page
def plans(request: AuthenticatedRequest) -> HttpResponse:
    """Patrol plans in scope and the form to make one (tomorrow's day shift by default)."""
    make_choices = selectors.jurisdiction_choices(request.user, "insights.plan")
    form = PlanForm(
        request.POST or None,
        jurisdictions=make_choices,
        initial={"day": tomorrow(), "shift": "day", "dwell_minutes": 15},
    )
    status = 200
    if request.method == "POST" and make_choices:
        if form.is_valid():
            d = form.cleaned_data
            j = selectors.access_jurisdiction(request.user, d["j"], "insights.plan")
            cap = d["cap_percent"] / 100 if d["cap_percent"] else None
            status, plan = submit_form(
                form,
                lambda: do_make_patrol_plan(
                    j,
                    day=d["day"],
                    shift=d["shift"],
                    cap_share=cap,
                    dwell_minutes=d["dwell_minutes"],
                    acting_user=request.user,
                ),
            )
            if plan is not None:
                return redirect("insights:plan", plan_id=plan.pk)
        else:
            status = 400
    rows = paginate(request, selectors.plans_for(request.user))
    return render(
        request,
        "insights/plans.html",
        {"form": form, "page": rows, "can_make": bool(make_choices)},
        status=status,
    )


@page
def plan_detail(request: AuthenticatedRequest, plan_id: int) -> HttpResponse:
    plan = selectors.access_plan(request.user, plan_id)
    return render(
        request, "insights/plan_detail.html", selectors.plan_page(plan, user=request.user)
    )


@action
def plan_stop_log(request: AuthenticatedRequest, plan_id: int) -> HttpResponse:
    """巡逻措施登记 from the plan page's 执行情况 table: the tactics ticked at one stop."""
    plan = selectors.access_plan(request.user, plan_id)
    back = redirect(reverse("insights:plan", args=[plan.pk]) + "#execution")
    try:
        unit_id = int(request.POST.get("unit", ""))
    except ValueError:
        unit_id = 0
    ticked = request.POST.getlist("tactics")[:10]
    # the form lists the tactics it showed ticked: those unticked now are withdrawn
    unticked = [t for t in request.POST.getlist("shown")[:10] if t not in ticked]
    return run_action(
        request,
        lambda: do_log_patrol_stop(
            plan,
            unit_id=unit_id,
            cell=request.POST.get("cell", "")[:32],
            tactics=ticked,
            withdraw=unticked,
            note=request.POST.get("note", ""),
            acting_user=request.user,
        ),
        done=_("巡逻措施登记已保存"),
        back=back,
    )


REASON_LABELS = {
    "category": _lazy("同类别"),
    "modus_operandi": _lazy("作案手段"),
    "narrative": _lazy("简要案情相似"),
    "space": _lazy("距离相近"),
    "time": _lazy("时间相近"),
}


@page
def incident_links(request: AuthenticatedRequest, incident_id: int) -> HttpResponse:
    """串并分析: similar earlier incidents with their reasons and decisions."""
    incident = access_incident(request.user, incident_id)
    rows = suggest_links(incident, acting_user=request.user)
    for row in rows:
        row["reason_rows"] = [
            {
                "label": REASON_LABELS.get(r.name, r.name),
                "similarity": 100 * r.similarity,
                "weight": 100 * r.weight,
                "contribution": 100 * r.contribution,
            }
            for r in row["reasons"]
        ]
    scope = {"limit": MAX_CANDIDATES, "km": NEAR_RADIUS_M / 1000}
    return render(
        request, "insights/links.html", {"incident": incident, "rows": rows, "scope": scope}
    )


@action
def link_decide(request: AuthenticatedRequest, incident_id: int, candidate_id: int) -> HttpResponse:
    incident = access_incident(request.user, incident_id)
    candidate = access_incident(request.user, candidate_id)
    back = redirect("insights:incident_links", incident_id=incident.pk)
    try:
        score = float(request.POST.get("score", "0"))
    except ValueError:
        score = 0.0
    return run_action(
        request,
        lambda: do_decide_link(
            incident,
            candidate,
            verdict=request.POST.get("verdict", ""),
            score=score,
            acting_user=request.user,
        ),
        done=_("已记录串并结论"),
        back=back,
    )
