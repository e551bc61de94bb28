"""The forecaster contract and the one forecast type every method returns (预测预警).

Every forecaster follows the scikit-learn estimator contract: ``__init__`` only stores
keyword parameters; ``fit(events, until)`` learns from events strictly before ``until``
and returns ``self``; learned attributes end in ``_``; ``predict(start, horizon)``
returns a :class:`Forecast`, the expected number of events per study-area cell over
``[start, start + horizon days)``. Because all methods return the same type, hit rate,
PAI and PEI are written once (:mod:`zhian.analytics.evaluation`), as in open_cp's
``GridPredictionArray`` (Daws & Adepeju, PredictCode, 2018).
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass
from typing import Any, ClassVar, Self

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY, EventSet, TimeLike, to_instant
from zhian.analytics.grids import H3Grid, SquareGrid, StudyArea

__all__ = [
    "EmptyTrainingWindowError",
    "Forecast",
    "Forecaster",
    "NotFittedError",
    "clone",
]


class NotFittedError(RuntimeError):
    """``predict`` was called before ``fit``."""


class EmptyTrainingWindowError(ValueError):
    """No events to learn from before the forecast origin."""


@dataclass(frozen=True, eq=False)
class Forecast:
    """Risk per study-area cell: higher means more expected events.

    Attributes
    ----------
    area : StudyArea
    risk : ndarray of float64, one value per ``area.ids``.
    start : int, epoch seconds of the forecast window's start.
    horizon : float, window length in days.
    method : str
    """

    area: StudyArea
    risk: NDArray[np.float64]
    start: int
    horizon: float
    method: str = ""

    def __post_init__(self) -> None:
        if self.risk.shape != self.area.ids.shape:
            raise ValueError("risk must hold one value per study-area cell")
        if not np.all(np.isfinite(self.risk)):
            raise ValueError("risk must be finite")

    @property
    def end(self) -> int:
        return self.start + round(self.horizon * DAY)

    def ranking(self) -> NDArray[np.intp]:
        """Cell positions from highest to lowest risk; ties go to the lower cell id."""
        return np.lexsort((self.area.ids, -self.risk))

    def n_flagged(self, coverage: float) -> int:
        """Cells flagged at ``coverage`` (a fraction of the study area's cells, rounded up).

        With equal cells this is ``ceil(coverage * n_cells)``; with unequal cells (H3)
        the smallest number of top cells whose area reaches the fraction.
        """
        if not 0 < coverage <= 1:
            raise ValueError("coverage is a fraction in (0, 1]")
        area = self.area.area
        if np.all(area == area[0]):
            return max(1, math.ceil(coverage * len(area) - 1e-9))
        cum = np.cumsum(area[self.ranking()])
        return int(np.searchsorted(cum, coverage * cum[-1] * (1 - 1e-12))) + 1

    def flagged(self, coverage: float) -> NDArray[np.bool_]:
        """Boolean mask of the cells flagged at ``coverage``."""
        mask = np.zeros(len(self.risk), dtype=bool)
        mask[self.ranking()[: self.n_flagged(coverage)]] = True
        return mask

    def to_rows(self) -> list[tuple[int, float, float, float, float]]:
        """``(epsg, x_min, y_min, size_m, risk)`` per cell of a square grid."""
        grid = self.area.grid
        if not isinstance(grid, SquareGrid):
            raise TypeError("rows with corners need a square grid")
        x0, y0 = grid.lower_left(self.area.ids)
        return [
            (self.area.epsg, float(a), float(b), float(grid.size), float(r))
            for a, b, r in zip(x0, y0, self.risk, strict=True)
        ]


class Forecaster:
    """Base class: parameter handling, the fit/predict frame and the fitted check.

    Subclasses implement ``_fit(self) -> None`` (reading ``self.events_``, the training
    events of the target category, ``self.all_events_`` for covariates, ``self.area_``
    and ``self.until_``) and ``_predict(start, end) -> ndarray`` (seconds).

    Parameters common to all
    ------------------------
    grid : SquareGrid or H3Grid, default ``SquareGrid(150)``.
    category : str or None
        Forecast events of this category only (None: all categories).
    """

    name: ClassVar[str] = "forecaster"

    grid: SquareGrid | H3Grid | None
    category: str | None

    # ---- parameters -------------------------------------------------------------
    @classmethod
    def _param_names(cls) -> list[str]:
        sig = inspect.signature(cls.__init__)
        return [p for p in sig.parameters if p != "self"]

    def get_params(self) -> dict[str, Any]:
        """Constructor parameters as stored."""
        return {k: getattr(self, k) for k in self._param_names()}

    def set_params(self, **params: Any) -> Self:
        """Change parameters; unknown names raise ``ValueError``."""
        names = set(self._param_names())
        for k, v in params.items():
            if k not in names:
                raise ValueError(f"{type(self).__name__} has no parameter {k!r}")
            setattr(self, k, v)
        return self

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({args})"

    def _check_params(self) -> None:
        """Raise ``ValueError`` for a bad parameter (subclasses extend)."""

    # ---- fit / predict ----------------------------------------------------------
    def fit(self, events: EventSet, until: TimeLike, *, area: StudyArea | None = None) -> Self:
        """Learn from ``events`` strictly before ``until``.

        ``area`` fixes the study area; by default it is the cells holding any training
        event (of the target category).
        """
        self._check_params()
        until_s = events.instant(until)
        past = events.between(None, until_s)
        target = past.of_category(self.category)
        if len(target) == 0:
            what = f" of category {self.category!r}" if self.category else ""
            day = events.local_date(until_s).isoformat()
            raise EmptyTrainingWindowError(f"no training events{what} before {day}")
        grid = self.grid if self.grid is not None else SquareGrid(150.0)
        self.until_ = until_s
        self.tz_ = events.timezone
        self.source_ = events
        self.all_events_ = past
        self.events_ = target
        self.area_ = area if area is not None else StudyArea.from_events(grid, target)
        self._fit()
        return self

    def _fit(self) -> None:
        raise NotImplementedError

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        raise NotImplementedError

    def predict(self, start: TimeLike | None = None, horizon: float = 7.0) -> Forecast:
        """Expected events per cell over ``[start, start + horizon days)``.

        ``start`` defaults to the ``until`` given to :meth:`fit` and may not precede it,
        since the model would then have seen part of the window.
        """
        if not hasattr(self, "until_"):
            raise NotFittedError(
                f"this {type(self).__name__} is not fitted yet; call fit(events, until) first"
            )
        start_s = self.until_ if start is None else to_instant(start, self.tz_)
        if start_s < self.until_:
            raise ValueError("start precedes the end of the training window")
        if horizon <= 0:
            raise ValueError("horizon must be positive")
        risk = self._predict(start_s, start_s + round(horizon * DAY))
        return Forecast(self.area_, np.asarray(risk, np.float64), start_s, horizon, self.name)


def clone(forecaster: Forecaster) -> Forecaster:
    """An unfitted copy with the same parameters."""
    return type(forecaster)(**forecaster.get_params())
