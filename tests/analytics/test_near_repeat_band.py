"""The raised near-repeat band read off a Knox table."""

from __future__ import annotations

import numpy as np
import pytest

from zhian.analytics.near_repeat import KnoxResult
from zhian.analytics.near_repeat_band import raised_band

# Toronto Break and Enter 2019 (docs/forecasting.md), first three time columns
RATIO = [[2.40, 1.27, 1.15], [1.25, 1.13, 1.00], [1.28, 1.11, 1.01], [1.15, 1.04, 1.09]]
P = [[0.001, 0.001, 0.001], [0.001, 0.051, 0.535], [0.001, 0.002, 0.401], [0.001, 0.058, 0.005]]


def knox(ratio: list[list[float]], p: list[list[float]]) -> KnoxResult:
    r = np.array(ratio)
    expected = np.full(r.shape, 100.0)
    return KnoxResult(
        space_bands=np.array([0, 1, 100, 200, 300], dtype=float),
        time_bands=np.array([0, 7, 14, 21], dtype=float)[: r.shape[1] + 1],
        observed=np.round(r * expected).astype(np.int64),
        expected=expected,
        ratio=r,
        p_value=np.array(p),
        permutations=999,
        n_events=8164,
    )


def test_toronto_burglary_gives_200_m_and_14_days() -> None:
    band = raised_band(knox(RATIO, P))
    assert band is not None
    assert (band.radius_m, band.days) == (200.0, 14.0)
    # ratio over the rectangle: (240 + 127 + 125 + 113 + 128 + 111) / 600
    assert band.ratio == pytest.approx(844 / 600)


def test_a_stricter_alpha_shrinks_the_band() -> None:
    band = raised_band(knox(RATIO, P), alpha=0.01)
    assert band is not None and (band.radius_m, band.days) == (300.0, 7.0)


def test_no_excess_at_the_origin_means_no_band() -> None:
    flat = [[1.0, 1.0, 1.0]] * 4
    assert raised_band(knox(flat, [[0.5] * 3] * 4)) is None
    with pytest.raises(ValueError):
        raised_band(knox(flat, P), min_ratio=1.0)
