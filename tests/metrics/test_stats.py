"""The Wilson score interval against published values."""

from __future__ import annotations

import pytest

from zhian.metrics.stats import wilson_interval


@pytest.mark.parametrize(
    ("x", "n", "low", "high"),
    [
        # Newcombe (1998), Statistics in Medicine 17:857, table I, method 3 (Wilson).
        (81, 263, 0.2553, 0.3662),
        (15, 148, 0.0624, 0.1605),
        (0, 20, 0.0, 0.1611),
        (1, 29, 0.0061, 0.1718),
        # Symmetric case, easy to check by hand.
        (5, 10, 0.2366, 0.7634),
    ],
)
def test_wilson_matches_published_bounds(x: int, n: int, low: float, high: float) -> None:
    lo, hi = wilson_interval(x, n)  # type: ignore[misc]
    assert lo == pytest.approx(low, abs=1e-4)
    assert hi == pytest.approx(high, abs=1e-4)


def test_no_trials_has_no_interval_and_impossible_counts_are_refused() -> None:
    assert wilson_interval(0, 0) is None
    with pytest.raises(ValueError):
        wilson_interval(4, 3)
