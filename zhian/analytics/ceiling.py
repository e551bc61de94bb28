"""Hindsight ceilings: how well ranking cells by their rates could score with the future known.

A count-based forecast ranks cells by an estimate of their rate. The best such estimate
for a window is one built from the events on *both* sides of it: :class:`HindsightCounts`
ranks each cell by its events over ``half_width`` days before and after the window,
leaving out only the window itself, optionally plus a short-term term from the two
adjacent windows summed over each cell's 3×3 neighbourhood (near-repeat activity
either side of the window).

It is an oracle, not a method: it reads events after ``until``, so it is not among
:data:`~zhian.analytics.forecasters.METHODS` and the CLI cannot forecast with it. Run it
through :func:`~zhian.analytics.evaluation.backtest` next to real methods: the gap
between its PAI and a method's shows how much ranking cells by their rates could still
gain. If even hindsight barely beats the 365-day count, what remains is mostly the
window's own chance variation, which past events do not reveal. It is a ceiling for
that kind of ranking at small coverage, not a proof for every method and coverage.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY
from zhian.analytics.forecasters.base import Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["HindsightCounts"]


class HindsightCounts(Forecaster):
    """Rate per cell from events before *and after* the forecast window (an oracle).

    Risk is the daily rate of target events in ``[start - half_width, start)`` and
    ``[end, end + half_width)`` (days; the window ``[start, end)`` is never read), plus
    ``near_weight`` times the daily rate in the two windows of the same length
    immediately before and after it, summed over each cell's 3×3 block and divided
    by 9. Events after the last recorded one simply are not there: near the end of
    the data the ceiling sees less of the future.

    Parameters
    ----------
    half_width : float, default 364
        Days counted on each side of the window.
    near_weight : float, default 0
        Weight of the adjacent-window term (0 leaves it out).
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.
    """

    name = "hindsight"

    def __init__(
        self,
        *,
        half_width: float = 364.0,
        near_weight: float = 0.0,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.half_width = half_width
        self.near_weight = near_weight
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if not self.half_width > 0:
            raise ValueError(f"half_width must be positive, got {self.half_width!r}")
        if self.near_weight < 0:
            raise ValueError(f"near_weight must be >= 0, got {self.near_weight!r}")

    def _fit(self) -> None:
        # Deliberately the whole event set, future included (see the module docstring).
        every = self.source_.of_category(self.category)
        self.pos_ = self.area_.positions(every)
        self.t_ = every.t
        self.smooth_ = self.area_.neighbour_sum(1) if self.near_weight else None

    def _rate(self, lo: int, hi: int) -> NDArray[np.float64]:
        a, b = np.searchsorted(self.t_, [lo, hi])
        pos = self.pos_[a:b]
        pos = pos[pos >= 0]
        days = (hi - lo) / DAY
        return np.bincount(pos, minlength=len(self.area_)).astype(np.float64) / days

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        half = round(self.half_width * DAY)
        risk = (self._rate(start - half, start) + self._rate(end, end + half)) / 2
        if self.smooth_ is not None:
            span = end - start
            near = (self._rate(start - span, start) + self._rate(end, end + span)) / 2
            risk = risk + self.near_weight * (self.smooth_ @ near) / 9
        return np.asarray(risk * ((end - start) / DAY), np.float64)
