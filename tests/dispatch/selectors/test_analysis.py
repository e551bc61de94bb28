"""Dispatch's read side for other apps (``selectors.analysis``), on the real database."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from zhian.dispatch.models import Unit, UnitPosition
from zhian.dispatch.selectors import fixes_around
from zhian.dispatch.services.units import PositionFix, do_record_positions

pytestmark = pytest.mark.django_db


def record(unit: Unit, user: Any, start: dt.datetime, seconds: list[int]) -> list[int]:
    """Fixes of ``unit`` at ``start`` + each of ``seconds`` (through dispatch's service);
    their ids, in that order."""
    assert unit.lon is not None and unit.lat is not None
    fixes = [
        PositionFix(lon=unit.lon + i * 1e-4, lat=unit.lat, at=start + dt.timedelta(seconds=s))
        for i, s in enumerate(seconds)
    ]
    do_record_positions(unit, fixes, acting_user=user)
    return list(
        UnitPosition.objects.filter(unit=unit).order_by("-pk").values_list("pk", flat=True)
    )[: len(seconds)][::-1]


def test_fixes_around_reads_several_units_from_the_fix_before_to_the_fix_after(
    units: dict[str, Unit], people: dict[str, Any], django_assert_num_queries: Any
) -> None:
    # given a ten-minute window yesterday (starting 0.7 s into a second: ``t`` is whole
    # seconds, as ``int(at.timestamp())``) and
    first = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=700_000)
    last = first + dt.timedelta(minutes=10)
    user = people["dispatcher"]
    w1, w2, w3, e1 = units["W-01"], units["W-02"], units["W-03"], units["E-01"]
    # W-01: an old fix, two fixes 2 minutes before the window (the same second), fixes at
    # its first and last second and in it, then two after it
    ids1 = record(w1, user, first, [-900, -120, -120, 0, 300, 600, 900, 1200])
    # W-02: one fix an hour before the window, nothing in or after it
    ids2 = record(w2, user, first, [-3600])
    # W-03 has no fix at all; E-01 has fixes in the window but is not asked for
    record(e1, user, first, [60, 120])
    # when the fixes around the window are read for W-01, W-02 and W-03
    with django_assert_num_queries(1):
        out = fixes_around([w3.pk, w1.pk, w2.pk, w1.pk], first, last)
    # then every unit asked for is there, and only those
    assert set(out) == {w1.pk, w2.pk, w3.pk}
    # W-01: from the fixes just before the window (both) to the first one after it
    t0 = int(first.timestamp())
    assert w1.lon is not None and w1.lat is not None
    assert out[w1.pk]["id"].tolist() == ids1[1:7]
    assert out[w1.pk]["t"].tolist() == [t0 + s for s in (-120, -120, 0, 300, 600, 900)]
    assert out[w1.pk]["lon"].tolist() == pytest.approx([w1.lon + i * 1e-4 for i in range(1, 7)])
    assert out[w1.pk]["lat"].tolist() == pytest.approx([w1.lat] * 6)
    # W-02: only the fix before the window (there is none after it to stop at)
    assert out[w2.pk]["id"].tolist() == ids2
    assert out[w2.pk]["t"].tolist() == [t0 - 3600]
    # W-03: empty arrays of the same layout
    assert {k: v.size for k, v in out[w3.pk].items()} == {"id": 0, "t": 0, "lon": 0, "lat": 0}
    assert out[w3.pk]["t"].dtype == out[w1.pk]["t"].dtype


def test_fixes_around_without_fixes_before_the_window_starts_at_its_first_second(
    units: dict[str, Unit], people: dict[str, Any]
) -> None:
    # given a unit whose fixes start inside the window and go on after it
    first = (timezone.now() - dt.timedelta(days=1)).replace(microsecond=0)
    unit = units["E-02"]
    ids = record(unit, people["dispatcher"], first, [30, 90, 700, 800])
    # when its fixes around the first ten minutes are read
    out = fixes_around([unit.pk], first, first + dt.timedelta(minutes=10))
    # then they run from its first fix to the first one after the window
    assert out[unit.pk]["id"].tolist() == ids[:3]
    # and asking for no unit reads nothing
    assert fixes_around([], first, first) == {}
