"""Background work of records: the deadline scan (盯案提醒).

Enqueue ``scan_case_deadlines`` every few minutes (cron: ``manage.py scan_case_deadlines``,
or the django-tasks worker after ``scan_case_deadlines.enqueue()``); each notice is claimed
by a conditional UPDATE, so overlapping runs never send one twice.
"""

from __future__ import annotations

from django_tasks import task

from zhian.records.services.deadlines import scan_deadlines


@task()
def scan_case_deadlines() -> dict[str, int]:
    return scan_deadlines()
