"""Smoothed forecast: a decayed count shrunk toward its neighbourhood and all crime."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY
from zhian.analytics.forecasters.base import Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["SmoothedForecaster"]


class SmoothedForecaster(Forecaster):
    """Exponentially decayed count per cell plus two shrinkage terms (empirical Bayes).

    A sparse category's count in one 150 m cell is a noisy estimate of the cell's rate.
    In the spirit of empirical-Bayes shrinkage, each cell's decayed count ``d`` (event
    weights ``exp(-age / decay)``) borrows strength from two priors:

    * ``neighbour_weight`` times the mean of ``d`` over the cell's block of ``rings``
      rings (3×3 cells for ``rings=1`` on squares, 5×5 for 2), the neighbourhood mean;
    * ``prior_weight`` times the cell's decayed count of *all* categories, rescaled to
      the target category's total, so a place busy with other offences is presumed
      somewhat more likely to see this one too.

    ``risk = c · (d + neighbour_weight · mean_block(d) + prior_weight · a · Σd / Σa)``,
    with ``c`` chosen so the risks add up to the decayed count's expected total. With
    both weights 0 it is the ``decay`` method. Only events before ``until`` are read.

    Parameters
    ----------
    decay : float, default 730
        E-folding age in days of the event weights.
    rings : int, default 1
        Rings of neighbouring cells in the neighbourhood mean.
    neighbour_weight : float, default 0.3
        Weight of the neighbourhood mean (0 leaves it out).
    prior_weight : float, default 0
        Weight of the all-categories term (0 leaves it out).
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.

    Notes
    -----
    The parameters used by ``best`` for each category were chosen on the 2018–2019
    rolling-origin backtest (``zhian/analytics/forecasters/recommended.py``).
    """

    name = "smoothed"

    def __init__(
        self,
        *,
        decay: float = 730.0,
        rings: int = 1,
        neighbour_weight: float = 0.3,
        prior_weight: float = 0.0,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.decay = decay
        self.rings = rings
        self.neighbour_weight = neighbour_weight
        self.prior_weight = prior_weight
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if not self.decay > 0:
            raise ValueError(f"decay must be positive, got {self.decay!r}")
        if not isinstance(self.rings, int) or self.rings < 1:
            raise ValueError(f"rings must be a positive integer, got {self.rings!r}")
        if self.neighbour_weight < 0 or self.prior_weight < 0:
            raise ValueError("neighbour_weight and prior_weight must be >= 0")

    def _decayed(self, every: bool) -> NDArray[np.float64]:
        events = self.all_events_ if every else self.events_
        pos = self.area_.positions(events)
        ok = pos >= 0
        weight = np.exp(-(self.until_ - events.t[ok]) / (self.decay * DAY))
        return np.bincount(pos[ok], weights=weight, minlength=len(self.area_)).astype(np.float64)

    def _fit(self) -> None:
        own = self._decayed(every=False)
        risk = own.copy()
        if self.neighbour_weight > 0:
            area = self.area_
            block = len(area.grid.neighbours(area.ids[:1], self.rings))
            risk += self.neighbour_weight * (area.neighbour_sum(self.rings) @ own) / block
        if self.prior_weight > 0:
            every = self._decayed(every=True)
            if every.sum() > 0:
                risk += self.prior_weight * every * (own.sum() / every.sum())
        total = risk.sum()
        self.risk_ = risk * (own.sum() / total) if total > 0 else risk

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        # a count decayed over all history estimates ``decay`` days' worth of events
        return np.asarray(self.risk_ * ((end - start) / (self.decay * DAY)), np.float64)
