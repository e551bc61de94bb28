"""Knox test (zhian.analytics.near_repeat)."""

from __future__ import annotations

import numpy as np
import pytest

from zhian.analytics.events import DAY, EventSet
from zhian.analytics.near_repeat import knox_test

SPACE = (0, 100, 200, 400)
TIME = (0, 7, 14, 28)


def near_repeat_pattern(rng: np.random.Generator, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Originating events uniform over 3 km × 365 days; half of them get a repeat
    within 80 m and 5 days."""
    xy = rng.uniform(0, 3000, (n, 2))
    t = rng.uniform(0, 365, n)
    k = n // 2
    rep_xy = xy[:k] + rng.uniform(-55, 55, (k, 2))
    rep_t = t[:k] + rng.uniform(0, 5, k)
    return np.vstack([xy, rep_xy]), np.concatenate([t, rep_t])


def knox_slow(xy: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.zeros((len(SPACE) - 1, len(TIME)), dtype=int)
    for i in range(len(t)):
        for j in range(i + 1, len(t)):
            d = np.hypot(*(xy[i] - xy[j]))
            if d >= SPACE[-1]:
                continue
            si = np.searchsorted(SPACE, d, side="right") - 1
            ti = np.searchsorted(TIME, abs(t[i] - t[j]), side="right") - 1
            out[si, ti] += 1
    return out


def test_observed_table_matches_brute_force() -> None:
    xy, t = near_repeat_pattern(np.random.default_rng(0), n=120)
    res = knox_test(xy=xy, t_days=t, space_bands=SPACE, time_bands=TIME, permutations=9, rng=0)
    np.testing.assert_array_equal(res.observed, knox_slow(xy, t))


def test_finds_a_known_near_repeat_effect() -> None:
    xy, t = near_repeat_pattern(np.random.default_rng(1))
    res = knox_test(
        xy=xy,
        t_days=t,
        space_bands=SPACE,
        time_bands=TIME,
        permutations=199,
        rng=np.random.default_rng(2),
    )
    assert res.ratio[0, 0] > 5
    assert res.p_value[0, 0] <= 0.01
    # permutations keep the spatial pairs: per distance band, totals are unchanged
    np.testing.assert_allclose(res.expected.sum(axis=1), res.observed.sum(axis=1))
    assert "0-100 m" in res.table() and ">=28 d" in res.table()


def test_no_effect_once_times_are_shuffled() -> None:
    rng = np.random.default_rng(1)
    xy, t = near_repeat_pattern(rng)
    res = knox_test(
        xy=xy,
        t_days=rng.permutation(t),
        space_bands=SPACE,
        time_bands=TIME,
        permutations=199,
        rng=np.random.default_rng(3),
    )
    assert res.p_value[0, 0] > 0.05
    assert 0.5 < res.ratio[0, 0] < 1.5


def test_event_set_input_and_guards() -> None:
    xy, t = near_repeat_pattern(np.random.default_rng(4), n=100)
    ev = EventSet.from_xy(np.round(t * DAY).astype(np.int64), xy[:, 0] + 6e5, xy[:, 1] + 4.8e6)
    res = knox_test(ev, space_bands=SPACE, time_bands=TIME, permutations=19, rng=0)
    assert res.n_events == 150 and res.observed.shape == (3, 4)
    with pytest.raises(ValueError, match="increasing"):
        knox_test(ev, space_bands=(0, 100, 50))
    with pytest.raises(ValueError, match="pairs"):
        knox_test(ev, space_bands=(0, 5000), max_pairs=10)
