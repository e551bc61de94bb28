"""Forecasters: the estimator contract and the maths of each method."""

from __future__ import annotations

import math

import numpy as np
import pytest

from zhian.analytics.datasets import synthetic_events
from zhian.analytics.evaluation import score
from zhian.analytics.events import DAY, EventSet
from zhian.analytics.forecasters import (
    METHODS,
    RECOMMENDED,
    EmptyTrainingWindowError,
    KDEForecaster,
    LearnedForecaster,
    NaiveForecaster,
    NotFittedError,
    ProspectiveForecaster,
    RecommendedForecaster,
    SeppForecaster,
    SmoothedForecaster,
    clone,
    fit_etas,
    gaussian_kde,
    make_forecaster,
    recommended_method,
    recommended_params,
    simulate_etas,
)
from zhian.analytics.grids import H3Grid, SquareGrid, StudyArea

FAST: dict[str, dict[str, object]] = {
    "learned": {"n_origins": 8, "max_iter": 20},
    "sepp": {"window": 120.0},
}


@pytest.fixture(scope="module")
def events() -> EventSet:
    return synthetic_events(np.random.default_rng(0), days=500, per_day=12)


# ---- contract --------------------------------------------------------------------
@pytest.mark.parametrize("name", list(METHODS))
def test_estimator_contract(name: str, events: EventSet) -> None:
    model = make_forecaster(name, **FAST.get(name, {}))
    params = model.get_params()
    assert clone(model).get_params() == params
    assert not any(k.endswith("_") for k in vars(model))  # __init__ only stores params
    with pytest.raises(NotFittedError, match="fit"):
        model.predict("2019-01-01")
    assert model.fit(events, "2019-03-01") is model
    fc = model.predict(horizon=7)
    assert fc.risk.shape == model.area_.ids.shape
    assert np.all(fc.risk >= 0) and fc.risk.sum() > 0
    with pytest.raises(ValueError, match="precedes"):
        model.predict("2019-02-01")
    with pytest.raises(ValueError, match="no parameter"):
        model.set_params(nonsense=1)


@pytest.mark.parametrize("name", list(METHODS))
def test_no_training_events_says_so(name: str, events: EventSet) -> None:
    with pytest.raises(EmptyTrainingWindowError, match="no training events before 2017-06-01"):
        make_forecaster(name).fit(events, "2017-06-01")


@pytest.mark.parametrize("name", list(METHODS))
def test_forecasts_ignore_input_order_and_later_events(name: str, events: EventSet) -> None:
    params = FAST.get(name, {})
    a = make_forecaster(name, **params).fit(events, "2019-01-10").predict()
    rng = np.random.default_rng(5)
    perm = rng.permutation(len(events))
    shuffled = EventSet.from_xy(
        events.t[perm],
        events.x[perm],
        events.y[perm],
        events.category[perm],
        epsg=events.epsg,
        timezone=events.timezone,
    )
    past = events.between(None, "2019-01-10")
    b = make_forecaster(name, **params).fit(past, "2019-01-10").predict()
    c = make_forecaster(name, **params).fit(shuffled, "2019-01-10").predict()
    np.testing.assert_allclose(a.risk, b.risk, rtol=1e-9)
    np.testing.assert_allclose(a.risk, c.risk, rtol=1e-9)


def test_forecasts_beat_chance_on_hot_spots(events: EventSet) -> None:
    test = events.between("2019-03-01", "2019-03-29")
    for name in METHODS:
        fc = (
            make_forecaster(name, **FAST.get(name, {}))
            .fit(events, "2019-03-01")
            .predict(horizon=28)
        )
        assert score(fc, test, [0.05])[0].pai > 3, name


