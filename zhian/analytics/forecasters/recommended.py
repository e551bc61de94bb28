"""``--method best``: the method the selection backtest recommends for each category."""

from __future__ import annotations

from dataclasses import replace
from typing import Self

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import EventSet, TimeLike
from zhian.analytics.forecasters.base import Forecast, Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid, StudyArea

__all__ = ["RECOMMENDED", "RecommendedForecaster", "recommended_method"]

#: Best mean PAI@1 % over the 104 weekly windows of 2018–2019 on the Toronto data, with
#: ``decay`` / ``learned``: all categories 15.03 / 14.92, Assault 16.79 / 16.70, Auto Theft
#: 9.12 / 9.01, Break and Enter 9.46 / 10.16, Robbery 11.06 / 11.32, Theft Over
#: 9.03 / 9.11 (the 365-day count: 14.84, 16.57, 8.30, 8.92, 10.22, 8.78).
RECOMMENDED: dict[str | None, str] = {
    None: "decay",
    "Assault": "decay",
    "Auto Theft": "decay",
    "Break and Enter": "learned",
    "Robbery": "learned",
    "Theft Over": "learned",
}


def recommended_method(category: str | None) -> str:
    """The recommended method for ``category``; categories not in :data:`RECOMMENDED`
    (another data set) get the one for all categories, the cheap and robust ``decay``."""
    return RECOMMENDED.get(category, RECOMMENDED[None])


class RecommendedForecaster(Forecaster):
    """Delegates to :func:`recommended_method` of its ``category``.

    The inner forecaster is kept between fits while the choice is unchanged, so a
    learned model's ``refit_every`` holds in backtests as it does on its own.
    """

    name = "best"

    def __init__(
        self, *, grid: SquareGrid | H3Grid | None = None, category: str | None = None
    ) -> None:
        self.grid = grid
        self.category = category

    @property
    def method(self) -> str:
        return recommended_method(self.category)

    def fit(self, events: EventSet, until: TimeLike, *, area: StudyArea | None = None) -> Self:
        from zhian.analytics.forecasters import make_forecaster

        inner = getattr(self, "inner_", None)
        wanted = (self.method, self.grid, self.category)
        if inner is None or getattr(self, "inner_key_", None) != wanted:
            inner = make_forecaster(self.method, grid=self.grid, category=self.category)
        inner.fit(events, until, area=area)
        self.inner_, self.inner_key_ = inner, wanted
        self.until_, self.tz_, self.area_ = inner.until_, inner.tz_, inner.area_
        return self

    def predict(self, start: TimeLike | None = None, horizon: float = 7.0) -> Forecast:
        """As the chosen method's forecast, named ``best=<method>``."""
        return replace(super().predict(start, horizon), method=f"best={self.method}")

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        return self.inner_._predict(start, end)
