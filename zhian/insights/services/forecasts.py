"""Stored forecasts (风险预测): fit the recommended forecaster on the platform's own
incidents and store the risk surface with its method, data window and code version."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.analytics.evaluation import backtest
from zhian.analytics.events import EventSet
from zhian.analytics.fairness import cell_regions
from zhian.analytics.forecasters import EmptyTrainingWindowError, Forecast, make_forecaster
from zhian.analytics.grids import SquareGrid
from zhian.analytics.uncertainty import block_bootstrap_interval
from zhian.core import audit
from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import check_can
from zhian.dispatch.selectors import active_categories, incident_arrays
from zhian.insights.choices import RunStatus
from zhian.insights.models import StoredForecast
from zhian.insights.services.common import code_version, incident_events

METHODS = ("best", "decay", "naive365", "naive730", "kde")
#: A forecast still queued or running this many hours after it was created is failed by
#: the daily housekeeping (``fail_stale_forecasts``): one run (the fit and the 8-week
#: backtest) takes minutes, so a row this old has lost its worker. A row that was only
#: waiting behind a long queue and is picked up later still runs and ends ``done``.
STALE_FORECAST_HOURS = 6

logger = logging.getLogger(__name__)


def compute_forecast(
    events: EventSet,
    *,
    until: datetime | int,
    category: str | None,
    method: str = "best",
    horizon_days: int = 7,
    cell_size_m: float = 150.0,
) -> tuple[Forecast, str]:
    """The library call the platform makes (``python -m zhian.analytics forecast``):
    fit ``method`` on events before ``until`` and predict ``horizon_days``; returns the
    forecast and the method actually used (``best`` resolves per category)."""
    model = make_forecaster(method, grid=SquareGrid(cell_size_m), category=category)
    model.fit(events, until)
    used = str(getattr(model, "method", method))
    return model.predict(until, horizon_days), used


def recent_accuracy(
    events: EventSet,
    *,
    until: int,
    category: str | None,
    method: str,
    cell_size_m: float,
    weeks: int = 8,
) -> dict[str, Any]:
    """Hit rate and PAI at 1 % and 5 % of the area, means over the ``weeks`` weekly
    windows before ``until`` (each fitted on the events before it), next to the same
    scores of the plain count of the last 365 days (``baseline_*``, what a forecast has
    to beat) and in how many of the weeks with events the forecast's PAI@1 % was above
    the count's (``weeks_better_1`` of ``weeks_scored``), with the mean weekly difference
    of PAI@1 % and its 90 % interval (``pai_diff_1``, ``_lo``, ``_hi``); empty when the
    earliest window has no training events."""
    grid = SquareGrid(cell_size_m)
    models = {
        "m": make_forecaster(method, grid=grid, category=category),
        "count": make_forecaster("naive365", grid=grid, category=category),
    }
    start = until - weeks * 7 * 86_400
    try:
        res = backtest(events, models, start, weeks, coverages=(0.01, 0.05), category=category)
    except EmptyTrainingWindowError:
        return {}

    def rounded(value: float, digits: int) -> float | None:
        return None if np.isnan(value) else round(value, digits)

    out: dict[str, Any] = {"weeks": weeks}
    for cov, tag in ((0.01, "1"), (0.05, "5")):
        out[f"pai_{tag}"] = rounded(res.mean("m", "pai", cov), 3)
        out[f"hit_{tag}"] = rounded(res.mean("m", "hit_rate", cov), 4)
        out[f"baseline_pai_{tag}"] = rounded(res.mean("count", "pai", cov), 3)
        out[f"baseline_hit_{tag}"] = rounded(res.mean("count", "hit_rate", cov), 4)
    ours, count = res.per_window("m", "pai", 0.01), res.per_window("count", "pai", 0.01)
    scored = np.isfinite(ours) & np.isfinite(count)
    out["weeks_scored"] = int(scored.sum())
    out["weeks_better_1"] = int((ours[scored] > count[scored]).sum())
    diff = ours[scored] - count[scored]
    if diff.size >= 6:  # fewer weeks say too little for an interval (see the bootstrap)
        # how sure the difference is: a moving-block bootstrap over the weeks (blocks of
        # 2, neighbouring weeks being alike), as the bench does for a year
        lo, hi = block_bootstrap_interval([diff], float, block=2)
        out["pai_diff_1"] = rounded(float(diff.mean()), 3)
        out["pai_diff_1_lo"], out["pai_diff_1_hi"] = rounded(lo, 3), rounded(hi, 3)
    return out


def _set_progress(pk: int, progress: int, **fields: Any) -> None:
    StoredForecast.objects.filter(pk=pk).update(progress=progress, **fields)


def _fail(pk: int, error: str) -> None:
    _set_progress(pk, 100, status=RunStatus.FAILED, finished_at=timezone.now(), error=error[:500])


def run_stored_forecast(pk: int) -> StoredForecast:
    """Compute a queued forecast and store its surface (the task's body). Failures are
    stored on the row (status ``failed`` and the reason), not raised: whatever goes wrong
    once the row is loaded (the data read, the fit, the backtest, the region labels, the
    final write) ends the row ``failed`` and is logged with its traceback, so no row stays
    ``running``. A worker killed mid-run is caught by ``fail_stale_forecasts``."""
    fc = StoredForecast.objects.select_related("jurisdiction").get(pk=pk)
    try:
        _compute_and_store(fc)
    except Exception as exc:  # any failure is the row's, never left running
        logger.exception("forecast %s failed", pk)
        _fail(pk, _("计算出错：%(error)s") % {"error": f"{type(exc).__name__}: {exc}"})
    fc.refresh_from_db()
    return fc


def _compute_and_store(fc: StoredForecast) -> None:
    pk = fc.pk
    _set_progress(pk, 5, status=RunStatus.RUNNING)
    events = incident_events(
        fc.jurisdiction, since=fc.data_start, until=fc.data_end, category_code=fc.category_code
    )
    _set_progress(pk, 30)
    if events is None:
        _fail(pk, _("所选辖区和时段内没有警情，无法预测"))
        return
    try:
        forecast, used = compute_forecast(
            events,
            until=int(fc.data_end.timestamp()),
            category=fc.category_code or None,
            method=fc.requested_method,
            horizon_days=fc.horizon_days,
            cell_size_m=float(fc.cell_size_m),
        )
    except (EmptyTrainingWindowError, ValueError) as exc:
        _fail(pk, str(exc))  # the data cannot support this forecast: an expected outcome
        return
    _set_progress(pk, 60)
    accuracy = recent_accuracy(
        events,
        until=int(fc.data_end.timestamp()),
        category=fc.category_code or None,
        method=fc.requested_method,
        cell_size_m=float(fc.cell_size_m),
    )
    _set_progress(pk, 90)
    labels = cell_regions(forecast, events, "jurisdiction")
    rows = forecast.to_rows()
    order = forecast.ranking()
    cells = [
        [round(rows[i][1], 3), round(rows[i][2], 3), float(rows[i][4]), str(labels[i])]
        for i in order.tolist()
    ]
    StoredForecast.objects.filter(pk=pk).update(
        method=used,
        epsg=forecast.area.epsg,
        n_events=len(events),
        cells=cells,
        accuracy=accuracy,
        code_version=code_version(),
        status=RunStatus.DONE,
        progress=100,
        finished_at=timezone.now(),
        error="",
    )


def fail_stale_forecasts(now: datetime | None = None) -> int:
    """Housekeeping: mark forecasts still ``queued`` or ``running`` more than
    ``STALE_FORECAST_HOURS`` after they were created as ``failed`` (their worker died or
    the queue lost them), so the page stops showing progress that will never come.
    Returns how many were failed."""
    cutoff = (now or timezone.now()) - timedelta(hours=STALE_FORECAST_HOURS)
    with transaction.atomic():
        stale = StoredForecast.objects.filter(
            status__in=[RunStatus.QUEUED, RunStatus.RUNNING], created_at__lt=cutoff
        )
        ids = list(stale.values_list("pk", flat=True))
        if not ids:
            return 0
        failed = StoredForecast.objects.filter(
            pk__in=ids, status__in=[RunStatus.QUEUED, RunStatus.RUNNING]
        ).update(
            status=RunStatus.FAILED,
            progress=100,
            finished_at=timezone.now(),
            error=_("超过 %(h)s 小时未完成，已停止（计算进程中断或任务丢失），请重新运行")
            % {"h": STALE_FORECAST_HOURS},
        )
        audit.record(
            actor=None,
            action="insights.forecast",
            data={"job": "fail_stale_forecasts", "forecasts": ids[:100], "failed": failed},
        )
    return int(failed)


def _validate_request(category_code: str, method: str, horizon_days: int, cell: int) -> None:
    errors: dict[str, str] = {}
    if category_code and category_code not in {c.code for c in active_categories()}:
        errors["category_code"] = _("警情类别 %(code)s 不存在或已停用") % {"code": category_code}
    if method not in METHODS:
        errors["method"] = _("预测方法须为 %(m)s 之一") % {"m": ", ".join(METHODS)}
    if not 1 <= horizon_days <= 28:
        errors["horizon_days"] = _("预测天数须为 1–28")
    if not 50 <= cell <= 1000:
        errors["cell_size_m"] = _("网格边长须为 50–1000 米")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_forecast", fields=errors)


@transaction.atomic
def do_request_forecast(
    jurisdiction: Jurisdiction,
    *,
    acting_user: Any,
    category_code: str = "",
    method: str = "best",
    horizon_days: int = 7,
    cell_size_m: int = 150,
    data_end: datetime | None = None,
) -> StoredForecast:
    """Queue a forecast for ``jurisdiction`` (an analyst's on-demand run); the background
    task computes it and the page follows its ``progress``."""
    check_can(acting_user, "insights.forecast", jurisdiction)
    _validate_request(category_code, method, horizon_days, cell_size_m)
    end = data_end or timezone.now()
    fc = StoredForecast.objects.create(
        jurisdiction=jurisdiction,
        category_code=category_code,
        requested_method=method,
        data_start=end - timedelta(days=settings.ZHIAN_FORECAST_DATA_DAYS),
        data_end=end,
        horizon_days=horizon_days,
        cell_size_m=cell_size_m,
        created_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        action="insights.forecast",
        obj=fc,
        data={"jurisdiction": jurisdiction.code, "category": category_code, "method": method},
    )
    from zhian.insights.tasks import run_forecast

    transaction.on_commit(lambda: run_forecast.enqueue(fc.pk))
    return fc


def refresh_forecasts(now: datetime | None = None) -> int:
    """The weekly job: for the bureau and each station, one forecast of all categories and
    one per category with at least ``ZHIAN_FORECAST_MIN_EVENTS`` incidents in the data
    window; computed here, one after another. It is queued daily with the housekeeping
    and skips a scope whose last finished forecast is less than 7 days old, so each scope
    is refreshed weekly. One scope's failure does not stop the others: a forecast that
    fails is stored ``failed``, an error in a scope's own reads is logged, and the job
    logs how many failed. Returns how many were stored."""
    end = now or timezone.now()
    start = end - timedelta(days=settings.ZHIAN_FORECAST_DATA_DAYS)
    done = 0
    failed: list[str] = []
    scopes = Jurisdiction.objects.filter(
        kind__in=[JurisdictionKind.BUREAU, JurisdictionKind.STATION]
    ).order_by("path")
    for j in scopes:
        try:
            stored, bad = _refresh_scope(j, start, end)
        except Exception:  # the next scope still gets its forecasts
            logger.exception("weekly forecasts: scope %s failed", j.code)
            failed.append(j.code)
            continue
        done += stored
        failed += [f"{j.code}/{code or 'all'}" for code in bad]
    if failed:
        logger.error(
            "weekly forecasts: %d stored, %d failed: %s", done, len(failed), ", ".join(failed)
        )
    return done


def _refresh_scope(j: Jurisdiction, start: datetime, end: datetime) -> tuple[int, list[str]]:
    """One scope's weekly forecasts: how many were stored and the categories that failed."""
    arr = incident_arrays(since=start, until=end, jurisdiction_path=j.path)
    if len(arr["t"]) == 0:
        return 0, []
    codes, counts = np.unique(arr["category"], return_counts=True)
    wanted = [""] + [
        str(c)
        for c, n in zip(codes, counts, strict=True)
        if n >= settings.ZHIAN_FORECAST_MIN_EVENTS
    ]
    fresh = set(
        StoredForecast.objects.filter(
            jurisdiction=j, status=RunStatus.DONE, data_end__gt=end - timedelta(days=7)
        ).values_list("category_code", flat=True)
    )
    done, bad = 0, []
    for code in wanted:
        if code in fresh:
            continue
        fc = StoredForecast.objects.create(
            jurisdiction=j, category_code=code, data_start=start, data_end=end
        )
        audit.record(
            actor=None,
            action="insights.forecast",
            obj=fc,
            data={"job": "weekly_forecasts", "jurisdiction": j.code, "category": code},
        )
        if run_stored_forecast(fc.pk).status == RunStatus.DONE:
            done += 1
        else:
            bad.append(code)
    return done, bad
