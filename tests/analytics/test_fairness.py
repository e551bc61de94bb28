"""Fairness report (zhian.analytics.fairness)."""

from __future__ import annotations

import numpy as np
import pytest

from zhian.analytics.events import EventSet
from zhian.analytics.fairness import fairness_report
from zhian.analytics.forecasters import Forecast
from zhian.analytics.grids import SquareGrid, StudyArea


def setup(hood_events: dict[str, int]) -> tuple[StudyArea, EventSet, list[str]]:
    """Ten cells per neighbourhood in a row; each cell holds the same events."""
    names = sorted(hood_events)
    xs, hoods = [], []
    for h, name in enumerate(names):
        for c in range(10):
            k = hood_events[name]
            xs += [(h * 10 + c) * 100 + 50.0] * k
            hoods += [name] * k
    x = np.array(xs) + 600_000
    ev = EventSet.from_xy(np.arange(len(x)), x, np.full(len(x), 4_800_050.0))
    ev = ev.replace(extra={"neighbourhood": np.array(hoods)})
    return StudyArea.from_events(SquareGrid(100.0), ev), ev, names


def test_flagging_in_proportion_to_events_is_even() -> None:
    area, ev, _ = setup({"A": 1, "B": 1, "C": 1, "D": 1})
    risk = np.tile(np.arange(10, 0, -1, dtype=float), 4)  # best cell of each hood first
    rep = fairness_report(Forecast(area, risk, 0, 7.0), ev, coverage=0.1)
    np.testing.assert_allclose(rep.flagged_share, 0.25)
    assert rep.dissimilarity == pytest.approx(0.0)
    assert rep.concentration == pytest.approx(0.0, abs=1e-12)
    assert rep.regions_flagged == 4


def test_flagging_one_quiet_neighbourhood_is_concentrated() -> None:
    area, ev, names = setup({"A": 1, "B": 3, "C": 3, "D": 3})
    risk = np.zeros(40)
    risk[:4] = 1.0  # all four flagged cells in A, which has 1/10 of the events
    rep = fairness_report(Forecast(area, risk, 0, 7.0), ev, coverage=0.1)
    assert rep.regions == names and rep.flagged.tolist() == [4, 0, 0, 0]
    assert rep.event_share.tolist() == pytest.approx([0.1, 0.3, 0.3, 0.3])
    assert rep.dissimilarity == pytest.approx(0.9)
    # curve: x = event share ordered by flagged/event ratio (B, C, D, then A)
    assert rep.concentration == pytest.approx(0.9)
    assert rep.top_share == 1.0
    assert "A" in rep.table() and "concentration index 0.900" in rep.table()
