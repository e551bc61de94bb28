"""Forecasters (预测预警): every method returns a :class:`Forecast` of risk per cell.

``make_forecaster(name)`` builds one by name; ``BEST`` names the method the project
recommends, chosen by the 2018–2019 rolling-origin backtest (see ``bench/forecast.py``).
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
from zhian.analytics.forecasters.ensemble import EnsembleForecaster
from zhian.analytics.forecasters.kde import KDEForecaster, gaussian_kde
from zhian.analytics.forecasters.learned import LearnedForecaster, lagged_features
from zhian.analytics.forecasters.naive import NaiveForecaster
from zhian.analytics.forecasters.prospective import ProspectiveForecaster
from zhian.analytics.forecasters.sepp import (
    EtasFit,
    SeppForecaster,
    fit_etas,
    simulate_etas,
)

__all__ = [
    "BEST",
    "METHODS",
    "EmptyTrainingWindowError",
    "EnsembleForecaster",
    "EtasFit",
    "Forecast",
    "Forecaster",
    "KDEForecaster",
    "LearnedForecaster",
    "NaiveForecaster",
    "NotFittedError",
    "ProspectiveForecaster",
    "SeppForecaster",
    "clone",
    "fit_etas",
    "gaussian_kde",
    "lagged_features",
    "make_forecaster",
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
    "ensemble": lambda **kw: EnsembleForecaster(
        members=(LearnedForecaster(), SeppForecaster(warm_start=True)), **kw
    ),
}

#: The recommended method (``--method best``).
BEST = "learned"


def make_forecaster(name: str, **params: Any) -> Forecaster:
    """A forecaster by name: a key of :data:`METHODS`, ``best``, or ``naiveN`` (an
    ``N``-day count, e.g. ``naive365``). ``params`` are passed to the constructor."""
    if name == "best":
        name = BEST
    m = re.fullmatch(r"naive(\d+)", name)
    if m:
        return NaiveForecaster(window=float(m.group(1)), **params)
    try:
        factory = METHODS[name]
    except KeyError:
        known = ", ".join([*METHODS, "naiveN", "best"])
        raise ValueError(f"unknown method {name!r}; choose from {known}") from None
    return factory(**params)
