"""Block-bootstrap intervals of a backtest's headline (zhian.analytics.uncertainty)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhian.analytics.evaluation import BacktestResult
from zhian.analytics.uncertainty import (
    block_bootstrap_interval,
    gap_closed,
    gap_closed_interval,
    gap_closed_to_show,
    years_to_settle,
)


def _mean(x: float) -> float:
    return x


def test_gap_closed_by_hand() -> None:
    assert gap_closed(10.5, 10.0, 11.0) == pytest.approx(0.5)
    assert gap_closed(12.0, 10.0, 11.0) == pytest.approx(2.0)
    assert gap_closed(9.0, 10.0, 11.0) == pytest.approx(-1.0)
    assert math.isnan(gap_closed(10.5, 10.0, 10.0))


def test_an_unvarying_series_has_a_point_interval() -> None:
    lo, hi = gap_closed_interval([10.5] * 20, [10.0] * 20, [11.0] * 20)
    assert lo == pytest.approx(0.5) and hi == pytest.approx(0.5)


def test_iid_draws_match_the_normal_interval_of_a_mean() -> None:
    x = np.random.default_rng(1).normal(size=400)
    lo, hi = block_bootstrap_interval([x], _mean, block=1, draws=4000, level=0.9)
    half = 1.645 * x.std(ddof=1) / math.sqrt(x.size)
    assert lo == pytest.approx(x.mean() - half, abs=0.25 * half)
    assert hi == pytest.approx(x.mean() + half, abs=0.25 * half)


def test_blocks_widen_the_interval_of_a_dependent_series() -> None:
    rng = np.random.default_rng(2)
    x = np.zeros(520)
    for i in range(1, x.size):
        x[i] = 0.8 * x[i - 1] + rng.normal()
    iid = block_bootstrap_interval([x], _mean, block=1)
    blocked = block_bootstrap_interval([x], _mean, block=20)
    assert blocked[1] - blocked[0] > 1.8 * (iid[1] - iid[0])


def test_pairing_cancels_what_the_series_share() -> None:
    """Weekly swings common to all three series do not widen the gap's interval."""
    rng = np.random.default_rng(3)
    common = rng.normal(scale=3.0, size=52)
    naive = 10.0 + common
    lo, hi = gap_closed_interval(naive + 0.5, naive, naive + 1.0)
    assert lo == pytest.approx(0.5) and hi == pytest.approx(0.5)


def test_windows_without_events_are_dropped_and_draws_are_reproducible() -> None:
    rng = np.random.default_rng(4)
    naive = rng.normal(10, 1, size=52)
    best = naive + rng.normal(0.3, 0.5, size=52)
    ceiling = naive + 0.6
    best[7] = np.nan
    first = gap_closed_interval(best, naive, ceiling, seed=5)
    assert first == gap_closed_interval(best, naive, ceiling, seed=5)
    assert all(np.isfinite(first))
    point = gap_closed(
        float(np.nanmean(best[np.isfinite(best)])),
        naive[np.isfinite(best)].mean(),
        0.6 + naive[np.isfinite(best)].mean(),
    )
    assert first[0] < point < first[1]
    wide = gap_closed_interval(best, naive, ceiling, seed=5, level=0.99)
    assert wide[0] < first[0] and wide[1] > first[1]


def test_too_few_windows_for_the_blocks_give_no_interval() -> None:
    """Two weeks of +5 and -3 must not come out as the certain mean 1.0."""
    assert all(math.isnan(v) for v in block_bootstrap_interval([[5.0, -3.0]], _mean, block=2))
    assert all(math.isnan(v) for v in block_bootstrap_interval([[5.0, -3.0, 1.0]], _mean))
    assert years_to_settle([11.0, 10.0, 12.0], [10.0] * 3, [11.0] * 3) is None
    lo, hi = block_bootstrap_interval([[5.0, -3.0, 1.0, 2.0]], _mean, block=2)
    assert lo < hi


def test_a_longer_resample_narrows_the_interval_as_the_square_root() -> None:
    x = np.random.default_rng(6).normal(size=52)
    one = block_bootstrap_interval([x], _mean, block=1)
    four = block_bootstrap_interval([x], _mean, block=1, length=4 * 52)
    assert (four[1] - four[0]) == pytest.approx((one[1] - one[0]) / 2, rel=0.1)
    assert four[0] < x.mean() < four[1]


def test_years_to_settle_matches_the_normal_interval_of_iid_weeks() -> None:
    """Weeks of independent noise around a gap closed of 0.6: a 90 % interval of
    1.645 sd / sqrt(52 k) excludes 0.5 from k = (1.645 sd / (mean - 0.5))^2 / 52."""
    rng = np.random.default_rng(7)
    naive = np.full(52, 10.0)
    best = 10.6 + rng.normal(scale=0.5, size=52)
    shortfall = best.mean() - 10.5
    expected = (1.645 * best.std() / shortfall) ** 2 / 52
    years = years_to_settle(best, naive, naive + 1.0, block=1)
    assert years is not None and expected <= years <= expected + 2
    assert years_to_settle(best, naive, naive + 1.0, block=1, max_years=years - 1) is None


def test_a_year_settles_what_is_far_from_the_target_and_never_what_sits_on_it() -> None:
    rng = np.random.default_rng(8)
    naive = 10.0 + rng.normal(scale=2.0, size=52)
    ceiling = naive + 1.0
    assert years_to_settle(naive + 0.95, naive, ceiling) == 1
    assert years_to_settle(naive + 0.05, naive, ceiling) == 1
    on_target = naive + 0.5 + rng.normal(scale=0.3, size=52)
    on_target += naive.mean() + 0.5 - on_target.mean()
    assert years_to_settle(on_target, naive, ceiling) is None


def test_the_gap_closed_needed_to_show_the_target_is_the_mark_plus_the_interval() -> None:
    """With independent weeks, a year shows 0.5 only from 0.5 + 1.645 sd / sqrt(52),
    whatever the method closes now."""
    rng = np.random.default_rng(9)
    naive = np.full(52, 10.0)
    noise = rng.normal(scale=0.5, size=52)
    needed = 0.5 + 1.645 * noise.std() / np.sqrt(52)
    for closes in (0.1, 0.5, 1.2):
        shown = gap_closed_to_show(10.0 + closes + noise, naive, naive + 1.0, block=1)
        assert shown == pytest.approx(needed, abs=0.02)
    assert gap_closed_to_show(naive + 0.2, naive, naive + 1.0) == pytest.approx(0.5)
    assert math.isnan(gap_closed_to_show(naive + 0.2, naive, naive))


@pytest.mark.parametrize("kwargs", [{"level": 1.0}, {"level": 0.0}, {"block": 0}, {"draws": 0}])
def test_bad_settings_are_refused(kwargs: dict[str, float]) -> None:
    with pytest.raises(ValueError):
        block_bootstrap_interval([[1.0, 2.0]], _mean, **kwargs)  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        block_bootstrap_interval([[1.0, 2.0]], _mean, length=0)
    with pytest.raises(ValueError):
        years_to_settle([1.0], [0.0], [2.0], max_years=0)


def test_per_window_scores_come_in_window_order() -> None:
    res = BacktestResult(coverages=(0.01,))
    for origin, value in ((300, 3.0), (100, 1.0), (200, 2.0)):
        res.rows.append({"method": "m", "origin": origin, "coverage": 0.01, "pai": value})
        res.rows.append({"method": "other", "origin": origin, "coverage": 0.01, "pai": -1.0})
    assert res.per_window("m", "pai", 0.01).tolist() == [1.0, 2.0, 3.0]
