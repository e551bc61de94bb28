"""Pages of places and inspections (十本账): a ledger per place type with xlsx export and
import, the place with its inspection checklist and hazards, tasks, hazards, sweeps."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from zhian.core import selectors as core_selectors
from zhian.core.errors import NotFound, PermissionDenied, ServiceError, ValidationFailed
from zhian.core.exports import xlsx_response
from zhian.core.pages import AuthenticatedRequest
from zhian.core.scoping import can
from zhian.grid import selectors
from zhian.grid.choices import PlaceType, RiskTier
from zhian.grid.services import ledgers, place_rules
from zhian.grid.services import places as services
from zhian.grid.views.common import attempt, error_page, int_or_none, page_of


def _ledger_filters(request: AuthenticatedRequest) -> dict[str, Any]:
    kind = request.GET.get("type") or PlaceType.SCHOOL
    if kind not in PlaceType.values:
        kind = PlaceType.SCHOOL
    return {
        "place_type": kind,
        "risk_tier": int_or_none(request.GET.get("tier")),
        "jurisdiction": request.GET.get("jurisdiction", "").strip() or None,
        "q": request.GET.get("q", "").strip() or None,
    }


@login_required
@require_GET
def place_list(request: AuthenticatedRequest) -> HttpResponse:
    """One ledger per type (tabs), filterable; export takes the same filters."""
    filters = _ledger_filters(request)
    qs = selectors.places_for(request.user, **filters)
    kind = filters["place_type"]
    return render(
        request,
        "grid/place_list.html",
        {
            "page": page_of(request, qs),
            "types": PlaceType.choices,
            "tiers": RiskTier.choices,
            "filters": filters,
            "attrs": place_rules.ATTRIBUTES[kind],
            "query": request.GET.urlencode(),
        },
    )


@login_required
@require_GET
def place_export(request: AuthenticatedRequest) -> HttpResponse:
    filters = _ledger_filters(request)
    places = selectors.places_for(request.user, **filters)[:50_000]
    data = ledgers.export_ledger(places, filters["place_type"])
    label = PlaceType(filters["place_type"]).label
    return xlsx_response(data, f"{label}台账-{timezone.localdate():%Y%m%d}.xlsx")


@login_required
@require_http_methods(["GET", "POST"])
def place_import(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.POST.get("place_type") or request.GET.get("type") or PlaceType.SCHOOL
    errors: list[dict[str, Any]] = []
    message = ""
    if request.method == "POST":
        upload = request.FILES.get("file")
        try:
            if upload is None:
                raise ValidationFailed(_("请选择 .xlsx 文件"), code="import_file")
            result = ledgers.do_import_ledger(upload.read(), kind, acting_user=request.user)
        except (NotFound, PermissionDenied) as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            message, errors = exc.message, exc.extra.get("errors", [])
        else:
            messages.success(
                request,
                _("已导入：新增 %(c)d 个、更新 %(u)d 个场所")
                % {"c": result.created, "u": result.updated},
            )
            return HttpResponseRedirect(f"{reverse('grid:places')}?type={kind}")
    headers = [h for _k, h in ledgers.headers_for(kind)] if kind in PlaceType.values else []
    return render(
        request,
        "grid/place_import.html",
        {
            "types": PlaceType.choices,
            "kind": kind,
            "headers": headers,
            "errors": errors,
            "message": message,
        },
        status=422 if message else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def place_new(request: AuthenticatedRequest) -> HttpResponse:
    kind = request.POST.get("place_type") or request.GET.get("type") or PlaceType.SCHOOL
    if kind not in PlaceType.values:
        kind = PlaceType.SCHOOL
    error, values = "", request.POST.dict() if request.method == "POST" else {}
    if request.method == "POST":
        post = request.POST
        try:
            place = services.do_register_place(
                services.PlaceInput(
                    name=post.get("name", ""),
                    place_type=kind,
                    address=post.get("address", ""),
                    lon=_number(post.get("lon")),
                    lat=_number(post.get("lat")),
                    operator_name=post.get("operator_name", ""),
                    operator_phone=post.get("operator_phone", ""),
                    attributes={
                        a.key: post.get(f"attr_{a.key}") or (False if a.kind is bool else None)
                        for a in place_rules.ATTRIBUTES[kind]
                    },
                    crs=post.get("crs", "wgs84"),
                ),
                acting_user=request.user,
            )
        except (NotFound, PermissionDenied) as exc:
            return error_page(request, exc)
        except ServiceError as exc:
            error = exc.message
        else:
            return HttpResponseRedirect(reverse("grid:place", args=[place.pk]))
    return render(
        request,
        "grid/place_new.html",
        {
            "types": PlaceType.choices,
            "kind": kind,
            "attrs": place_rules.ATTRIBUTES[kind],
            "error": error,
            "values": values,
        },
        status=422 if error else 200,
    )


def _number(value: str | None) -> float:
    try:
        return float(value or "")
    except ValueError:
        raise ValidationFailed(_("请填写经纬度"), code="invalid_place") from None


@login_required
@require_GET
def place_detail(request: AuthenticatedRequest, place_id: int) -> HttpResponse:
    try:
        place = selectors.access_place(request.user, place_id)
    except NotFound as exc:
        return error_page(request, exc)
    labels = [str(a.label) for a in place_rules.ATTRIBUTES[place.place_type]]
    keys = [a.key for a in place_rules.ATTRIBUTES[place.place_type]]
    return render(
        request,
        "grid/place_detail.html",
        {
            "place": place,
            "attributes": [
                (lbl, place.attributes.get(k)) for lbl, k in zip(labels, keys, strict=True)
            ],
            "checklist": place_rules.checklist(place.place_type),
            "inspections": place.inspections.select_related("inspector")[:20],
            "hazards": place.hazards.order_by("status", "deadline"),
            "tasks": place.tasks.filter(status="open").order_by("due_on"),
            "can_inspect": can(request.user, "inspection.perform", place.jurisdiction),
        },
    )


@login_required
@require_POST
def place_inspect(request: AuthenticatedRequest, place_id: int) -> HttpResponse:
    try:
        place = selectors.access_place(request.user, place_id)
    except NotFound as exc:
        return error_page(request, exc)
    task_id = int_or_none(request.POST.get("task"))
    task = place.tasks.filter(pk=task_id).first() if task_id else None
    results = {
        code: request.POST.get(f"item_{code}", "")
        for code, _label in place_rules.checklist(place.place_type)
    }
    return attempt(
        request,
        lambda: services.do_record_inspection(
            place,
            acting_user=request.user,
            results=results,
            notes=request.POST.get("notes", ""),
            task=task,
        ),
        done=_("检查记录已保存"),
        back=reverse("grid:place", args=[place.pk]),
    )


@login_required
@require_GET
def task_list(request: AuthenticatedRequest) -> HttpResponse:
    return render(
        request,
        "grid/task_list.html",
        {
            "page": page_of(request, selectors.tasks_for(request.user)),
            "today": timezone.localdate(),
        },
    )


@login_required
@require_GET
def hazard_list(request: AuthenticatedRequest) -> HttpResponse:
    closed = request.GET.get("closed") == "1"
    return render(
        request,
        "grid/hazard_list.html",
        {
            "page": page_of(request, selectors.hazards_for(request.user, open_only=not closed)),
            "closed": closed,
            "today": timezone.localdate(),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def hazard_detail(request: AuthenticatedRequest, hazard_id: int) -> HttpResponse:
    try:
        hazard = selectors.access_hazard(request.user, hazard_id)
    except NotFound as exc:
        return error_page(request, exc)
    if request.method == "POST":
        return attempt(
            request,
            lambda: services.do_follow_up_hazard(
                hazard,
                acting_user=request.user,
                note=request.POST.get("note", ""),
                rectified=request.POST.get("rectified") == "1",
                expected_version=int_or_none(request.POST.get("version")),
            ),
            done=_("跟进已记录"),
            back=reverse("grid:hazard", args=[hazard.pk]),
        )
    return render(request, "grid/hazard_detail.html", {"hazard": hazard})


@login_required
@require_http_methods(["GET", "POST"])
def campaign_list(request: AuthenticatedRequest) -> HttpResponse:
    if request.method == "POST":
        post = request.POST

        def launch() -> object:
            try:
                starts, ends = (
                    date.fromisoformat(post.get("starts_on", "")),
                    date.fromisoformat(post.get("ends_on", "")),
                )
            except ValueError:
                raise ValidationFailed(_("日期无效"), code="invalid_campaign") from None
            area = core_selectors.access_jurisdiction(request.user, post.get("jurisdiction", ""))
            return services.do_launch_campaign(
                acting_user=request.user,
                name=post.get("name", ""),
                jurisdiction=area,
                place_types=post.getlist("place_types"),
                starts_on=starts,
                ends_on=ends,
            )

        return attempt(
            request,
            launch,
            done=_("专项行动已启动，检查任务已生成"),
            back=reverse("grid:campaigns"),
        )
    return render(
        request,
        "grid/campaign_list.html",
        {
            "page": page_of(request, selectors.campaigns_for(request.user)),
            "types": PlaceType.choices,
            "areas": core_selectors.jurisdictions_for(request.user).exclude(kind="grid")[:200],
        },
    )


@login_required
@require_GET
def campaign_detail(request: AuthenticatedRequest, campaign_id: int) -> HttpResponse:
    campaign = selectors.campaigns_for(request.user).filter(pk=campaign_id).first()
    if campaign is None:
        return error_page(request, NotFound(_("未找到该专项行动")))
    board = selectors.campaign_board(request.user, campaign)
    return render(request, "grid/campaign_detail.html", {"campaign": campaign, "board": board})
