"""The hindsight oracle (zhian.analytics.ceiling)."""

from __future__ import annotations

import numpy as np
import pytest

from zhian.analytics.ceiling import HindsightCounts
from zhian.analytics.datasets import synthetic_events
from zhian.analytics.events import DAY, EventSet
from zhian.analytics.forecasters import NaiveForecaster, make_forecaster
from zhian.analytics.grids import SquareGrid, StudyArea

X0, Y0 = 600_000.0, 4_800_000.0
UNTIL = 400 * DAY


def at(days: list[float], cells: list[int]) -> EventSet:
    """Events at the centres of 100 m cells along one row, ``days`` after the epoch."""
    x = X0 + np.asarray(cells, float) * 100 + 50
    return EventSet.from_xy(np.asarray(days) * DAY, x, np.full(len(x), Y0 + 50))


def area(n: int = 9) -> StudyArea:
    grid = SquareGrid(100.0)
    ix = np.arange(n) + int(X0 // 100)
    return StudyArea(grid, 32617, SquareGrid.encode(ix, np.full(n, int(Y0 // 100))))


def risk(ev: EventSet, *, half_width: float, near_weight: float = 0.0) -> np.ndarray:
    model = HindsightCounts(grid=SquareGrid(100.0), half_width=half_width, near_weight=near_weight)
    return model.fit(ev, UNTIL, area=area()).predict(UNTIL, 7.0).risk


def test_never_reads_the_window_but_reads_both_sides_of_it() -> None:
    past = at([100, 390], [1, 2])
    base = risk(past, half_width=364)
    # events inside [day 400, day 407) change nothing
    inside = at([100, 390, 400.5, 403, 406.9], [1, 2, 3, 3, 4])
    assert np.array_equal(risk(inside, half_width=364), base)
    # an event ten days after the window counts like one ten days before it
    after = at([100, 390, 417], [1, 2, 5])
    before = at([100, 390, 390], [1, 2, 5])
    assert risk(after, half_width=364)[5] == pytest.approx(risk(before, half_width=364)[5])
    assert risk(after, half_width=364)[5] == pytest.approx(7 / 364 / 2)
    # outside half_width on either side: not counted
    far = at([100, 390, 407 + 365], [1, 2, 6])
    assert risk(far, half_width=364)[6] == 0


def test_near_term_spreads_adjacent_windows_over_the_3x3_block() -> None:
    ev = at([300, 409], [1, 4])  # day 409 lies in the week after the window
    r0 = risk(ev, half_width=364)
    r1 = risk(ev, half_width=364, near_weight=0.9)
    extra = r1 - r0
    near_rate = 1 / 7 / 2  # one event in 7 days, averaged over the two sides
    expected = np.zeros(9)
    expected[[3, 4, 5]] = 0.9 * near_rate / 9 * 7
    assert extra == pytest.approx(expected)


def test_is_not_a_method_anyone_can_forecast_with() -> None:
    with pytest.raises(ValueError, match="unknown method 'hindsight'"):
        make_forecaster("hindsight")
    with pytest.raises(ValueError, match="half_width"):
        HindsightCounts(half_width=0).fit(at([1], [1]), 10 * DAY)
    with pytest.raises(ValueError, match="near_weight"):
        HindsightCounts(near_weight=-1).fit(at([1], [1]), 10 * DAY)


def test_with_no_future_it_ranks_like_the_count_of_the_same_past() -> None:
    """At the end of the data hindsight sees only the past: a 364-day count, halved."""
    ev = synthetic_events(np.random.default_rng(7), days=800, per_day=15.0, hotspots=40)
    end = int(ev.t[-1]) + 1
    area_ = StudyArea.from_events(SquareGrid(150.0), ev)
    oracle = HindsightCounts().fit(ev, end, area=area_).predict(end, 7.0)
    count = NaiveForecaster(window=364.0).fit(ev, end, area=area_).predict(end, 7.0)
    assert oracle.risk == pytest.approx(count.risk / 2)
    assert np.array_equal(oracle.ranking(), count.ranking())