# ---- naive -----------------------------------------------------------------------
def test_naive_counts_and_decay_by_hand() -> None:
    t = np.array([0, 10, 20, 30]) * DAY
    x = np.array([50.0, 50.0, 150.0, 150.0]) + 600_000
    ev = EventSet.from_xy(t, x, np.full(4, 4_800_050.0))
    until = 40 * DAY
    fc = NaiveForecaster(window=25.0, grid=SquareGrid(100)).fit(ev, until).predict(horizon=5)
    np.testing.assert_allclose(fc.risk, [0.0, 2 * 5 / 25])
    dec = NaiveForecaster(window=None, decay=10.0, grid=SquareGrid(100)).fit(ev, until)
    w = np.exp(-np.array([40, 30, 20, 10]) / 10)
    np.testing.assert_allclose(dec.counts_, [w[0] + w[1], w[2] + w[3]])
    np.testing.assert_allclose(dec.predict(horizon=10).risk, dec.counts_ * 10 / 10)


# ---- smoothed --------------------------------------------------------------------
def test_smoothed_shrinks_toward_neighbours_and_all_crime_by_hand() -> None:
    # Given three 100 m cells in a row: A (2 burglaries), B (1 burglary, 3 assaults)
    # and C (1 burglary), and a fourth cell D far away (1 burglary)
    x = np.array([50.0, 50.0, 150.0, 150, 150, 150, 250.0, 5050.0]) + 600_000
    cat = ["B", "B", "B", "A", "A", "A", "B", "B"]
    t = np.array([0, 10, 20, 21, 22, 23, 30, 35]) * DAY
    ev = EventSet.from_xy(t, x, np.full(8, 4_800_050.0), cat)
    until, tau = 40 * DAY, 10.0
    w = np.exp(-(until - t) / (tau * DAY))
    own = np.array([w[0] + w[1], w[2], w[6], w[7]])  # A, B, C, D of category B
    every = np.array([w[0] + w[1], w[2:6].sum(), w[6], w[7]])
    block = np.array([own[0] + own[1], own.sum() - own[3], own[1] + own[2], own[3]]) / 9
    # When it is fitted with both terms
    model = SmoothedForecaster(
        decay=tau,
        rings=1,
        neighbour_weight=0.5,
        prior_weight=0.2,
        grid=SquareGrid(100),
        category="B",
    ).fit(ev, until)
    # Then each cell is its own count plus the weighted block mean and all-crime term,
    # rescaled to the decayed count's total, per day of the horizon over tau days
    raw = own + 0.5 * block + 0.2 * every * own.sum() / every.sum()
    expected = raw * own.sum() / raw.sum() * 7 / tau
    np.testing.assert_allclose(model.predict(horizon=7).risk, expected)
    # and B, busy with assaults and between two burglaries, gains on the lone cell D
    risk = model.predict().risk
    assert risk[1] / risk[3] > own[1] / own[3]


def test_smoothed_without_shrinkage_is_decay(events: EventSet) -> None:
    plain = SmoothedForecaster(decay=365.0, neighbour_weight=0.0, prior_weight=0.0)
    a = plain.fit(events, "2019-03-01").predict(horizon=7)
    b = make_forecaster("decay").fit(events, "2019-03-01").predict(horizon=7)
    np.testing.assert_allclose(a.risk, b.risk, rtol=1e-12)


@pytest.mark.parametrize(
    "params",
    [{"decay": 0.0}, {"rings": 0}, {"neighbour_weight": -1.0}, {"prior_weight": -0.1}],
)
def test_smoothed_rejects_bad_parameters(params: dict[str, float], events: EventSet) -> None:
    with pytest.raises(ValueError, match="must be"):
        SmoothedForecaster(**params).fit(events, "2019-03-01")  # type: ignore[arg-type]


# ---- KDE -------------------------------------------------------------------------
def kde_slow(points: np.ndarray, query: np.ndarray, h: float, cut: float) -> np.ndarray:
    out = np.zeros(len(query))
    norm = 2 * np.pi * h * h * (1 - np.exp(-cut * cut / 2))
    for q in range(len(query)):
        for p in points:
            d = np.hypot(*(query[q] - p))
            if d <= cut * h:
                out[q] += np.exp(-0.5 * (d / h) ** 2) / norm
    return out / len(points)


