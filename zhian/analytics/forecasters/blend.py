"""Blend forecast: a weighted mix of count-based rate estimates per cell (组合预测)."""

from __future__ import annotations

import math
import numbers
import re
from collections.abc import Mapping

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY, EventSet
from zhian.analytics.forecasters.base import Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["BlendForecaster", "parse_component"]

#: ``decay<τ>`` / ``all<τ>`` with an optional ``_r<k>`` (block mean over ``k`` rings),
#: or ``season``.
_COMPONENT = re.compile(r"(decay|all)(\d+(?:\.\d+)?)(?:_r([1-9]))?")
#: Days either side of the same date in earlier years counted by ``season``: [-21, +28).
SEASON_BEFORE, SEASON_AFTER, SEASON_YEARS = 21, 28, 3
_YEAR = 365.2425 * DAY


def parse_component(name: str) -> tuple[str, float, int]:
    """``(kind, e-folding days, rings)`` of a component name; ``ValueError`` if unknown.

    >>> parse_component("decay365_r1")
    ('decay', 365.0, 1)
    """
    if name == "season":
        return "season", 0.0, 0
    m = _COMPONENT.fullmatch(name)
    if m is None or not float(m.group(2)) > 0:
        raise ValueError(
            f"unknown blend component {name!r}; use decay<days>, all<days> "
            "(optionally with _r1 or _r2 for a block mean) or season"
        )
    return m.group(1), float(m.group(2)), int(m.group(3) or 0)


class BlendForecaster(Forecaster):
    """Weighted sum of count-based estimates of each cell's rate, each scaled to one total.

    Components (names as keys of ``weights``):

    * ``decay<τ>``: the target category's events weighted ``exp(-age / τ days)``;
    * ``decay<τ>_r<k>``: the same, averaged over the cell's block of ``k`` rings
      (3×3 cells for ``k=1``, 5×5 for ``k=2``), a neighbourhood mean;
    * ``all<τ>``: events of every category, decayed likewise (a place busy with other
      offences is presumed somewhat likelier to see this one);
    * ``season``: target events from 21 days before to 28 days after the same date one,
      two and three years earlier.

    Every component is divided by its sum over the study area, so a weight is the
    component's share of the blend; ``risk = Σ weight · component``, rescaled so the
    risks add up to the events of the last 365 days prorated to the horizon. With
    ``{"decay365": 1}`` it ranks cells as the ``decay`` method does; ``smoothed`` is the
    special case of ``decay<τ>``, ``decay<τ>_r<k>`` and ``all<τ>``. Only events before
    ``until`` are read.

    Parameters
    ----------
    weights : mapping of component name to weight >= 0, default ``{"decay365": 1}``
        At least one weight must be positive. ``best`` uses weights fitted per category
        on 2015–2017 (``bench/_forecast_screen.py``), see ``recommended.py``.
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.
    """

    name = "blend"

    def __init__(
        self,
        *,
        weights: Mapping[str, float] | None = None,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.weights = weights
        self.grid = grid
        self.category = category

    def _weights(self) -> dict[str, float]:
        return dict(self.weights) if self.weights is not None else {"decay365": 1.0}

    def _check_params(self) -> None:
        weights = self._weights()
        for name, w in weights.items():
            parse_component(name)
            number = isinstance(w, numbers.Real) and not isinstance(w, bool)
            if not (number and math.isfinite(w) and w >= 0):
                raise ValueError(f"weight of {name!r} must be a finite number >= 0, got {w!r}")
        if not any(w > 0 for w in weights.values()):
            raise ValueError("at least one blend weight must be positive")

    def _decayed(self, events: EventSet, tau: float) -> NDArray[np.float64]:
        pos = self.area_.positions(events)
        ok = pos >= 0
        weight = np.exp(-(self.until_ - events.t[ok]) / (tau * DAY))
        return np.bincount(pos[ok], weights=weight, minlength=len(self.area_)).astype(np.float64)

    def _season(self) -> NDArray[np.float64]:
        out = np.zeros(len(self.area_))
        for years in range(1, SEASON_YEARS + 1):
            mid = self.until_ - round(years * _YEAR)
            window = self.events_.between(mid - SEASON_BEFORE * DAY, mid + SEASON_AFTER * DAY)
            out += self.area_.counts(window)
        return out

    def components(self) -> dict[str, NDArray[np.float64]]:
        """Each weighted component per cell, scaled to sum 1 (all zeros if it is empty)."""
        cache: dict[tuple[str, float], NDArray[np.float64]] = {}
        blocks = {}
        out = {}
        for name, w in self._weights().items():
            if w == 0:
                continue
            kind, tau, rings = parse_component(name)
            if kind == "season":
                raw = self._season()
            else:
                key = (kind, tau)
                if key not in cache:
                    source = self.all_events_ if kind == "all" else self.events_
                    cache[key] = self._decayed(source, tau)
                raw = cache[key]
                if rings:
                    if rings not in blocks:
                        blocks[rings] = self.area_.neighbour_sum(rings)
                    raw = blocks[rings] @ raw
            total = raw.sum()
            out[name] = raw / total if total > 0 else np.zeros_like(raw)
        return out

    def _fit(self) -> None:
        weights = self._weights()
        parts = self.components()
        risk = np.zeros(len(self.area_))
        for name, part in parts.items():
            risk += weights[name] * part
        recent = len(self.events_.between(self.until_ - 365 * DAY, None))
        total = risk.sum()
        self.risk_ = risk * (recent / total) if total > 0 else risk

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        # risk_ holds 365 days' worth of events; prorate to the window
        return np.asarray(self.risk_ * ((end - start) / (365 * DAY)), np.float64)
