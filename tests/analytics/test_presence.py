"""Time credited to AVL fixes: the gap to the unit's next fix, capped; none across units."""

from __future__ import annotations

import numpy as np

from zhian.analytics.presence import dwell_seconds


def test_each_fix_gets_the_time_to_its_units_next_fix_capped() -> None:
    unit = np.array([1, 1, 1, 2, 2])
    t = np.array([0, 60, 1000, 10, 70])
    assert dwell_seconds(unit, t, 300).tolist() == [60, 300, 0, 60, 0]


def test_a_following_fix_credits_each_units_last_fix() -> None:
    unit = np.array([1, 1, 2])
    t = np.array([0, 60, 10])
    assert dwell_seconds(unit, t, 300, {1: 100, 3: 5}).tolist() == [60, 40, 0]
    assert dwell_seconds(unit, t, 300, {2: 9999}).tolist() == [60, 0, 300]
    assert dwell_seconds(np.array([]), np.array([]), 300).tolist() == []