def test_kde_matches_a_slow_reference() -> None:
    rng = np.random.default_rng(11)
    pts = rng.uniform(0, 500, (40, 2))
    pts[5] = pts[6]  # coincident points are merged internally
    q = np.vstack([rng.uniform(-100, 600, (60, 2)), pts[:3]])
    for h in (20.0, 75.0):
        np.testing.assert_allclose(
            gaussian_kde(pts, q, h), kde_slow(pts, q, h, 4.0), rtol=1e-10, atol=1e-15
        )


@pytest.mark.parametrize("h", [30.0, 80.0])
def test_kde_integrates_to_one_over_a_large_window(h: float) -> None:
    rng = np.random.default_rng(4)
    pts = rng.uniform(0, 1000, (30, 2))
    w = rng.uniform(0.5, 2, 30)
    step = h / 8
    g = np.arange(-5 * h, 1000 + 5 * h, step) + step / 2
    gx, gy = np.meshgrid(g, g)
    dens = gaussian_kde(pts, np.column_stack([gx.ravel(), gy.ravel()]), h, weights=w)
    assert dens.sum() * step * step == pytest.approx(1.0, abs=2e-3)


def test_kde_forecast_is_translation_invariant(events: EventSet) -> None:
    a = KDEForecaster(bandwidth=100.0).fit(events, "2019-01-01").predict()
    moved = events.replace(x=events.x + 3000.0, y=events.y - 1500.0)
    b = KDEForecaster(bandwidth=100.0).fit(moved, "2019-01-01").predict()
    np.testing.assert_allclose(np.sort(a.risk), np.sort(b.risk), rtol=1e-9)


# ---- prospective -----------------------------------------------------------------
def test_prospective_weights_by_hand() -> None:
    # one event 3 weeks old at the centre of cell 0; cells 150 m apart
    t = np.array([0, 20 * DAY])
    x = np.array([75.0, 375.0]) + 600_000
    ev = EventSet.from_xy(t, x, np.full(2, 4_800_075.0))
    until = 21 * DAY
    f = ProspectiveForecaster(bandwidth=400.0, window=56.0).fit(ev, until)
    raw = f.predict(horizon=7).risk
    w_old, w_new = 1 / (1 + 3), 1 / (1 + 1 / 7)
    expect = np.array([w_old + w_new / (1 + 2), w_old / (1 + 2) + w_new])
    np.testing.assert_allclose(raw / raw.sum(), expect / expect.sum())
    assert raw.sum() == pytest.approx(2 / 56 * 7)


# ---- self-exciting point process -------------------------------------------------
@pytest.mark.parametrize("seed", [1, 2])
def test_em_recovers_simulated_hawkes_parameters(seed: int) -> None:
    """θ within 0.06, ω within 12 %, σ within 8 %, μ within 10 %."""
    mu, theta, omega, sigma = 8.0, 0.5, 0.5, 50.0
    rng = np.random.default_rng(seed)
    t, x, y = simulate_etas(mu, theta, omega, sigma, size=5000, duration=300, rng=rng)
    fit = fit_etas(
        t,
        x,
        y,
        background_area=[5000.0**2],
        period=(0, 300),
        time_cutoff=30,
        space_cutoff=400,
    )
    assert fit.converged
    assert abs(fit.theta - theta) < 0.06
    assert fit.omega == pytest.approx(omega, rel=0.12)
    assert fit.sigma == pytest.approx(sigma, rel=0.08)
    assert fit.mu[0] == pytest.approx(mu, rel=0.10)


def test_em_finds_no_triggering_in_a_poisson_process() -> None:
    rng = np.random.default_rng(9)
    t, x, y = simulate_etas(8.0, 0.0, 0.5, 50.0, size=5000, duration=200, rng=rng)
    fit = fit_etas(
        t, x, y, background_area=[5000.0**2], period=(0, 200), time_cutoff=30, space_cutoff=400
    )
    assert fit.theta < 0.03


