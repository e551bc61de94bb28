"""Open311 GeoReport v2 at ``/open311/v2/`` (https://wiki.open311.org/GeoReport_v2), in
JSON and XML, so that Open311 clients and the city's 12345 hotline can file and follow
non-emergency reports. Reports filed here are the same objects as portal reports.

Services are the report categories. ``service_request_id`` is the tracking code. Errors
are the spec's list of ``{"code", "description"}`` (XML ``<errors><error>``), with the
HTTP status in ``code``. Privacy: the spec leaves GET requests open to anyone; here the
request endpoints need the client's ``api_key`` and show only that client's requests,
because reports to the police may describe people."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any
from xml.etree import ElementTree as ET

from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

from zhian.core.errors import ServiceError, ValidationFailed
from zhian.services.choices import OPEN_REPORT, Channel, ReportCategory, ReportStatus
from zhian.services.models import OnlineReport, Open311Client
from zhian.services.operations.open311_clients import client_for_key
from zhian.services.operations.portal import Citizen
from zhian.services.operations.reports import ReportInput, submit_report

FORMATS = {"json": "application/json; charset=utf-8", "xml": "text/xml; charset=utf-8"}
GROUP = "非紧急报警"
NOTICE = "紧急情况请拨打 110。网上报警在 24 小时内受理。"
KEYWORDS: dict[str, str] = {
    ReportCategory.LOST_PROPERTY: "遗失,失物,lost",
    ReportCategory.MINOR_DAMAGE: "损坏,破坏,damage",
    ReportCategory.NOISE: "噪声,扰民,noise",
    ReportCategory.TRAFFIC_OBSTRUCTION: "占道,堵塞,obstruction",
    ReportCategory.TIP: "线索,举报,tip",
}
DESCRIPTIONS: dict[str, str] = {
    ReportCategory.LOST_PROPERTY: "遗失物品登记（证件、手机、钱包等）",
    ReportCategory.MINOR_DAMAGE: "轻微财物损坏（无人员受伤、无现行违法）",
    ReportCategory.NOISE: "噪声扰民（施工、娱乐场所、邻里）",
    ReportCategory.TRAFFIC_OBSTRUCTION: "占道经营、车辆阻碍通行",
    ReportCategory.TIP: "违法犯罪线索举报",
}
MAX_RESULTS = 1000
DEFAULT_DAYS = 90


class Open311Error(Exception):
    def __init__(self, status: int, description: str) -> None:
        super().__init__(description)
        self.status = status
        self.description = description


# ---- rendering ---------------------------------------------------------------------------


def _xml_value(parent: ET.Element, key: str, value: Any) -> None:
    child = ET.SubElement(parent, key)
    if isinstance(value, list):
        for item in value:
            _xml_item(child, key.removesuffix("s"), item)
    elif value is not None:
        child.text = str(value).lower() if isinstance(value, bool) else str(value)


def _xml_item(parent: ET.Element, tag: str, item: dict[str, Any]) -> None:
    node = ET.SubElement(parent, tag)
    for key, value in item.items():
        _xml_value(node, key, value)


def render(fmt: str, root: str, item_tag: str, body: Any, status: int = 200) -> HttpResponse:
    """``body`` is a list of dicts (or one dict for a service definition)."""
    if fmt == "json":
        text = json.dumps(body, ensure_ascii=False)
    else:
        top = ET.Element(root)
        if isinstance(body, dict):
            for key, value in body.items():
                _xml_value(top, key, value)
        else:
            for item in body:
                _xml_item(top, item_tag, item)
        text = '<?xml version="1.0" encoding="utf-8"?>' + ET.tostring(top, encoding="unicode")
    return HttpResponse(text, status=status, content_type=FORMATS[fmt])


def error(fmt: str, status: int, description: str) -> HttpResponse:
    return render(fmt, "errors", "error", [{"code": status, "description": description}], status)


def _iso(value: datetime | None) -> str | None:
    return timezone.localtime(value).isoformat(timespec="seconds") if value else None


# ---- services ----------------------------------------------------------------------------


def _service(code: str) -> dict[str, Any]:
    return {
        "service_code": code,
        "service_name": str(ReportCategory(code).label),
        "description": DESCRIPTIONS[code],
        "metadata": False,
        "type": "realtime",
        "keywords": KEYWORDS[code],
        "group": GROUP,
    }


def _format_or_404(view: Any) -> Any:
    def wrapper(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
        if fmt not in FORMATS:
            return error("json", 404, "format must be json or xml")
        try:
            return view(request, *args, fmt=fmt, **kwargs)
        except Open311Error as exc:
            return error(fmt, exc.status, exc.description)

    wrapper.__name__ = view.__name__
    wrapper.__doc__ = view.__doc__
    return wrapper


@require_GET
@_format_or_404
def service_list(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service List."""
    return render(fmt, "services", "service", [_service(c) for c in ReportCategory.values])


