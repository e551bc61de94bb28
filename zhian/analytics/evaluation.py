"""Scoring forecasts: hit rate, PAI, PEI, and rolling-origin backtests.

Definitions, for a forecast that flags the top cells covering a fraction ``a/A`` of the
study area, with ``n`` of the window's ``N`` events inside flagged cells:

* hit rate ``n / N``;
* predictive accuracy index ``PAI = (n / N) / (a / A)`` (Chainey, Tompson & Uhlig 2008);
* predictive efficiency index ``PEI = n / n*``, where ``n*`` is the most events any set
  of cells of the same size could have held (Hunt 2016), i.e. ``PAI / PAI*``.

Flagging is exact: the top ``ceil(coverage × n_cells)`` cells by risk, ties to the
lower cell id (:meth:`Forecast.ranking`), and PAI divides by the area actually
flagged. Events of the window that fall outside the study area count in ``N`` as
misses, so a method is never rewarded for a small study area.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import DAY, EventSet, TimeLike
from zhian.analytics.forecasters.base import (
    EmptyTrainingWindowError,
    Forecast,
    Forecaster,
    clone,
)
from zhian.analytics.grids import SquareGrid, StudyArea

__all__ = [
    "COVERAGES",
    "BacktestResult",
    "Score",
    "backtest",
    "hit_rate",
    "pai",
    "pei",
    "score",
]

COVERAGES = (0.005, 0.01, 0.02, 0.05, 0.1)


@dataclass(frozen=True)
class Score:
    """Accuracy of one forecast at one coverage (hit rate, PAI and PEI are NaN if N=0)."""

    coverage: float
    hit_rate: float
    pai: float
    pei: float
    n_events: int
    n_hits: int
    n_flagged: int


def _counts(forecast: Forecast, events: EventSet) -> tuple[NDArray[np.float64], int]:
    pos = forecast.area.positions(events)
    inside = pos[pos >= 0]
    return np.bincount(inside, minlength=len(forecast.area)).astype(np.float64), len(events)


def score(
    forecast: Forecast, events: EventSet, coverages: Iterable[float] = COVERAGES
) -> list[Score]:
    """Score ``forecast`` against ``events`` (already restricted to its window and scope)."""
    counts, total = _counts(forecast, events)
    order = forecast.ranking()
    area = forecast.area.area
    best = np.sort(counts)[::-1]
    out = []
    for c in coverages:
        k = forecast.n_flagged(c)
        share = float(area[order[:k]].sum() / area.sum())
        hits = int(counts[order[:k]].sum())
        if total == 0:
            out.append(Score(c, np.nan, np.nan, np.nan, 0, 0, k))
            continue
        # n* for equal cells is the top-k counts; with unequal cells this is an upper bound.
        ideal = float(best[:k].sum())
        hr = hits / total
        out.append(Score(c, hr, hr / share, hits / ideal if ideal > 0 else np.nan, total, hits, k))
    return out


def hit_rate(forecast: Forecast, events: EventSet, coverage: float) -> float:
    """Share of ``events`` inside the cells flagged at ``coverage``."""
    return score(forecast, events, [coverage])[0].hit_rate


def pai(forecast: Forecast, events: EventSet, coverage: float) -> float:
    """Predictive accuracy index at ``coverage``."""
    return score(forecast, events, [coverage])[0].pai


def pei(forecast: Forecast, events: EventSet, coverage: float) -> float:
    """Predictive efficiency index at ``coverage``."""
    return score(forecast, events, [coverage])[0].pei


@dataclass
class BacktestResult:
    """Per-window scores of a rolling-origin backtest.

    ``rows`` holds one dict per (method, window, coverage) with keys ``method``,
    ``origin`` (epoch seconds), ``coverage``, ``hit_rate``, ``pai``, ``pei``,
    ``n_events`` and ``seconds`` (fit plus predict time of that window).
    """

    coverages: tuple[float, ...]
    rows: list[dict[str, float | str | int]] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)

    def methods(self) -> list[str]:
        return list(dict.fromkeys(str(r["method"]) for r in self.rows))

    def mean(self, method: str, metric: str, coverage: float) -> float:
        """Mean of ``metric`` over windows (windows with no events are skipped)."""
        vals = [
            float(r[metric])
            for r in self.rows
            if r["method"] == method and r["coverage"] == coverage
        ]
        arr = np.asarray(vals, dtype=np.float64)
        return float(np.nanmean(arr)) if np.isfinite(arr).any() else float("nan")

    def per_window(self, method: str, metric: str, coverage: float) -> NDArray[np.float64]:
        """``metric`` of ``method`` in each window, in window order (NaN: no events)."""
        rows = sorted(
            (int(r["origin"]), float(r[metric]))
            for r in self.rows
            if r["method"] == method and r["coverage"] == coverage
        )
        return np.array([v for _, v in rows], dtype=np.float64)

    def n_windows(self) -> int:
        return len({r["origin"] for r in self.rows})

    def table(self, scope: str = "") -> str:
        """Plain-text table: per method, mean PAI and hit rate (%) at each coverage."""
        head = ["method"] + (["scope"] if scope else [])
        for c in self.coverages:
            head += [f"PAI@{c * 100:g}", f"hit@{c * 100:g}"]
        head.append("seconds")
        lines = [head]
        for m in self.methods():
            row = [m] + ([scope] if scope else [])
            for c in self.coverages:
                row += [f"{self.mean(m, 'pai', c):.2f}", f"{100 * self.mean(m, 'hit_rate', c):.1f}"]
            row.append(f"{self.seconds.get(m, 0.0):.1f}")
            lines.append(row)
        widths = [max(len(r[i]) for r in lines) for i in range(len(head))]
        fmt = [
            "  ".join(
                s.ljust(w) if i == 0 or (scope and i == 1) else s.rjust(w)
                for i, (s, w) in enumerate(zip(r, widths, strict=True))
            )
            for r in lines
        ]
        return "\n".join(fmt)


def backtest(
    events: EventSet,
    methods: Mapping[str, Forecaster],
    start: TimeLike,
    windows: int,
    *,
    coverages: Sequence[float] = COVERAGES,
    horizon: float = 7.0,
    category: str | None = None,
    area: Callable[[EventSet], StudyArea] | None = None,
    progress: Callable[[str], None] | None = None,
) -> BacktestResult:
    """Rolling-origin backtest over consecutive windows of ``horizon`` days.

    For window ``w`` (origin ``start + w * horizon``) every method is fitted on events
    strictly before the origin and scored on the window's events of ``category``. All
    methods of a window share the study area, by default the cells holding any
    training event of ``category`` (pass ``area`` to choose otherwise).

    Methods are cloned, then fitted once per window; a forecaster may keep an inner
    model between windows only where its own parameters say so (see
    :class:`~zhian.analytics.forecasters.learned.LearnedForecaster`).
    """
    origin0 = events.instant(start)
    res = BacktestResult(coverages=tuple(coverages))
    models = {}
    for name, m in methods.items():
        mm = clone(m)
        if category is not None and "category" in mm.get_params():
            mm.set_params(category=category)
        models[name] = mm
    res.seconds = dict.fromkeys(models, 0.0)
    scoped = events.of_category(category)
    step = round(horizon * DAY)
    for w in range(windows):
        origin = origin0 + w * step
        train = scoped.between(None, origin)
        if len(train) == 0:
            day = events.local_date(origin).isoformat()
            raise EmptyTrainingWindowError(f"no training events before {day}")
        grid = next(iter(models.values())).grid if models else None
        study = (
            area(train)
            if area is not None
            else StudyArea.from_events(grid if grid is not None else SquareGrid(150.0), train)
        )
        test = scoped.between(origin, origin + step)
        for name, model in models.items():
            t0 = time.perf_counter()
            fc = model.fit(events, origin, area=study).predict(origin, horizon)
            res.seconds[name] += time.perf_counter() - t0
            for s in score(fc, test, coverages):
                res.rows.append(
                    {
                        "method": name,
                        "origin": origin,
                        "coverage": s.coverage,
                        "hit_rate": s.hit_rate,
                        "pai": s.pai,
                        "pei": s.pei,
                        "n_events": s.n_events,
                    }
                )
        if progress is not None:
            progress(f"window {w + 1}/{windows} ({events.local_date(origin)})")
    return res
