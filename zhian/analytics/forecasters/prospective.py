"""Prospective hotspot forecast (Bowers, Johnson & Pease 2004)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from scipy.spatial import cKDTree

from zhian.analytics.events import DAY
from zhian.analytics.forecasters.base import Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["ProspectiveForecaster"]


class ProspectiveForecaster(Forecaster):
    """Space-time decaying risk from recent events.

    Each event within ``bandwidth`` metres and ``window`` days of a cell adds
    ``1 / (1 + d) × 1 / (1 + w)``, with ``d`` the distance from the cell centre in
    cell widths and ``w`` the event's age in weeks at the forecast start (Bowers,
    Johnson & Pease 2004, "Prospective hot-spotting: the future of crime mapping?",
    Br. J. Criminol. 44:641–658; Johnson et al. 2009 for the weekly decay). The score
    is a ranking, not a count; it is scaled so its sum equals the recent event rate
    times the horizon, which keeps forecasts of different methods comparable.

    Parameters
    ----------
    bandwidth : float, default 400
        Spatial cut-off in metres (Bowers et al. used 400 m).
    window : float, default 112
        Temporal cut-off in days (sixteen weeks). Of (400 m, 56 d), (200 m, 28 d) and
        (400 m, 112 d), the last did best on average in the 2018–2019 backtest (PAI@1 %
        10.17 all categories, 6.97 Break and Enter); the method stays far below counts
        because its decay forgets the stable hot spots.
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.
    """

    name = "prospective"

    def __init__(
        self,
        *,
        bandwidth: float = 400.0,
        window: float = 112.0,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.bandwidth = bandwidth
        self.window = window
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if not (self.bandwidth > 0 and self.window > 0):
            raise ValueError("bandwidth and window must be positive")

    def _fit(self) -> None:
        self.recent_ = self.events_.between(self.until_ - round(self.window * DAY), None)
        cx, cy = self.area_.centroids
        if len(self.recent_) == 0:
            self.pairs_ = (np.zeros(0, np.intp), np.zeros(0, np.intp), np.zeros(0))
            return
        pts = np.column_stack([self.recent_.x, self.recent_.y])
        found = cKDTree(np.column_stack([cx, cy])).sparse_distance_matrix(
            cKDTree(pts), self.bandwidth, output_type="ndarray"
        )
        side = self.area_.cell_side()
        self.pairs_ = (found["i"], found["j"], 1.0 / (1.0 + found["v"] / side))

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        cell, ev, space = self.pairs_
        n = len(self.area_)
        if cell.size == 0:
            return np.zeros(n)
        weeks = (start - self.recent_.t) / (7 * DAY)
        score = np.bincount(cell, weights=space / (1.0 + weeks[ev]), minlength=n).astype(np.float64)
        total = score.sum()
        rate = len(self.recent_) / (self.window * DAY) * (end - start)
        return score / total * rate if total > 0 else score
