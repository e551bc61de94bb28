"""``--method best``: the method the selection backtest recommends for each category."""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Self

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import EventSet, TimeLike
from zhian.analytics.forecasters.base import Forecast, Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid, StudyArea

__all__ = [
    "RECOMMENDED",
    "RECOMMENDED_PARAMS",
    "RecommendedForecaster",
    "recommended_method",
    "recommended_params",
]

#: Best mean PAI@1 % over the 104 weekly windows of 2018–2019 on the Toronto data, with
#: ``decay`` / ``learned`` / ``smoothed`` (its parameters chosen on the same weeks, see
#: :data:`RECOMMENDED_PARAMS`): all categories 15.03 / 14.92 / 15.03 (no smoothing
#: won), Assault 16.79 / 16.70 / 16.87, Auto Theft 9.12 / 9.01 / 9.18, Break and Enter
#: 9.46 / 10.16 / 9.90, Robbery 11.06 / 11.32 / 11.26, Theft Over 9.03 / 9.11 / 9.45
#: (the 365-day count: 14.84, 16.57, 8.30, 8.92, 10.22, 8.78). The highest wins, as
#: before ``smoothed`` existed; docs/forecasting.md shows the margins are within the
#: weeks' noise for Assault and Auto Theft.
RECOMMENDED: dict[str | None, str] = {
    None: "decay",
    "Assault": "smoothed",
    "Auto Theft": "smoothed",
    "Break and Enter": "learned",
    "Robbery": "learned",
    "Theft Over": "smoothed",
}

#: Parameters of the recommended method where they differ from its defaults, chosen on
#: the same 2018–2019 weeks from decay 365/730 days, rings 1/2, neighbour weight
#: 0/0.1/0.3/1 and all-categories weight 0/0.05/0.2 (Theft Over also 2/4 and 0.5/1).
RECOMMENDED_PARAMS: dict[str | None, dict[str, Any]] = {
    "Assault": {"decay": 730.0, "rings": 2, "neighbour_weight": 0.3, "prior_weight": 0.05},
    "Auto Theft": {"decay": 730.0, "rings": 2, "neighbour_weight": 0.1, "prior_weight": 0.05},
    "Theft Over": {"decay": 730.0, "rings": 2, "neighbour_weight": 1.0, "prior_weight": 0.2},
}


def recommended_method(category: str | None) -> str:
    """The recommended method for ``category``; categories not in :data:`RECOMMENDED`
    (another data set) get the one for all categories, the cheap and robust ``decay``."""
    return RECOMMENDED.get(category, RECOMMENDED[None])


def recommended_params(category: str | None) -> dict[str, Any]:
    """Constructor parameters of :func:`recommended_method` for ``category`` (a copy)."""
    key = category if category in RECOMMENDED else None
    return dict(RECOMMENDED_PARAMS.get(key, {}))


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
            inner = make_forecaster(
                self.method,
                grid=self.grid,
                category=self.category,
                **recommended_params(self.category),
            )
        inner.fit(events, until, area=area)
        self.inner_, self.inner_key_ = inner, wanted
        self.until_, self.tz_, self.area_ = inner.until_, inner.tz_, inner.area_
        return self

    def predict(self, start: TimeLike | None = None, horizon: float = 7.0) -> Forecast:
        """As the chosen method's forecast, named ``best=<method>``."""
        return replace(super().predict(start, horizon), method=f"best={self.method}")

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        return self.inner_._predict(start, end)
