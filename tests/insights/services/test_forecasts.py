"""Stored forecasts: the stored surface is the library's output on the same incidents;
on-demand runs queue, progress and finish; the weekly job covers bureau and stations."""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import numpy as np
import pytest
from django.conf import settings as django_settings
from django.utils import timezone

from tests.insights.factories import record_incident, scatter_incidents
from zhian.analytics.evaluation import backtest
from zhian.analytics.events import EventSet
from zhian.analytics.forecasters import make_forecaster
from zhian.analytics.grids import SquareGrid
from zhian.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.dispatch.models import Incident
from zhian.insights.choices import RunStatus
from zhian.insights.models import StoredForecast
from zhian.insights.selectors import access_forecast, forecasts_for
from zhian.insights.services import forecasts
from zhian.insights.services.forecasts import do_request_forecast, refresh_forecasts
from zhian.insights.tasks import fail_stale_forecasts as fail_stale_forecasts_task

pytestmark = pytest.mark.django_db


def library_events(incidents: list[Incident], code: str | None) -> EventSet:
    """The incidents as the library's events, built here from the model rows rather
    than through insights."""
    rows = [i for i in incidents if code is None or i.category.code == code]
    return EventSet.from_arrays(
        [int(i.received_at.timestamp()) for i in rows],
        [i.lon for i in rows],
        [i.lat for i in rows],
        [i.category.code for i in rows],
    )


def library_rows(incidents: list[Incident], until: dt.datetime, code: str | None) -> list[Any]:
    """What ``python -m zhian.analytics forecast --method best`` computes on the same
    incidents."""
    ev = library_events(incidents, code)
    model = make_forecaster("best", grid=SquareGrid(150), category=code)
    fc = model.fit(ev, int(until.timestamp())).predict(int(until.timestamp()), 7)
    order = fc.ranking()
    all_rows = fc.to_rows()
    return [(round(all_rows[i][1], 3), round(all_rows[i][2], 3), all_rows[i][4]) for i in order]


