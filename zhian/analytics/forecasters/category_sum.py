"""All categories as the sum of per-category forecasts (分类叠加预测)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY
from zhian.analytics.forecasters.base import Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["CategorySumForecaster"]

#: Days of recent events that set each category's share of the sum.
RECENT_DAYS = 365


class CategorySumForecaster(Forecaster):
    """All-categories risk as the sum of one forecast per category.

    For each category, its own forecaster (``methods[category]``, by default ``best``,
    the method recommended for that category) is fitted exactly as it would be alone,
    on its own study area (the cells holding an earlier event of that category). Its
    forecast is divided by its sum and multiplied by the category's events of the last
    365 days, prorated to the horizon, so each category contributes its expected count
    spread as its own method spreads it. A cell's risk is the sum over categories; a
    cell outside a category's area receives nothing from it. The risks therefore add up
    to all events of the last 365 days prorated to the horizon. With ``decay`` for every
    category this is the second round's "sum of decayed counts" (issue 12).

    Parameters
    ----------
    methods : mapping of category to method name, default None
        A name :func:`~zhian.analytics.forecasters.make_forecaster` knows (``best``,
        ``decay``, ``naive365`` …), built with defaults for that category. None: ``best``
        for every category in the training events.
    grid : see :class:`~zhian.analytics.forecasters.base.Forecaster`.
    category : must be None (the sum forecasts all categories); kept for the common
        interface.

    Attributes
    ----------
    components_ : dict of category to fitted forecaster, kept between fits so that a
        learned model reuses its booster in a weekly backtest as it does alone.
    shares_ : dict of category to its events of the last 365 days at the last fit.
    """

    name = "sum"

    def __init__(
        self,
        *,
        methods: Mapping[str, str] | None = None,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.methods = methods
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if self.category is not None:
            raise ValueError("the sum forecasts all categories together; category must be None")
        if self.methods is not None and not self.methods:
            raise ValueError("methods must name at least one category (or be None)")

    def _fit(self) -> None:
        from zhian.analytics.forecasters import make_forecaster

        past = self.all_events_
        wanted = dict(self.methods) if self.methods is not None else {}
        cats = list(wanted) if self.methods is not None else past.categories
        kept = getattr(self, "components_", {})
        keys = getattr(self, "component_keys_", {})
        components: dict[str, Forecaster] = {}
        component_keys: dict[str, tuple[str, SquareGrid | H3Grid | None]] = {}
        shares: dict[str, int] = {}
        recent = past.between(self.until_ - RECENT_DAYS * DAY, None)
        for cat in cats:
            of_cat = past.of_category(cat)
            if len(of_cat) == 0:
                continue  # named but not seen yet: nothing to spread
            method = wanted.get(cat, "best")
            key = (method, self.grid)
            model = kept.get(cat) if keys.get(cat) == key else None
            if model is None:
                model = make_forecaster(method, grid=self.grid, category=cat)
            components[cat] = model.fit(self.source_, self.until_)
            component_keys[cat] = key
            shares[cat] = len(recent.of_category(cat))
        self.components_ = components
        self.component_keys_ = component_keys
        self.shares_ = shares

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        horizon = (end - start) / DAY
        risk = np.zeros(len(self.area_))
        for cat, model in self.components_.items():
            fc = model.predict(start, horizon)
            total = fc.risk.sum()
            if total <= 0 or self.shares_[cat] == 0:
                continue
            pos = self.area_.locate(fc.area.ids)  # distinct ids: distinct positions
            inside = pos >= 0
            scale = self.shares_[cat] * horizon / RECENT_DAYS / total
            risk[pos[inside]] += fc.risk[inside] * scale
        return risk