def test_sepp_forecast_adds_triggered_mass_near_recent_events() -> None:
    rng = np.random.default_rng(3)
    t, x, y = simulate_etas(6.0, 0.5, 0.3, 60.0, size=3000, duration=200, rng=rng)
    ev = EventSet.from_xy(np.round(t * DAY).astype(np.int64), x + 600_000, y + 4_800_000)
    until = 200 * DAY
    f = SeppForecaster(window=200.0, min_sigma=1.0, time_cutoff=30.0).fit(ev, until)
    assert 0.3 < f.fit_.theta < 0.7
    fc = f.predict(horizon=7)
    background = f.fit_.mu * 7
    recent = ev.between(until - 30 * DAY, None)
    trig = (
        f.fit_.theta
        * (1 - np.exp(-f.fit_.omega * 7))
        * np.exp(-f.fit_.omega * (until - recent.t) / DAY)
    )
    # almost all of each kernel falls inside the study area away from its edge
    assert fc.risk.sum() == pytest.approx(background.sum() + trig.sum(), rel=0.1)

    # slow reference for a few cells: per event, triggered mass times the Gaussian
    # kernel's mass over the square cell (product of two normal CDF differences)
    def phi(z: float) -> float:
        return 0.5 * (1 + math.erf(z / math.sqrt(2)))

    x0, y0 = SquareGrid(150.0).lower_left(f.area_.ids)
    s = f.fit_.sigma
    for c in np.argsort(fc.risk)[-3:]:
        ref = background[c]
        for k in range(len(recent)):
            px = phi((x0[c] + 150 - recent.x[k]) / s) - phi((x0[c] - recent.x[k]) / s)
            py = phi((y0[c] + 150 - recent.y[k]) / s) - phi((y0[c] - recent.y[k]) / s)
            ref += trig[k] * px * py
        assert fc.risk[c] == pytest.approx(ref, rel=1e-6)


# ---- learned ---------------------------------------------------------------------
def test_learned_is_deterministic_and_reuses_its_booster(events: EventSet) -> None:
    a = LearnedForecaster(n_origins=8, max_iter=20, random_state=1).fit(events, "2019-02-01")
    b = LearnedForecaster(n_origins=8, max_iter=20, random_state=1).fit(events, "2019-02-01")
    np.testing.assert_array_equal(a.predict().risk, b.predict().risk)
    booster = a.model_
    a.fit(events, "2019-02-15")  # within refit_every: same booster, new features
    assert a.model_ is booster and a.until_ > a.trained_until_
    a.set_params(max_iter=21).fit(events, "2019-02-22")  # new parameters: refit
    assert a.model_ is not booster
    names = a.feature_names_
    assert {"n7", "n365", "decay730", "n365_r1", "since", "season_sin"} <= set(names)


def test_study_area_can_be_given(events: EventSet) -> None:
    area = StudyArea.from_events(SquareGrid(150.0), events.between(None, "2018-06-01"))
    fc = NaiveForecaster().fit(events, "2019-01-01", area=area).predict()
    assert fc.area is area


@pytest.mark.parametrize("name", ["naive", "kde", "sepp", "smoothed"])
def test_h3_cells_work_end_to_end(name: str, events: EventSet) -> None:
    recent = events.between("2018-10-01", None)
    model = make_forecaster(name, grid=H3Grid(9), **FAST.get(name, {}))
    fc = model.fit(recent, "2019-03-01").predict(horizon=28)
    assert fc.area.grid == H3Grid(9) and np.all(fc.area.area > 0)
    s = score(fc, recent.between("2019-03-01", "2019-03-29"), [0.05])[0]
    assert s.pai > 2  # hexagons of unequal area: PAI divides by the area flagged


FIVE = ("Assault", "Auto Theft", "Break and Enter", "Robbery", "Theft Over")


@pytest.fixture(scope="module")
def five_categories() -> EventSet:
    return synthetic_events(np.random.default_rng(11), days=500, per_day=15.0, categories=FIVE)


def test_every_category_of_the_target_has_a_recommended_method() -> None:
    assert set(RECOMMENDED) == {None, *FIVE}
    assert all(m in METHODS for m in RECOMMENDED.values())


