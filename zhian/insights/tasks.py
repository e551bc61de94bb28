"""Insights' background work (django-tasks, run by ``manage.py db_worker``)."""

from __future__ import annotations

from django_tasks import task

from zhian.insights.services import alerts, forecasts


@task()
def run_forecast(forecast_id: int) -> str:
    """Compute one queued forecast (an analyst's on-demand run); its final status."""
    return str(forecasts.run_stored_forecast(forecast_id).status)


@task()
def weekly_forecasts() -> int:
    """Forecast every bureau and station, all categories and each busy category."""
    return forecasts.refresh_forecasts()


@task()
def fail_stale_forecasts() -> int:
    """Forecasts queued or running for hours (a dead worker, a lost task) end ``failed``."""
    return forecasts.fail_stale_forecasts()


@task()
def scan_near_repeat_alerts() -> int:
    """Alerts for newly recorded incidents of near-repeat categories; how many made."""
    return alerts.scan_near_repeat()


@task()
def prune_near_repeat_alerts() -> int:
    """Alerts that ended more than ``ZHIAN_ALERT_RETENTION_DAYS`` ago."""
    return alerts.prune_alerts()
