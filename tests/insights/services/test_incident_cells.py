"""The 警情发案图's per-day cell counts: kept equal to the incidents by dispatch's write
hook (record, re-categorise, merge), recounted by the rebuild, checked day by day."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from tests.insights.factories import record_incident, scatter_incidents
from zhian.core.errors import ValidationFailed
from zhian.dispatch.models import Incident
from zhian.dispatch.services import incidents as I
from zhian.insights.models import IncidentCellDay
from zhian.insights.services.incident_cells import (
    check_incident_cells,
    days_with_incidents,
    rebuild_incident_cells,
)

pytestmark = pytest.mark.django_db


def stored() -> Counter[tuple[int, dt.date, int, str]]:
    return Counter(
        {
            (r.jurisdiction_id, r.day, r.category_id, r.h3_cell): r.n
            for r in IncidentCellDay.objects.exclude(n=0)
        }
    )


def counted_from_incidents() -> Counter[tuple[int, dt.date, int, str]]:
    """The same key counted by hand from the incident rows (merged ones left out)."""
    tz = timezone.get_default_timezone()
    return Counter(
        (i.jurisdiction_id, i.received_at.astimezone(tz).date(), i.category_id, i.h3_cell)
        for i in Incident.objects.filter(merged_into__isnull=True)
    )


def local(y: int, m: int, d: int, hh: int = 0, mm: int = 0, ss: int = 0) -> dt.datetime:
    return dt.datetime(y, m, d, hh, mm, ss, tzinfo=timezone.get_default_timezone())


def test_recording_incidents_counts_them_per_local_day_and_cell(people: dict[str, Any]) -> None:
    # given incidents recorded through dispatch's intake, two in one cell on one day
    a = record_incident(people["dispatcher"], code="0105", lon=24.9400, lat=60.1700)
    record_incident(people["dispatcher"], code="0105", lon=24.94001, lat=60.17001)
    record_incident(people["dispatcher"], code="0101", lon=24.9500, lat=60.1740)
    # then the aggregate holds exactly the incidents' counts
    assert stored() == counted_from_incidents()
    row = IncidentCellDay.objects.get(h3_cell=a.h3_cell, category=a.category)
    assert row.n == 2 and row.jurisdiction_id == a.jurisdiction_id


def test_the_day_is_the_bureaus_local_day_not_utc(people: dict[str, Any]) -> None:
    # given an incident at 00:30 on 2 March in the bureau's zone (16:30 UTC on 1 March)
    # and one at 23:59:59 local on 1 March
    early = record_incident(
        people["dispatcher"], code="0105", lon=24.94, lat=60.17, at=local(2026, 3, 2, 0, 30)
    )
    late = record_incident(
        people["dispatcher"], code="0105", lon=24.94, lat=60.17, at=local(2026, 3, 1, 23, 59, 59)
    )
    assert early.received_at.astimezone(dt.UTC).date() == dt.date(2026, 3, 1)
    # then each counts on its local day
    days = dict(IncidentCellDay.objects.values_list("day", "n"))
    assert days == {dt.date(2026, 3, 2): 1, dt.date(2026, 3, 1): 1}
    assert late.h3_cell == early.h3_cell


def test_a_category_correction_moves_the_count(people: dict[str, Any]) -> None:
    inc = record_incident(people["dispatcher"], code="0105", lon=24.94, lat=60.17)
    I.do_update_incident(
        inc, acting_user=people["dispatcher"], expected_version=inc.version, category_code="0101"
    )
    assert stored() == counted_from_incidents()
    assert list(IncidentCellDay.objects.values_list("category__code", "n")) == [("0101", 1)]


def test_a_merged_duplicate_stops_counting(people: dict[str, Any]) -> None:
    first = record_incident(people["dispatcher"], code="0105", lon=24.94, lat=60.17)
    dup = record_incident(people["dispatcher"], code="0105", lon=24.9401, lat=60.1701)
    I.do_merge_incident(dup, into=first, acting_user=people["dispatcher"])
    assert stored() == counted_from_incidents()
    assert sum(IncidentCellDay.objects.values_list("n", flat=True)) == 1
    # an emptied cell leaves no zero row behind
    assert not IncidentCellDay.objects.filter(n=0).exists()


def test_a_refused_write_changes_no_count(people: dict[str, Any]) -> None:
    inc = record_incident(people["dispatcher"], code="0105", lon=24.94, lat=60.17)
    before = stored()
    with pytest.raises(ValidationFailed):
        I.do_update_incident(
            inc, acting_user=people["dispatcher"], expected_version=inc.version, category_code="x"
        )
    # and a write rolled back after the hook ran takes its count with it
    with pytest.raises(RuntimeError), transaction.atomic():
        record_incident(people["dispatcher"], code="0105", lon=24.94, lat=60.17)
        raise RuntimeError("rolled back")
    assert stored() == before


def test_rebuild_recounts_days_and_check_finds_the_ones_that_differ(
    people: dict[str, Any],
) -> None:
    now = timezone.now()
    scatter_incidents(people["dispatcher"], 30, until=now, days=10, seed=5)
    hooked = stored()
    span = days_with_incidents()
    assert span is not None
    assert check_incident_cells(*span) == []
    # given a bulk change that bypassed dispatch's services (no hook ran)
    victim = Incident.objects.order_by("pk").first()
    assert victim is not None
    Incident.objects.filter(pk=victim.pk).delete()
    day = victim.received_at.astimezone(timezone.get_default_timezone()).date()
    # then the check names exactly that day, and a rebuild of the span repairs it
    assert check_incident_cells(*span) == [day]
    rebuild_incident_cells(*span)
    assert check_incident_cells(*span) == []
    assert stored() == counted_from_incidents()
    assert sum(stored().values()) == sum(hooked.values()) - 1


def test_the_rebuild_command_backfills_and_checks(
    people: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    scatter_incidents(people["dispatcher"], 12, until=timezone.now(), days=40, seed=6)
    expected = stored()
    IncidentCellDay.objects.all().delete()
    with pytest.raises(Exception, match="counts differ"):
        call_command("rebuild_map_cells", "--layer", "incidents", "--check")
    call_command("rebuild_map_cells", "--layer", "incidents")
    assert stored() == expected
    call_command("rebuild_map_cells", "--layer", "incidents", "--check")
    assert "0 day(s) differ" in capsys.readouterr().out
