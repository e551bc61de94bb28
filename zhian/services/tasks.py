"""Background work of 便民服务 (django-tasks; run by ``manage.py db_worker``). Each task is a
named system job: its audit rows carry ``data["job"]``. Enqueue them from cron with
``manage.py enqueue_housekeeping`` (daily: reminders, retention, counters, listed in
``ZHIAN_DAILY_TASKS``; every few minutes with ``--frequent``: ``ZHIAN_FREQUENT_TASKS``)."""

from __future__ import annotations

from django_tasks import task

from zhian.services.operations import appointments, ratelimits, reports, retention


@task()
def send_appointment_reminders() -> int:
    """Remind citizens booked for tomorrow (once each)."""
    return appointments.send_reminders()


@task()
def erase_expired_contacts() -> int:
    """Erase phones and names past the retention period (statistics stay)."""
    return retention.erase_expired_contacts()


@task()
def sync_forwarded_reports() -> int:
    """Finish reports whose incident dispatch has closed, and send their survey links."""
    return reports.sync_forwarded_reports()


@task()
def prune_rate_counters() -> int:
    return ratelimits.prune_counters()
