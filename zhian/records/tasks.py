"""Background work of records: the deadline scan (盯案提醒).

Queued every few minutes by ``manage.py enqueue_housekeeping --frequent`` (it is in
``ZHIAN_FREQUENT_TASKS``); each notice is claimed by a conditional UPDATE, so overlapping
runs never send one twice.
"""

from __future__ import annotations

from django_tasks import task

from zhian.records.services.deadlines import scan_deadlines


@task()
def scan_case_deadlines() -> dict[str, int]:
    return scan_deadlines()
