"""Sum of per-category forecasts: by hand, against each category's ``best``, and its checks."""

from __future__ import annotations

import numpy as np
import pytest

from zhian.analytics.datasets import synthetic_events
from zhian.analytics.events import DAY, EventSet
from zhian.analytics.forecasters import (
    CategorySumForecaster,
    NaiveForecaster,
    RecommendedForecaster,
    make_forecaster,
)
from zhian.analytics.grids import SquareGrid

FIVE = ("Assault", "Auto Theft", "Break and Enter", "Robbery", "Theft Over")


@pytest.fixture(scope="module")
def five_categories() -> EventSet:
    return synthetic_events(np.random.default_rng(11), days=500, per_day=15.0, categories=FIVE)


def test_decayed_counts_by_hand() -> None:
    # Given cells A B C of 100 m in a row: burglaries (B) in A and B, assaults (S) in B
    # and C, and one old burglary in A more than a year before ``until``
    until = 1000 * DAY
    days_before = np.array([400.0, 40, 30, 20, 15, 10, 5])
    cells = np.array([0, 0, 1, 1, 2, 2, 1])
    cat = np.array(["B", "B", "B", "S", "S", "S", "S"])
    order = np.argsort(-days_before)
    ev = EventSet.from_xy(
        (until - days_before * DAY).astype(np.int64)[order],
        600_050.0 + 100 * cells[order],
        np.full(7, 4_800_050.0),
        cat[order],
    )
    # When the sum of each category's 365-day decayed count forecasts a week
    model = CategorySumForecaster(methods={"B": "decay", "S": "decay"}, grid=SquareGrid(100))
    risk = model.fit(ev, until).predict(horizon=7).risk

    def w(days: list[float]) -> float:
        return float(np.exp(-np.asarray(days) / 365).sum())

    burglary = np.array([w([400, 40]), w([30]), 0.0])
    assault = np.array([0.0, w([20, 5]), w([15, 10])])
    # Then each category's decayed count is spread over its own events of the last
    # year (2 burglaries, 4 assaults), prorated to 7 days, and the cells add them up
    expected = (2 * burglary / burglary.sum() + 4 * assault / assault.sum()) * 7 / 365
    np.testing.assert_allclose(risk, expected, rtol=1e-12)
    assert model.shares_ == {"B": 2, "S": 4}
    # and so does the same with decay as the default, while a category named but never
    # seen adds nothing
    more = CategorySumForecaster(methods={"X": "kde"}, default="decay")
    more.set_params(grid=SquareGrid(100)).fit(ev, until)
    np.testing.assert_allclose(more.predict(horizon=7).risk, expected, rtol=1e-12)
    assert set(more.components_) == {"B", "S"}


def test_equals_the_sum_of_each_categorys_best_week_after_week(
    five_categories: EventSet,
) -> None:
    # Given the sum (best per category by default) and each category's best on its own,
    # both kept across weekly fits as a backtest keeps them
    ev = five_categories
    total = CategorySumForecaster()
    alone = {c: make_forecaster("best", category=c) for c in FIVE}
    origin = ev.instant("2019-02-01")
    for week in range(5):
        until = origin + week * 7 * DAY
        # When all of them forecast the same week
        fc = total.fit(ev, until).predict(until, 7.0)
        expected = np.zeros(len(fc.area))
        recent = ev.between(until - 365 * DAY, until)
        for cat, model in alone.items():
            own = model.fit(ev, until).predict(until, 7.0)
            # (each category's own area lies inside the all-categories area)
            pos = fc.area.locate(own.area.ids)
            assert np.all(pos >= 0)
            n = len(recent.of_category(cat))
            expected[pos] += own.risk / own.risk.sum() * n * 7 / 365
        # Then the sum is exactly the scaled per-category forecasts added cell by cell
        np.testing.assert_allclose(fc.risk, expected, rtol=1e-12)
        # and it adds up to the last year's events of all categories, prorated
        assert fc.risk.sum() == pytest.approx(len(recent) * 7 / 365, rel=1e-12)
    inner = [m.inner_ for m in total.components_.values() if isinstance(m, RecommendedForecaster)]
    assert len(inner) == len(FIVE)
    assert {type(m).__name__ for m in inner} == {
        "LearnedForecaster",
        "SmoothedForecaster",
        "BlendForecaster",
    }


def test_one_category_ranks_as_its_own_method() -> None:
    # Given events of a single category
    ev = synthetic_events(np.random.default_rng(4), days=400, per_day=10.0, categories=("B",))
    # When the sum of that one category's decay forecasts is compared with decay itself
    fc = CategorySumForecaster(methods={"B": "decay"}).fit(ev, "2018-12-01").predict()
    decay = make_forecaster("decay").fit(ev, "2018-12-01").predict()
    # Then they rank cells identically: only the total differs
    np.testing.assert_array_equal(fc.area.ids, decay.area.ids)
    np.testing.assert_array_equal(fc.ranking(), decay.ranking())
    np.testing.assert_allclose(fc.risk / fc.risk.sum(), decay.risk / decay.risk.sum())


def test_one_category_split_by_another_column() -> None:
    # Given two categories whose events carry a quadrant (NE, NW, SE, SW)
    ev = synthetic_events(np.random.default_rng(9), days=400, per_day=10.0)
    until = ev.instant("2018-12-01")
    quad = ev.extra["neighbourhood"]
    # When assaults are forecast as the sum over quadrants, NE with a 30-day memory
    # (a forecaster given as a prototype) and the others with decay's 365 days
    model = CategorySumForecaster(
        methods={"NE": NaiveForecaster(window=None, decay=30.0)},
        default="decay",
        by="neighbourhood",
        category="Assault",
    )
    fc = model.fit(ev, until).predict(until, 7.0)
    # Then the study area is the assaults' and each cell holds its quadrant's decayed
    # count spread over that quadrant's assaults of the last year, prorated to 7 days
    assaults = (ev.category == "Assault") & (ev.t < until)
    np.testing.assert_array_equal(fc.area.ids, np.unique(fc.area.grid.cell_ids(ev)[assaults]))
    expected = np.zeros(len(fc.area))
    for q in ("NE", "NW", "SE", "SW"):
        sel = assaults & (quad == q)
        age = (until - ev.t[sel]) / DAY
        d = np.bincount(
            fc.area.positions(ev.subset(sel)),
            weights=np.exp(-age / (30.0 if q == "NE" else 365.0)),
            minlength=len(fc.area),
        )
        n = int((sel & (ev.t >= until - 365 * DAY)).sum())
        expected += d / d.sum() * n * 7 / 365
    np.testing.assert_allclose(fc.risk, expected, rtol=1e-10)
    assert sum(model.shares_.values()) == int((assaults & (ev.t >= until - 365 * DAY)).sum())
    # and the parts still see the other category's events (for covariates)
    ne = model.components_["NE"]
    assert set(ne.all_events_.categories) >= {"Break and Enter", "neighbourhood=NE"}
    with pytest.raises(ValueError, match="no column 'premises'"):
        CategorySumForecaster(by="premises", category="Assault").fit(ev, until)


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"category": "Assault"}, "category must be None"),
        ({"methods": {"Assault": "oracle"}}, "unknown method 'oracle'"),
    ],
)
def test_rejects_bad_parameters(
    params: dict[str, object], message: str, five_categories: EventSet
) -> None:
    with pytest.raises(ValueError, match=message):
        CategorySumForecaster(**params).fit(five_categories, "2019-01-01")  # type: ignore[arg-type]