@require_GET
@_format_or_404
def service_definition(request: HttpRequest, code: str, fmt: str) -> HttpResponse:
    """GET Service Definition: no extra attributes (``metadata`` is false for all)."""
    if code not in ReportCategory.values:
        raise Open311Error(404, f"service_code {code} not found")
    return render(fmt, "service_definition", "", {"service_code": code, "attributes": []})


# ---- requests ----------------------------------------------------------------------------


def _client(request: HttpRequest) -> Open311Client:
    key = request.POST.get("api_key") or request.GET.get("api_key") or ""
    client = client_for_key(key)
    if client is None:
        raise Open311Error(403, "api_key is missing or invalid")
    return client


def _float(request: HttpRequest, name: str) -> float | None:
    raw = request.POST.get(name, "").strip()
    if not raw:
        return None
    try:
        return float(raw)
    except ValueError:
        raise Open311Error(400, f"{name} must be a number") from None


def _request_row(report: OnlineReport) -> dict[str, Any]:
    lat, lon = report.lat, report.lon
    return {
        "service_request_id": report.tracking.code,
        "status": "open" if report.status in OPEN_REPORT else "closed",
        "status_notes": report.status_notes or None,
        "service_name": str(ReportCategory(report.category).label),
        "service_code": report.category,
        "description": report.description,
        "agency_responsible": report.jurisdiction.name,
        "service_notice": NOTICE,
        "requested_datetime": _iso(report.created_at),
        "updated_datetime": _iso(report.updated_at),
        "expected_datetime": _iso(report.due_at)
        if report.status == ReportStatus.SUBMITTED
        else None,
        "address": report.address or None,
        "address_id": None,
        "zipcode": None,
        "lat": lat,
        "long": lon,
        "media_url": report.media_url or None,
    }


def _post_request(request: HttpRequest, fmt: str) -> HttpResponse:
    """POST Service Request: ``api_key``, ``service_code``, a location (``lat`` + ``long``
    or ``address_string``), ``description``; optional ``phone``, ``media_url``."""
    client = _client(request)
    code = request.POST.get("service_code", "")
    if code not in ReportCategory.values:
        raise Open311Error(
            404 if code else 400,
            f"service_code {code} not found" if code else "service_code is required",
        )
    lat, lon = _float(request, "lat"), _float(request, "long")
    address = request.POST.get("address_string", "").strip()
    if request.POST.get("address_id") and not address and lat is None:
        raise Open311Error(400, "address_id is not supported; send lat and long or address_string")
    if (lat is None or lon is None) and not address:
        raise Open311Error(400, "a location is required: lat and long, or address_string")
    try:
        report = submit_report(
            ReportInput(
                category=code,
                description=request.POST.get("description", ""),
                phone=request.POST.get("phone", ""),
                address=address,
                lon=lon,
                lat=lat,
                media_url=request.POST.get("media_url", "").strip(),
            ),
            citizen=Citizen(
                channel=Channel.OPEN311,
                ip=request.META.get("REMOTE_ADDR", ""),
                open311_client_id=client.pk,
            ),
        )
    except ValidationFailed as exc:
        fields = exc.extra.get("fields") or {}
        described = "; ".join(f"{k}: {v}" for k, v in fields.items()) or exc.message
        raise Open311Error(400, described) from exc
    except ServiceError as exc:
        raise Open311Error(exc.status, exc.message) from exc
    body = [
        {
            "service_request_id": report.tracking.code,
            "token": report.token,
            "service_notice": NOTICE,
            "account_id": None,
        }
    ]
    return render(fmt, "service_requests", "request", body, status=201)


