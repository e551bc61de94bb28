"""Sum of per-category (or per-part) forecasts (分类叠加预测)."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY, EventSet
from zhian.analytics.forecasters.base import Forecaster, clone
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["CategorySumForecaster"]

#: Days of recent events that set each category's share of the sum.
RECENT_DAYS = 365


class CategorySumForecaster(Forecaster):
    """Risk as the sum of one forecast per category (or per value of another column).

    For each part (a category; with ``by``, a value of that column among the target
    events, e.g. each premises type of assaults) its own forecaster (``methods[part]``,
    else ``default``: ``best``, the method recommended for the category) is fitted
    exactly as it would be alone, on its own study area (the cells holding an
    earlier event of that part). Its forecast is divided by its sum and multiplied by
    the part's events of the last 365 days, prorated to the horizon, so each part
    contributes its expected count spread as its own method spreads it. A cell's risk
    is the sum over parts; a cell outside a part's area receives nothing from it. The
    risks therefore add up to the target's events of the last 365 days prorated to the
    horizon. With ``decay`` for every category this is the second round's "sum of
    decayed counts" (issue 12).

    Parameters
    ----------
    methods : mapping of part to method, default None
        A method is a name :func:`~zhian.analytics.forecasters.make_forecaster` knows
        (``best``, ``decay``, ``naive365`` …), built with defaults for the part, or an
        unfitted forecaster whose parameters are copied (its ``category`` set to the
        part). Parts not named here get ``default``.
    default : method name or unfitted forecaster, default ``"best"``
        The method of every part ``methods`` does not name (``best`` of a part that is
        not a known category is ``decay``).
    by : str or None, default None
        None: the parts are the categories and ``category`` must be None. Otherwise an
        ``extra`` column of the events (e.g. ``premises_type``) splitting the events
        of ``category`` (all events when None).
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.

    Attributes
    ----------
    components_ : dict of part to fitted forecaster, kept between fits while its method
        is unchanged, so that a learned model reuses its booster in a weekly backtest
        as it does alone.
    shares_ : dict of part to its events of the last 365 days at the last fit.
    """

    name = "sum"

    def __init__(
        self,
        *,
        methods: Mapping[str, str | Forecaster] | None = None,
        default: str | Forecaster = "best",
        by: str | None = None,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.methods = methods
        self.default = default
        self.by = by
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if self.by is None and self.category is not None:
            raise ValueError(
                "the sum of categories forecasts all categories together; category must "
                "be None (or give `by` to split one category by another column)"
            )

    def _label(self, part: str) -> str:
        return part if self.by is None else f"{self.by}={part}"

    def _parts_source(self) -> EventSet:
        """The events with each target event's category replaced by its part's label."""
        if self.by is None:
            return self.source_
        cached: tuple[EventSet, EventSet] | None = getattr(self, "parts_cache_", None)
        if cached is not None and cached[0] is self.source_:
            return cached[1]
        source = self.source_
        if self.by not in source.extra:
            have = ", ".join(sorted(source.extra)) or "none"
            raise ValueError(f"the events have no column {self.by!r} (extra columns: {have})")
        target = (
            np.ones(len(source), bool)
            if self.category is None
            else (source.category == self.category)
        )
        values = np.asarray(source.extra[self.by]).astype(str)
        labels = np.char.add(f"{self.by}=", values)
        relabelled = source.replace(category=np.where(target, labels, source.category))
        self.parts_cache_ = (source, relabelled)
        return relabelled

    def _spec(self, part: str) -> str | Forecaster:
        return (self.methods or {}).get(part, self.default)

    def _build(self, spec: str | Forecaster, label: str) -> Forecaster:
        from zhian.analytics.forecasters import make_forecaster

        if isinstance(spec, str):
            return make_forecaster(spec, grid=self.grid, category=label)
        model = clone(spec).set_params(category=label)
        if self.grid is not None:
            model.set_params(grid=self.grid)
        return model

    def _fit(self) -> None:
        source = self._parts_source()
        past = source.between(None, self.until_)
        if self.by is None:
            parts = past.categories
        else:
            prefix = f"{self.by}="
            parts = [c[len(prefix) :] for c in past.categories if c.startswith(prefix)]
        kept = getattr(self, "components_", {})
        keys = getattr(self, "component_keys_", {})
        components: dict[str, Forecaster] = {}
        component_keys: dict[str, str] = {}
        shares: dict[str, int] = {}
        recent = past.between(self.until_ - RECENT_DAYS * DAY, None)
        for part in parts:
            label = self._label(part)
            spec = self._spec(part)
            key = repr((spec, self.grid))
            model = kept.get(part) if keys.get(part) == key else None
            if model is None:
                model = self._build(spec, label)
            components[part] = model.fit(source, self.until_)
            component_keys[part] = key
            shares[part] = len(recent.of_category(label))
        self.components_ = components
        self.component_keys_ = component_keys
        self.shares_ = shares

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        horizon = (end - start) / DAY
        risk = np.zeros(len(self.area_))
        for part, model in self.components_.items():
            fc = model.predict(start, horizon)
            total = fc.risk.sum()
            if total <= 0 or self.shares_[part] == 0:
                continue
            pos = self.area_.locate(fc.area.ids)  # distinct ids: distinct positions
            inside = pos >= 0
            scale = self.shares_[part] * horizon / RECENT_DAYS / total
            risk[pos[inside]] += fc.risk[inside] * scale
        return risk
