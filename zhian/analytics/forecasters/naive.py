"""Naive forecast: last period's counts, optionally with exponential decay."""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY
from zhian.analytics.forecasters.base import Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["NaiveForecaster"]


class NaiveForecaster(Forecaster):
    """Count of events per cell over the last ``window`` days, scaled to the horizon.

    With ``decay`` set, each event counts ``exp(-age / decay)`` instead of 1 (an
    exponentially weighted moving count; Gorr, Olligschlaeger & Thompson 2003 on
    smoothing for crime forecasts). The plain 365-day count (``naive365``) is the bar
    every other method must clear: on the Toronto data it flags cells with a PAI@1 %
    near 14.5 (``bench/forecast.py``).

    Parameters
    ----------
    window : float or None, default 730
        Days of history counted (None: all history). 730 did best among 182, 365 and
        730 in the 2018–2019 backtest (PAI@1 % 14.93 all categories, 9.09 Break and
        Enter, against 14.84 and 8.92 for 365).
    decay : float or None, default None
        E-folding age in days of the event weights (None: every event weighs 1). The
        ``decay`` method (``window=None, decay=365``) did best among 365, 730 and 1460
        days in the 2018–2019 backtest (PAI@1 % 15.03 and 9.46).
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.
    """

    name = "naive"

    def __init__(
        self,
        *,
        window: float | None = 730.0,
        decay: float | None = None,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.window = window
        self.decay = decay
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if self.window is not None and not self.window > 0:
            raise ValueError(f"window must be positive or None, got {self.window!r}")
        if self.window is None and self.decay is None:
            raise ValueError("an unbounded window needs a decay")
        if self.decay is not None and not self.decay > 0:
            raise ValueError(f"decay must be positive or None, got {self.decay!r}")

    def _fit(self) -> None:
        lo = None if self.window is None else self.until_ - round(self.window * DAY)
        recent = self.events_.between(lo, None)
        pos = self.area_.positions(recent)
        ok = pos >= 0
        if self.decay is None:
            w = np.ones(int(ok.sum()))
            self.span_ = float(self.window or 0.0)
        else:
            age = (self.until_ - recent.t[ok]) / DAY
            w = np.exp(-age / self.decay)
            full = math.inf if self.window is None else self.window
            self.span_ = self.decay * -math.expm1(-full / self.decay)
        self.counts_ = np.bincount(pos[ok], weights=w, minlength=len(self.area_))

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        return np.asarray(self.counts_ * ((end - start) / (self.span_ * DAY)), np.float64)
