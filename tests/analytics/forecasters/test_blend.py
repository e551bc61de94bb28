"""Blend forecaster: components computed by hand, parameter checks, and its place in ``best``."""

from __future__ import annotations

import numpy as np
import pytest

from zhian.analytics.datasets import synthetic_events
from zhian.analytics.events import DAY, EventSet
from zhian.analytics.forecasters import (
    RECOMMENDED,
    RECOMMENDED_PARAMS,
    BlendForecaster,
    make_forecaster,
    recommended_params,
)
from zhian.analytics.forecasters.blend import parse_component
from zhian.analytics.grids import H3Grid, SquareGrid


@pytest.fixture(scope="module")
def events() -> EventSet:
    return synthetic_events(np.random.default_rng(7), days=1300, start="2016-01-01", per_day=6)


def _row() -> tuple[EventSet, int]:
    """Three 100 m cells in a row, A B C, and a far cell D; category ``B`` is the target.

    A: burglaries 40 and 30 days before ``until``; B: one burglary 20 days before and
    three assaults; C: one burglary 10 days before; D: one burglary 5 days before and
    one exactly a year before ``until`` plus a week (inside the first season window).
    """
    until = 1200 * DAY
    days_before = np.array([40, 30, 20, 19, 18, 17, 10, 5, 365 - 7])
    t = until - days_before * DAY
    x = np.array([50.0, 50, 150, 150, 150, 150, 250, 5050, 5050]) + 600_000
    cat = ["B", "B", "B", "A", "A", "A", "B", "B", "B"]
    order = np.argsort(t)
    ev = EventSet.from_xy(t[order], x[order], np.full(9, 4_800_050.0), np.array(cat)[order])
    return ev, until


def test_components_by_hand() -> None:
    # Given four cells with known events
    ev, until = _row()
    tau = 10.0

    def w(days: list[float]) -> float:
        return float(np.exp(-np.asarray(days) / tau).sum())

    own = np.array([w([40, 30]), w([20]), w([10]), w([5, 358])])
    every = own + np.array([0, w([19, 18, 17]), 0, 0])
    block = np.array([own[0] + own[1], own[:3].sum(), own[1] + own[2], own[3]])
    # When a blend of the three kinds of component is fitted
    model = BlendForecaster(
        weights={"decay10": 1.0, "decay10_r1": 0.5, "all10": 0.2, "season": 0.3},
        grid=SquareGrid(100),
        category="B",
    ).fit(ev, until)
    parts = model.components()
    # Then each component is its raw value scaled to sum 1
    np.testing.assert_allclose(parts["decay10"], own / own.sum())
    np.testing.assert_allclose(parts["decay10_r1"], block / block.sum())
    np.testing.assert_allclose(parts["all10"], every / every.sum())
    # only D had a burglary in [-21, +28) days around the same date a year earlier
    np.testing.assert_allclose(parts["season"], [0, 0, 0, 1])
    # and the risk is the weighted sum, scaled to the last 365 days' 6 burglaries
    raw = own / own.sum() + 0.5 * block / block.sum() + 0.2 * every / every.sum()
    raw += 0.3 * np.array([0, 0, 0, 1])
    np.testing.assert_allclose(model.predict(horizon=7).risk, raw / raw.sum() * 6 * 7 / 365)


def test_zero_weights_and_the_default_rank_as_decay(events: EventSet) -> None:
    # Given the decay method and blends that keep only the 365-day decayed count
    decay = make_forecaster("decay").fit(events, "2019-03-01").predict()
    for weights in (None, {"decay365": 2.0, "season": 0.0}):
        fc = BlendForecaster(weights=weights).fit(events, "2019-03-01").predict()
        # Then they rank cells exactly as decay does
        np.testing.assert_array_equal(fc.ranking(), decay.ranking())
        np.testing.assert_allclose(fc.risk / fc.risk.sum(), decay.risk / decay.risk.sum())


def test_risk_totals_the_last_year_prorated(events: EventSet) -> None:
    model = BlendForecaster(weights={"decay730": 1.0, "all365": 0.3}).fit(events, "2019-03-01")
    last_year = len(events.between(model.until_ - 365 * DAY, model.until_))
    assert model.predict(horizon=28).risk.sum() == pytest.approx(last_year * 28 / 365)


def test_an_empty_component_counts_as_zero() -> None:
    # Given less than a year of history, the season component has no events
    ev = synthetic_events(np.random.default_rng(1), days=200, per_day=5)
    model = BlendForecaster(weights={"decay365": 1.0, "season": 1.0}).fit(ev, "2018-07-01")
    assert not model.components()["season"].any()
    plain = BlendForecaster().fit(ev, "2018-07-01")
    np.testing.assert_array_equal(model.predict().ranking(), plain.predict().ranking())


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({"decay": 1.0}, "unknown blend component"),
        ({"decay0": 1.0}, "unknown blend component"),
        ({"decay365_r0": 1.0}, "unknown blend component"),
        ({"seasonal": 1.0}, "unknown blend component"),
        ({"decay365": -1.0}, "finite number >= 0"),
        ({"decay365": float("nan")}, "finite number >= 0"),
        ({"decay365": "1"}, "finite number >= 0"),
        ({"decay365": True}, "finite number >= 0"),
        ({"decay365": 0.0}, "at least one"),
        ({}, "at least one"),
    ],
)
def test_rejects_bad_weights(weights: dict[str, object], message: str, events: EventSet) -> None:
    with pytest.raises(ValueError, match=message):
        BlendForecaster(weights=weights).fit(events, "2019-03-01")  # type: ignore[arg-type]


def test_numpy_weights_are_numbers(events: EventSet) -> None:
    weights = {"decay365": np.int64(1), "decay730": np.float32(0.5)}
    # numpy scalars are the point of this test; the annotation says float
    forecaster = BlendForecaster(weights=weights)  # type: ignore[arg-type]
    assert forecaster.fit(events, "2019-03-01").predict().risk.sum() > 0


def test_parse_component() -> None:
    assert parse_component("decay365_r2") == ("decay", 365.0, 2)
    assert parse_component("all91.5") == ("all", 91.5, 0)
    assert parse_component("season") == ("season", 0.0, 0)


def test_best_uses_the_weights_recommended_for_the_category(events: EventSet) -> None:
    # Given the categories whose 2018-2019 selection chose blend
    chosen = [c for c, m in RECOMMENDED.items() if m == "blend"]
    assert chosen == ["Auto Theft", "Theft Over"]
    for category in chosen:
        params = recommended_params(category)
        # every recommended component is valid
        for name in params["weights"]:
            parse_component(name)
        # and a caller cannot change the recommendation through the copy it gets
        params["weights"]["decay14"] = 99.0
        assert "decay14" not in RECOMMENDED_PARAMS[category]["weights"] or (
            RECOMMENDED_PARAMS[category]["weights"]["decay14"] != 99.0
        )


def test_block_means_work_on_h3_cells(events: EventSet) -> None:
    # Given hexagonal cells, whose one ring holds 7 cells rather than 9

    model = BlendForecaster(weights={"decay365": 1.0, "decay365_r1": 0.5}, grid=H3Grid(9))
    fc = model.fit(events, "2019-03-01").predict(horizon=7)
    # Then the block mean is a sum over each cell's ring, scaled like every component
    own = model.components()["decay365"]
    ring = model.area_.neighbour_sum(1) @ own
    np.testing.assert_allclose(model.components()["decay365_r1"], ring / ring.sum())
    assert fc.area.grid == H3Grid(9) and np.all(fc.risk >= 0) and fc.risk.sum() > 0