def _window(request: HttpRequest) -> tuple[datetime, datetime]:
    def parse(name: str) -> datetime | None:
        raw = request.GET.get(name, "").strip()
        if not raw:
            return None
        value = parse_datetime(raw.replace(" ", "+"))
        if value is None or timezone.is_naive(value):
            raise Open311Error(400, f"{name} must be ISO 8601 with a time zone")
        return value

    end = parse("end_date") or timezone.now()
    start = parse("start_date") or end - timedelta(days=DEFAULT_DAYS)
    if start > end:
        raise Open311Error(400, "start_date must not be after end_date")
    return start, end


def _get_requests(request: HttpRequest, fmt: str) -> HttpResponse:
    """GET Service Requests: this client's requests, filtered by ``service_request_id``
    (comma-separated; other filters are then ignored, as the spec says), ``service_code``,
    ``start_date``, ``end_date`` (default: the last 90 days) and ``status``."""
    client = _client(request)
    qs = OnlineReport.objects.filter(open311_client=client).select_related(
        "tracking", "jurisdiction"
    )
    ids = [
        i.strip().upper() for i in request.GET.get("service_request_id", "").split(",") if i.strip()
    ]
    if ids:
        qs = qs.filter(tracking__code__in=ids[:MAX_RESULTS])
    else:
        codes = [c for c in request.GET.get("service_code", "").split(",") if c]
        unknown = [c for c in codes if c not in ReportCategory.values]
        if unknown:
            raise Open311Error(404, f"service_code {unknown[0]} not found")
        if codes:
            qs = qs.filter(category__in=codes)
        start, end = _window(request)
        qs = qs.filter(created_at__gte=start, created_at__lte=end)
        statuses = {s for s in request.GET.get("status", "").split(",") if s}
        if statuses - {"open", "closed"}:
            raise Open311Error(400, "status must be open or closed")
        if statuses == {"open"}:
            qs = qs.filter(status__in=OPEN_REPORT)
        elif statuses == {"closed"}:
            qs = qs.exclude(status__in=OPEN_REPORT)
    rows = [_request_row(r) for r in qs.order_by("-created_at")[:MAX_RESULTS]]
    return render(fmt, "service_requests", "request", rows)


@csrf_exempt
@require_http_methods(["GET", "POST"])
@_format_or_404
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _post_request(request, fmt)
    return _get_requests(request, fmt)


@require_GET
@_format_or_404
def request_detail(request: HttpRequest, request_id: str, fmt: str) -> HttpResponse:
    """GET Service Request: one request (a list of one, as the spec shows)."""
    client = _client(request)
    report = (
        OnlineReport.objects.filter(open311_client=client, tracking__code=request_id.upper())
        .select_related("tracking", "jurisdiction")
        .first()
    )
    if report is None:
        raise Open311Error(404, f"service_request_id {request_id} not found")
    return render(fmt, "service_requests", "request", [_request_row(report)])


@require_GET
@_format_or_404
def token_detail(request: HttpRequest, token: str, fmt: str) -> HttpResponse:
    """GET service_request_id from a token (requests are created at once, so a token
    always resolves)."""
    client = _client(request)
    report = (
        OnlineReport.objects.filter(open311_client=client, token=token)
        .select_related("tracking")
        .first()
    )
    if report is None:
        raise Open311Error(404, f"token {token} not found")
    body = [{"service_request_id": report.tracking.code, "token": report.token}]
    return render(fmt, "service_requests", "request", body)
