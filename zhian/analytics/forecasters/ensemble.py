"""Ensemble forecast: a weighted mean of other forecasters' expected counts."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.forecasters.base import Forecaster, clone
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["EnsembleForecaster"]


class EnsembleForecaster(Forecaster):
    """Weighted mean of member forecasts (all are expected counts, so they add up).

    Forecast combination rarely loses to its best member and often beats it (Bates &
    Granger 1969; Timmermann 2006). Members are cloned at each fit and share the
    ensemble's grid, category and study area.

    Parameters
    ----------
    members : sequence of Forecaster
    weights : sequence of float or None, default equal weights
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.
    """

    name = "ensemble"

    def __init__(
        self,
        *,
        members: Sequence[Forecaster] = (),
        weights: Sequence[float] | None = None,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.members = members
        self.weights = weights
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if not self.members:
            raise ValueError("an ensemble needs at least one member")
        if self.weights is not None and (
            len(self.weights) != len(self.members) or min(self.weights) < 0
        ):
            raise ValueError("weights must be non-negative, one per member")

    def _fit(self) -> None:
        old = getattr(self, "fitted_", None)
        fitted = []
        for k, m in enumerate(self.members):
            # keep a member between fits so that its own reuse rules apply (warm starts)
            mm = old[k] if old is not None and len(old) == len(self.members) else clone(m)
            mm.set_params(grid=self.grid, category=self.category)
            fitted.append(mm.fit(self.source_, self.until_, area=self.area_))
        self.fitted_ = fitted
        w = np.ones(len(fitted)) if self.weights is None else np.asarray(self.weights, float)
        self.weights_ = w / w.sum()

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        horizon = (end - start) / 86_400
        risks = [m.predict(start, horizon).risk for m in self.fitted_]
        return np.asarray(np.tensordot(self.weights_, np.vstack(risks), axes=1), np.float64)
