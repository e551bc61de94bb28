"""Hit rate, PAI, PEI and backtests (zhian.analytics.evaluation)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhian.analytics.datasets import synthetic_events
from zhian.analytics.evaluation import backtest, hit_rate, pai, pei, score
from zhian.analytics.events import DAY, EventSet
from zhian.analytics.forecasters import Forecast, Forecaster, NaiveForecaster
from zhian.analytics.grids import SquareGrid, StudyArea


def line_area(n: int) -> StudyArea:
    """``n`` cells of 100 m in a row, matching :func:`events_in`."""
    ids = SquareGrid.encode(6000 + np.arange(n), np.full(n, 48000))
    return StudyArea(SquareGrid(100.0), 32617, ids)


def events_in(cells: list[int], counts: list[int]) -> EventSet:
    x = np.repeat(np.array(cells, float) * 100 + 50, counts) + 600_000
    return EventSet.from_xy(np.arange(len(x)), x, np.full(len(x), 4_800_050.0))


@pytest.mark.parametrize("coverage", [0.005, 0.01, 0.02, 0.05, 0.1])
def test_pai_of_a_perfect_forecast_is_100_over_coverage(coverage: float) -> None:
    area = line_area(1000)
    k = math.ceil(coverage * 1000)
    rng = np.random.default_rng(1)
    hot = rng.choice(1000, size=k, replace=False)
    ev = events_in(list(hot), list(rng.integers(1, 5, k)))
    risk = np.zeros(1000)
    risk[hot] = 1.0
    fc = Forecast(area, risk, 0, 7.0)
    assert hit_rate(fc, ev, coverage) == 1.0
    assert pai(fc, ev, coverage) == pytest.approx(100 / (coverage * 100))
    assert pei(fc, ev, coverage) == 1.0


def test_hand_computed_scores_and_misses_outside_the_area() -> None:
    area = line_area(200)  # 1 % = 2 cells, 5 % = 10 cells
    ev = events_in([0, 1, 2, 3, 500], [3, 1, 4, 2, 2])  # cell 500 is outside
    risk = np.zeros(200)
    risk[[0, 1]] = [2.0, 1.0]
    s = score(Forecast(area, risk, 0, 7.0), ev, [0.01])[0]
    assert (s.n_events, s.n_hits, s.n_flagged) == (12, 4, 2)
    assert s.hit_rate == pytest.approx(4 / 12)
    assert s.pai == pytest.approx((4 / 12) / (2 / 200))
    assert s.pei == pytest.approx(4 / 7)  # best two cells hold 4 + 3 events


def test_ties_break_to_the_lower_cell_id_and_empty_windows_are_nan() -> None:
    area = line_area(300)
    fc = Forecast(area, np.ones(300), 0, 7.0)
    assert fc.n_flagged(0.01) == 3
    assert np.flatnonzero(fc.flagged(0.01)).tolist() == [0, 1, 2]
    empty = events_in([], [])
    assert math.isnan(hit_rate(fc, empty, 0.01))


def test_pei_never_exceeds_one() -> None:
    rng = np.random.default_rng(7)
    area = line_area(400)
    for _ in range(20):
        ev = events_in(list(range(400)), list(rng.poisson(0.3, 400)))
        fc = Forecast(area, rng.random(400), 0, 7.0)
        for s in score(fc, ev):
            assert 0 <= s.pei <= 1 + 1e-12
            assert s.pai <= 1 / (s.n_flagged / 400) + 1e-9


class Spy(NaiveForecaster):
    """Records the newest training event it was given."""

    seen: list[tuple[int, int]] = []

    def _fit(self) -> None:
        Spy.seen.append((int(self.all_events_.t.max()), self.until_))
        super()._fit()


def test_backtest_trains_strictly_before_each_window() -> None:
    ev = synthetic_events(np.random.default_rng(2), days=120, per_day=15)
    Spy.seen = []
    models: dict[str, Forecaster] = {"spy": Spy(window=28.0), "naive": NaiveForecaster()}
    res = backtest(ev, models, "2018-03-01", 4, coverages=(0.01, 0.05))
    assert len(res.rows) == 4 * 2 * 2 and res.n_windows() == 4
    assert len(Spy.seen) == 4 and all(newest < until for newest, until in Spy.seen)
    origins = sorted({int(r["origin"]) for r in res.rows})
    assert np.all(np.diff(origins) == 7 * DAY)
    assert res.mean("naive", "pai", 0.01) > 1.0  # hot spots make counts informative
    assert "PAI@1" in res.table() and "spy" in res.table()
