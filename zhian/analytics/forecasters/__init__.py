"""Forecasters (预测预警): every method returns a :class:`Forecast` of risk per cell.

``make_forecaster(name)`` builds one by name; ``best`` is the method the project
recommends for the forecast's category (:data:`RECOMMENDED`), chosen by the 2018–2019
rolling-origin backtest (see ``bench/forecast.py``).

Selection, mean PAI@1 % over the 104 weeks of 2018–2019 (all categories / Break and
Enter): ``naive365`` 14.84 / 8.92, ``decay`` 15.03 / 9.46, ``sepp`` 14.85 / 8.95,
``kde`` 13.73 / 7.92, ``prospective`` 10.17 / 6.97, ``learned`` 14.92 / 10.16, so
``best`` is ``decay`` for all categories and ``learned`` for Break and Enter; with
``smoothed`` (a decayed count shrunk toward its neighbourhood and all crime) among the
candidates, ``best`` is ``smoothed`` for Assault, and with ``blend`` (weighted shares of
count-based estimates, weights fitted on 2015–2017) among them, ``blend`` for Auto Theft
and Theft Over (each category's choice and parameters are in :data:`RECOMMENDED` and
:data:`RECOMMENDED_PARAMS`). ``sum`` (all categories as the sum of each category's
``best``, :class:`CategorySumForecaster`) scored 14.91 for all categories, below
``decay`` (third round, ``docs/forecasting.md``). No ensemble is
offered: the mean of ``learned`` and ``decay`` scored 15.02 / 10.03, and the mean of
``learned`` and ``sepp`` 15.01 for all categories, so neither earned its cost.

How far ranking cells by rates can go: :class:`zhian.analytics.ceiling.HindsightCounts`, an
oracle that ranks cells by the events one or two years before *and after* each week
(the week itself left out), reaches PAI@1 % 14.82 for all categories and 11.43 for
Break and Enter in 2020, against 14.54 and 10.45 for the 365-day count (15.21 and
10.62 in 2018–2019, against 14.84 and 8.92). Beyond that a method must foresee
much of the week's own chance variation, which past events do not reveal; see
``docs/forecasting.md``.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from zhian.analytics.forecasters.base import (
    EmptyTrainingWindowError,
    Forecast,
    Forecaster,
    NotFittedError,
    clone,
)
from zhian.analytics.forecasters.blend import BlendForecaster
from zhian.analytics.forecasters.category_sum import CategorySumForecaster
from zhian.analytics.forecasters.kde import KDEForecaster, gaussian_kde
from zhian.analytics.forecasters.learned import LearnedForecaster, lagged_features
from zhian.analytics.forecasters.naive import NaiveForecaster
from zhian.analytics.forecasters.prospective import ProspectiveForecaster
from zhian.analytics.forecasters.recommended import (
    RECOMMENDED,
    RECOMMENDED_PARAMS,
    RecommendedForecaster,
    recommended_method,
    recommended_params,
)
from zhian.analytics.forecasters.sepp import (
    EtasFit,
    SeppForecaster,
    fit_etas,
    simulate_etas,
)
from zhian.analytics.forecasters.smoothed import SmoothedForecaster

__all__ = [
    "METHODS",
    "RECOMMENDED",
    "RECOMMENDED_PARAMS",
    "BlendForecaster",
    "CategorySumForecaster",
    "EmptyTrainingWindowError",
    "EtasFit",
    "Forecast",
    "Forecaster",
    "KDEForecaster",
    "LearnedForecaster",
    "NaiveForecaster",
    "NotFittedError",
    "ProspectiveForecaster",
    "RecommendedForecaster",
    "SeppForecaster",
    "SmoothedForecaster",
    "clone",
    "fit_etas",
    "gaussian_kde",
    "lagged_features",
    "make_forecaster",
    "recommended_method",
    "recommended_params",
    "simulate_etas",
]

#: Named methods with the defaults chosen by the 2018–2019 backtest.
METHODS: dict[str, Callable[..., Forecaster]] = {
    "naive": NaiveForecaster,
    "decay": lambda **kw: NaiveForecaster(**{"window": None, "decay": 365.0, **kw}),
    "kde": KDEForecaster,
    "prospective": ProspectiveForecaster,
    "sepp": SeppForecaster,
    "learned": LearnedForecaster,
    "smoothed": SmoothedForecaster,
    "blend": BlendForecaster,
    "sum": CategorySumForecaster,
}


def make_forecaster(name: str, **params: Any) -> Forecaster:
    """A forecaster by name: a key of :data:`METHODS`, ``best`` (the recommended method
    for its category), or ``naiveN`` (an ``N``-day count, e.g. ``naive365``). ``params``
    are passed to the constructor."""
    if name == "best":
        return RecommendedForecaster(**params)
    m = re.fullmatch(r"naive(\d+)", name)
    if m:
        return NaiveForecaster(window=float(m.group(1)), **params)
    try:
        factory = METHODS[name]
    except KeyError:
        known = ", ".join([*METHODS, "naiveN", "best"])
        raise ValueError(f"unknown method {name!r}; choose from {known}") from None
    return factory(**params)
