"""How sure a backtest's headline is: block-bootstrap intervals over its windows.

A backtest's mean over 52 weekly windows carries chance: each week's PAI swings widely,
and neighbouring weeks are alike (the same hot cells, the same season). A moving-block
bootstrap (Künsch 1989) resamples runs of ``block`` consecutive windows with replacement,
keeping the pairing of methods within a window and the dependence between neighbouring
windows, and recomputes the statistic on each resample; the interval is the central
``level`` share of those values (percentile interval).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["block_bootstrap_interval", "gap_closed", "gap_closed_interval"]


def gap_closed(best: float, naive: float, ceiling: float) -> float:
    """Share of the gap from ``naive`` to ``ceiling`` that ``best`` closes.

    Above 1 when ``best`` passes the ceiling; NaN when there is no gap to close.
    """
    gap = ceiling - naive
    return (best - naive) / gap if gap > 0 else float("nan")


def block_bootstrap_interval(
    series: Sequence[ArrayLike],
    statistic: Callable[..., float],
    *,
    block: int = 4,
    draws: int = 4000,
    level: float = 0.9,
    seed: int = 0,
) -> tuple[float, float]:
    """Percentile interval of ``statistic(*means)`` under a moving-block bootstrap.

    ``series`` are equally long per-window values (one array per method, in window
    order); windows where any of them is NaN are dropped first. Each draw picks
    ``ceil(n / block)`` random starts of ``block`` consecutive windows (circular),
    keeps the first ``n`` windows of their concatenation, and evaluates ``statistic``
    on each series' mean over them. Deterministic for a given ``seed``.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    if block < 1 or draws < 1:
        raise ValueError("block and draws must be at least 1")
    arr = np.vstack([np.asarray(s, dtype=np.float64) for s in series])
    arr = arr[:, np.isfinite(arr).all(axis=0)]
    n = arr.shape[1]
    if n == 0:
        return float("nan"), float("nan")
    block = min(block, n)
    rng = np.random.default_rng(seed)
    starts = rng.integers(0, n, size=(draws, -(-n // block)))
    idx = ((starts[:, :, None] + np.arange(block)) % n).reshape(draws, -1)[:, :n]
    means = arr[:, idx].mean(axis=2)  # (series, draws)
    values = np.array([statistic(*col) for col in means.T], dtype=np.float64)
    values = values[np.isfinite(values)]
    if values.size == 0:
        return float("nan"), float("nan")
    tail = (1 - level) / 2 * 100
    lo, hi = np.percentile(values, [tail, 100 - tail])
    return float(lo), float(hi)


def gap_closed_interval(
    best: ArrayLike,
    naive: ArrayLike,
    ceiling: ArrayLike,
    *,
    block: int = 4,
    draws: int = 4000,
    level: float = 0.9,
    seed: int = 0,
) -> tuple[float, float]:
    """:func:`block_bootstrap_interval` of :func:`gap_closed` from per-window scores.

    The three series are paired by window (the same weeks, the same events), so the
    interval reflects how the weeks' chance moves all three together.
    """
    return block_bootstrap_interval(
        [best, naive, ceiling], gap_closed, block=block, draws=draws, level=level, seed=seed
    )