@pytest.mark.parametrize(
    ("category", "method"),
    [(None, "decay"), ("Break and Enter", "learned"), ("Assault", "smoothed"), ("Fraud", "decay")],
)
def test_best_is_the_method_recommended_for_the_category(category: str | None, method: str) -> None:
    ev = synthetic_events(np.random.default_rng(3), days=500, per_day=12.0)
    if category == "Fraud":  # a category the selection never saw
        ev = ev.replace(category=np.where(ev.category == "Assault", "Fraud", ev.category))
    until = "2019-03-01"
    best = make_forecaster("best", category=category)
    assert isinstance(best, RecommendedForecaster) and best.method == method
    direct = make_forecaster(method, category=category, **recommended_params(category))
    fc = best.fit(ev, until).predict(until, 7.0)
    assert fc.method == f"best={method}"
    np.testing.assert_array_equal(
        fc.risk, direct.fit(ev, until, area=fc.area).predict(until, 7.0).risk
    )


@pytest.mark.parametrize("category", [None, *FIVE])
def test_best_equals_the_chosen_method_exactly_week_after_week(
    category: str | None, five_categories: EventSet
) -> None:
    # Given best and the method chosen for the category, each kept across weekly fits
    # as a backtest keeps them (the learned model reuses its booster for 4 weeks)
    best = make_forecaster("best", category=category)
    chosen = make_forecaster(
        recommended_method(category), category=category, **recommended_params(category)
    )
    origin = five_categories.instant("2019-02-01")
    for week in range(6):
        until = origin + week * 7 * DAY
        # When both forecast the same week on the same study area
        fc = best.fit(five_categories, until).predict(until, 7.0)
        direct = chosen.fit(five_categories, until, area=fc.area).predict(until, 7.0)
        # Then the risks are identical, not merely close
        np.testing.assert_array_equal(fc.risk, direct.risk)
        assert fc.method == f"best={recommended_method(category)}"


@pytest.mark.parametrize(
    ("name", "category"),
    [*((m, None) for m in METHODS), *(("best", c) for c in (None, *FIVE))],
)
def test_never_reads_events_at_or_after_the_origin(
    name: str, category: str | None, five_categories: EventSet
) -> None:
    # Given the events before an origin, and the same plus a burst of events exactly at
    # the origin and after it, on the hottest cell and in a cell that had none before
    ev = five_categories
    origin = ev.instant("2019-01-10")
    past = ev.between(None, origin)
    cells = SquareGrid(150).cell_ids(past)
    ids, counts = np.unique(cells, return_counts=True)
    hot = int(np.flatnonzero(cells == ids[np.argmax(counts)])[0])  # an event in the hottest cell
    n = 300
    t = origin + np.arange(n) * 3600  # the first exactly at the origin
    on_hot = np.arange(n) % 2 == 0
    x = np.where(on_hot, past.x[hot], 625_000.0)  # else 5 km outside the synthetic square
    y = np.where(on_hot, past.y[hot], 4_825_000.0)
    cats = np.resize(np.array(FIVE), n)
    burst = EventSet.from_xy(
        np.concatenate([ev.t, t]),
        np.concatenate([ev.x, x]),
        np.concatenate([ev.y, y]),
        np.concatenate([ev.category, cats]),
        epsg=ev.epsg,
        timezone=ev.timezone,
    )
    params = {**FAST.get(name, {}), "category": category}
    # When one model is fitted on each up to the origin
    a = make_forecaster(name, **params).fit(past, origin).predict()
    b = make_forecaster(name, **params).fit(burst, origin).predict()
    # Then the study areas and forecasts are identical
    np.testing.assert_array_equal(a.area.ids, b.area.ids)
    np.testing.assert_array_equal(a.risk, b.risk)
    if name == "decay":  # and the burst is seen as soon as it is in the past
        later = make_forecaster(name, **params).fit(burst, origin + DAY).predict()
        assert len(later.area) > len(a.area)
