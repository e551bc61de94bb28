"""The public patrol report (巡防公开报告) at ``/s/patrol-report/``: no log-in, nothing
runs as staff; it reads only what ``services.patrol_report`` publishes."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from zhian.core.errors import NotFound
from zhian.core.exports import write_xlsx, xlsx_response
from zhian.insights.forms import PatrolReportForm
from zhian.insights.services import patrol_report as reports


@require_GET
def patrol_report(request: HttpRequest) -> HttpResponse:
    weeks = reports.published_weeks()
    form = PatrolReportForm(request.GET)
    context: dict[str, object] = {
        "form": form,
        "weeks": weeks,
        "report": None,
        "error": "",
        "delay_days": settings.ZHIAN_PATROL_REPORT_DELAY_DAYS,
    }
    status = 200
    if not form.is_valid():
        status = 400
    else:
        try:
            context["report"] = reports.patrol_report(form.cleaned_data["week"] or weeks[0])
        except NotFound as exc:
            context["error"], status = exc.message, 404
    return render(request, "insights/public/patrol_report.html", context, status=status)


@require_GET
def patrol_report_xlsx(request: HttpRequest) -> HttpResponse:
    """The week's report as a spreadsheet (the page's tables), the same week rules."""
    form = PatrolReportForm(request.GET)
    if not form.is_valid():
        return HttpResponse(form.errors["week"][0], status=400, content_type="text/plain")
    try:
        report = reports.patrol_report(form.cleaned_data["week"] or reports.published_weeks()[0])
    except NotFound as exc:
        return HttpResponse(exc.message, status=404, content_type="text/plain")
    data = write_xlsx([reports.patrol_report_sheet(report)])
    name = _("巡防公开报告") + f"-{report.week_start.isoformat()}.xlsx"
    return xlsx_response(data, name)
