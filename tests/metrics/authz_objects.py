"""Metrics' objects for the authorisation matrix (tests/core/security/test_authz_matrix.py):
last month's stored report of station S1 ("in") and S2 ("out"), made by the scheduled job;
the seeded indicators (六降两升) are one table for the bureau."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps as django_apps


def authz_objects(tree: dict[str, Any]) -> dict[str, dict[str, str]]:
    from zhian.metrics.choices import ReportKind
    from zhian.metrics.models import IndicatorDefinition, StoredReport
    from zhian.metrics.services.reports import generate_due_reports

    if not IndicatorDefinition.objects.exists():
        importlib.import_module("zhian.metrics.migrations.0002_seed_six_down_two_up").seed(
            django_apps, None
        )
    indicator = IndicatorDefinition.objects.order_by("order", "code").first()
    assert indicator is not None
    generate_due_reports()
    out: dict[str, dict[str, str]] = {}
    for scope, station in (("in", "S1"), ("out", "S2")):
        report = StoredReport.objects.get(kind=ReportKind.MONTHLY, jurisdiction=tree[station])
        out[scope] = {"report_id": str(report.pk), "code": indicator.code, "fmt": "xlsx"}
    return out