def test_a_stored_forecast_equals_the_library_output(
    people: dict[str, Any], hki: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given 120 incidents over the last 60 days
    now = timezone.now()
    incidents = scatter_incidents(people["dispatcher"], 120, until=now, days=60)
    # when an analyst runs a burglary forecast for the bureau (the task runs on commit)
    with django_capture_on_commit_callbacks(execute=True):
        fc = do_request_forecast(
            hki["HKI"], acting_user=people["analyst"], category_code="0105", data_end=now
        )
    fc.refresh_from_db()
    # then it is done and its surface is the library's, cell for cell, in rank order
    assert fc.status == RunStatus.DONE and fc.progress == 100
    assert fc.method == "decay"  # best for a category the selection never saw
    expected = library_rows(incidents, now, "0105")
    assert [(c[0], c[1]) for c in fc.cells] == [(e[0], e[1]) for e in expected]
    np.testing.assert_allclose([c[2] for c in fc.cells], [e[2] for e in expected], rtol=1e-12)
    assert fc.n_events == sum(i.category.code == "0105" for i in incidents)
    assert fc.epsg == 32635 and fc.code_version
    # with the recent accuracy of the same method and an audit row
    assert set(fc.accuracy) >= {"weeks", "pai_1", "hit_1", "pai_5", "hit_5"}
    assert AuditEvent.objects.filter(action="insights.forecast").count() == 1


def test_the_stored_accuracy_compares_with_the_plain_count_week_by_week(
    people: dict[str, Any], hki: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    # given a place busy 400-700 days ago and again every few days of the last 8 weeks,
    # and another place busy 100-200 days ago only: the 730-day count ranks the first
    # on top, the 365-day count the second
    now = timezone.now()
    busy, lapsed = (24.9400, 60.1700), (24.9500, 60.1740)
    user = people["dispatcher"]
    incidents = [
        record_incident(user, code="0101", lon=lon, lat=lat, at=now - dt.timedelta(days=d))
        for (lon, lat), days in (
            (busy, range(400, 700, 10)),
            (lapsed, range(100, 200, 5)),
            (busy, range(1, 57, 3)),
        )
        for d in days
    ]
    incidents += scatter_incidents(user, 60, until=now, days=300, seed=2)
    # when an analyst stores a 730-day-count forecast
    with django_capture_on_commit_callbacks(execute=True):
        fc = do_request_forecast(
            hki["HKI"], acting_user=people["analyst"], data_end=now, method="naive730"
        )
    fc.refresh_from_db()
    assert fc.status == RunStatus.DONE
    # then its stored accuracy is the library's backtest of that method and of the
    # 365-day count over the same 8 weeks, and the forecast won every week
    until = int(now.timestamp())
    res = backtest(
        library_events(incidents, None),
        {
            "m": make_forecaster("naive730", grid=SquareGrid(150)),
            "count": make_forecaster("naive365", grid=SquareGrid(150)),
        },
        until - 8 * 7 * 86_400,
        8,
        coverages=(0.01, 0.05),
    )
    acc = fc.accuracy
    assert acc["pai_1"] == pytest.approx(res.mean("m", "pai", 0.01), abs=5e-4)
    assert acc["baseline_pai_1"] == pytest.approx(res.mean("count", "pai", 0.01), abs=5e-4)
    assert acc["baseline_pai_5"] == pytest.approx(res.mean("count", "pai", 0.05), abs=5e-4)
    assert acc["pai_1"] > acc["baseline_pai_1"]
    assert acc["weeks_scored"] == 8 and acc["weeks_better_1"] == 8
    # with the mean weekly difference and its interval, which holds it
    weekly = res.per_window("m", "pai", 0.01) - res.per_window("count", "pai", 0.01)
    assert acc["pai_diff_1"] == pytest.approx(weekly.mean(), abs=5e-4)
    assert acc["pai_diff_1_lo"] <= acc["pai_diff_1"] <= acc["pai_diff_1_hi"]
    assert acc["pai_diff_1_lo"] > 0  # it won every week


def test_only_analysts_run_forecasts_and_only_in_scope(
    people: dict[str, Any], hki: dict[str, Any]
) -> None:
    with pytest.raises(PermissionDenied):
        do_request_forecast(hki["HKI"], acting_user=people["leader"])
    with pytest.raises(NotFound):
        do_request_forecast(hki["HKI-E"], acting_user=people["analyst_w"])
    with pytest.raises(ValidationFailed) as err:
        do_request_forecast(
            hki["HKI"],
            acting_user=people["analyst"],
            category_code="9999",
            method="magic",
            horizon_days=0,
        )
    assert set(err.value.extra["fields"]) == {"category_code", "method", "horizon_days"}
    assert not StoredForecast.objects.exists()


def test_a_forecast_without_incidents_fails_with_the_reason(
    people: dict[str, Any], hki: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        fc = do_request_forecast(hki["HKI-W"], acting_user=people["analyst_w"])
    fc.refresh_from_db()
    assert fc.status == RunStatus.FAILED and "没有警情" in fc.error


def test_weekly_job_covers_bureau_and_stations_once_a_week(
    people: dict[str, Any], hki: dict[str, Any], settings: Any
) -> None:
    settings.ZHIAN_FORECAST_MIN_EVENTS = 25
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 80, until=now, days=60, seed=3)
    made = refresh_forecasts(now)
    scopes = set(StoredForecast.objects.values_list("jurisdiction__code", "category_code"))
    # all categories for the bureau and both stations; per category where busy enough
    assert {("HKI", ""), ("HKI-W", ""), ("HKI-E", ""), ("HKI", "0101"), ("HKI", "0105")} <= scopes
    assert made == len(scopes)
    # a day later nothing is due
    assert refresh_forecasts(now + dt.timedelta(days=1)) == 0
    # a station analyst sees the station's forecasts, not the other station's
    seen = {f.jurisdiction.code for f in forecasts_for(people["analyst_w"])}
    assert seen == {"HKI-W"}
    other = StoredForecast.objects.filter(jurisdiction__code="HKI-E").first()
    assert other is not None
    with pytest.raises(NotFound):
        access_forecast(people["analyst_w"], other.pk)


def test_a_forecast_that_fails_after_the_fit_ends_failed_with_the_reason(
    people: dict[str, Any],
    hki: dict[str, Any],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # given enough incidents, and the region labelling failing (out of memory, say)
    scatter_incidents(people["dispatcher"], 60, until=timezone.now(), days=30)
    fc = do_request_forecast(hki["HKI"], acting_user=people["analyst"])

    def no_memory(*args: Any, **kwargs: Any) -> Any:
        raise MemoryError("simulated")

    monkeypatch.setattr(forecasts, "cell_regions", no_memory)
    # when the task runs it
    with caplog.at_level(logging.ERROR, logger="zhian.insights.services.forecasts"):
        out = forecasts.run_stored_forecast(fc.pk)
    # then the row is failed with the reason, not left running, and the error is logged
    fc.refresh_from_db()
    assert out.status == fc.status == RunStatus.FAILED and fc.progress == 100
    assert "MemoryError: simulated" in fc.error and fc.finished_at is not None
    assert any(r.exc_info and "forecast" in r.getMessage() for r in caplog.records)


def test_the_weekly_job_goes_on_after_a_scope_fails(
    people: dict[str, Any],
    hki: dict[str, Any],
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings.ZHIAN_FORECAST_MIN_EVENTS = 1000  # all-category forecasts only
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 80, until=now, days=60, seed=3)
    # given the bureau's read failing, and the first forecast computed failing too
    real_read, real_regions = forecasts.incident_arrays, forecasts.cell_regions
    calls = {"regions": 0}

    def read(**kwargs: Any) -> Any:
        if kwargs.get("jurisdiction_path") == hki["HKI"].path:
            raise RuntimeError("bureau read failed")
        return real_read(**kwargs)

    def regions(*args: Any, **kwargs: Any) -> Any:
        calls["regions"] += 1
        if calls["regions"] == 1:
            raise RuntimeError("labelling failed")
        return real_regions(*args, **kwargs)

    monkeypatch.setattr(forecasts, "incident_arrays", read)
    monkeypatch.setattr(forecasts, "cell_regions", regions)
    # when the weekly job runs
    with caplog.at_level(logging.ERROR, logger="zhian.insights.services.forecasts"):
        made = refresh_forecasts(now)
    # then the one station failed, the other still got its forecast, and both are logged
    rows = {f.jurisdiction.code: f for f in StoredForecast.objects.select_related("jurisdiction")}
    assert set(rows) == {"HKI-W", "HKI-E"} and made == 1
    assert sorted(f.status for f in rows.values()) == [RunStatus.DONE, RunStatus.FAILED]
    summary = [r.getMessage() for r in caplog.records if "1 stored, 2 failed" in r.getMessage()]
    assert summary and "HKI" in summary[0]


def test_housekeeping_fails_stale_forecasts_and_leaves_fresh_ones(hki: dict[str, Any]) -> None:
    now = timezone.now()
    end = now - dt.timedelta(days=1)

    def row(status: str, hours_ago: float) -> StoredForecast:
        fc = StoredForecast.objects.create(
            jurisdiction=hki["HKI"], status=status, data_start=end, data_end=end
        )
        StoredForecast.objects.filter(pk=fc.pk).update(
            created_at=now - dt.timedelta(hours=hours_ago)
        )
        return fc

    stale_running = row(RunStatus.RUNNING, forecasts.STALE_FORECAST_HOURS + 1)
    stale_queued = row(RunStatus.QUEUED, forecasts.STALE_FORECAST_HOURS + 1)
    fresh = row(RunStatus.RUNNING, 1)
    old_done = row(RunStatus.DONE, 48)
    assert fail_stale_forecasts_task.call() == 2
    for fc in (stale_running, stale_queued, fresh, old_done):
        fc.refresh_from_db()
    assert stale_running.status == stale_queued.status == RunStatus.FAILED
    assert "小时未完成" in stale_running.error and stale_running.finished_at is not None
    assert fresh.status == RunStatus.RUNNING and old_done.status == RunStatus.DONE
    assert AuditEvent.objects.filter(data__job="fail_stale_forecasts").count() == 1
    assert "zhian.insights.tasks.fail_stale_forecasts" in django_settings.ZHIAN_DAILY_TASKS
