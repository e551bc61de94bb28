"""Framework-free analytics for Zhian: events, grids, forecasting (预测预警),
evaluation, near-repeat (近重复) analysis and fairness reports.

Nothing here imports Django: numpy arrays in, numpy arrays out. The platform's
``insights`` app converts querysets to an :class:`EventSet` in one adapter and stores
the :class:`Forecast` it gets back.
"""

from zhian.analytics.datasets import shared_data_dir, toronto_mci_path
from zhian.analytics.evaluation import (
    COVERAGES,
    BacktestResult,
    Score,
    backtest,
    hit_rate,
    pai,
    pei,
    score,
)
from zhian.analytics.events import EventFileError, EventSet, load_events, utm_epsg
from zhian.analytics.fairness import FairnessReport, fairness_report
from zhian.analytics.forecasters import (
    METHODS,
    EmptyTrainingWindowError,
    Forecast,
    Forecaster,
    KDEForecaster,
    LearnedForecaster,
    NaiveForecaster,
    NotFittedError,
    ProspectiveForecaster,
    RecommendedForecaster,
    SeppForecaster,
    clone,
    make_forecaster,
)
from zhian.analytics.grids import H3Grid, SquareGrid, StudyArea
from zhian.analytics.near_repeat import KnoxResult, knox_test

__all__ = [
    "COVERAGES",
    "METHODS",
    "BacktestResult",
    "EmptyTrainingWindowError",
    "EventFileError",
    "EventSet",
    "FairnessReport",
    "Forecast",
    "Forecaster",
    "H3Grid",
    "KDEForecaster",
    "KnoxResult",
    "LearnedForecaster",
    "NaiveForecaster",
    "NotFittedError",
    "ProspectiveForecaster",
    "RecommendedForecaster",
    "Score",
    "SeppForecaster",
    "SquareGrid",
    "StudyArea",
    "backtest",
    "clone",
    "fairness_report",
    "hit_rate",
    "knox_test",
    "load_events",
    "make_forecaster",
    "pai",
    "pei",
    "score",
    "shared_data_dir",
    "toronto_mci_path",
    "utm_epsg",
]
