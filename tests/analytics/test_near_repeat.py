"""Knox test (zhian.analytics.near_repeat)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from zhian.analytics.datasets import toronto_mci_path
from zhian.analytics.events import DAY, EventSet, load_events
from zhian.analytics.near_repeat import knox_test

SPACE = (0, 100, 200, 400)
TIME = (0, 7, 14, 28)


def near_repeat_pattern(rng: np.random.Generator, n: int = 300) -> tuple[np.ndarray, np.ndarray]:
    """Originating events uniform over 3 km × 365 days; half of them get a repeat
    within 80 m and 5 days."""
    xy = rng.uniform(0, 3000, (n, 2))
    t = rng.uniform(0, 365, n)
    k = n // 2
    rep_xy = xy[:k] + rng.uniform(-55, 55, (k, 2))
    rep_t = t[:k] + rng.uniform(0, 5, k)
    return np.vstack([xy, rep_xy]), np.concatenate([t, rep_t])


def knox_slow(xy: np.ndarray, t: np.ndarray) -> np.ndarray:
    out = np.zeros((len(SPACE) - 1, len(TIME)), dtype=int)
    for i in range(len(t)):
        for j in range(i + 1, len(t)):
            d = np.hypot(*(xy[i] - xy[j]))
            if d >= SPACE[-1]:
                continue
            si = np.searchsorted(SPACE, d, side="right") - 1
            ti = np.searchsorted(TIME, abs(t[i] - t[j]), side="right") - 1
            out[si, ti] += 1
    return out


def test_observed_table_matches_brute_force() -> None:
    xy, t = near_repeat_pattern(np.random.default_rng(0), n=120)
    res = knox_test(xy=xy, t_days=t, space_bands=SPACE, time_bands=TIME, permutations=9, rng=0)
    np.testing.assert_array_equal(res.observed, knox_slow(xy, t))


def test_finds_a_known_near_repeat_effect() -> None:
    xy, t = near_repeat_pattern(np.random.default_rng(1))
    res = knox_test(
        xy=xy,
        t_days=t,
        space_bands=SPACE,
        time_bands=TIME,
        permutations=199,
        rng=np.random.default_rng(2),
    )
    assert res.ratio[0, 0] > 5
    assert res.p_value[0, 0] <= 0.01
    # permutations keep the spatial pairs: per distance band, totals are unchanged
    np.testing.assert_allclose(res.expected.sum(axis=1), res.observed.sum(axis=1))
    assert "0-100 m" in res.table() and ">=28 d" in res.table()


def test_no_effect_once_times_are_shuffled() -> None:
    rng = np.random.default_rng(1)
    xy, t = near_repeat_pattern(rng)
    res = knox_test(
        xy=xy,
        t_days=rng.permutation(t),
        space_bands=SPACE,
        time_bands=TIME,
        permutations=199,
        rng=np.random.default_rng(3),
    )
    assert res.p_value[0, 0] > 0.05
    assert 0.5 < res.ratio[0, 0] < 1.5


def test_event_set_input_and_guards() -> None:
    xy, t = near_repeat_pattern(np.random.default_rng(4), n=100)
    ev = EventSet.from_xy(np.round(t * DAY).astype(np.int64), xy[:, 0] + 6e5, xy[:, 1] + 4.8e6)
    res = knox_test(ev, space_bands=SPACE, time_bands=TIME, permutations=19, rng=0)
    assert res.n_events == 150 and res.observed.shape == (3, 4)
    with pytest.raises(ValueError, match="increasing"):
        knox_test(ev, space_bands=(0, 100, 50))
    with pytest.raises(ValueError, match="pairs"):
        knox_test(ev, space_bands=(0, 5000), max_pairs=10)


# --- band edges hold exactly: [lower, upper) in integer seconds and whole millimetres ---

METRE_BANDS = (0, 1, 100, 200, 300, 400, 500)  # the CLI's defaults
DAY_BANDS = (0, 7, 14, 21, 28, 35, 42)
T0 = 1_546_318_800  # 2019-01-01T00:00 in Toronto (05:00Z)
# Start of the pair, hours after the first event of the set: Toronto times are whole hours,
# and at several of these a gap of whole weeks came out a few ulps short in float days.
START_HOURS = (1, 25, 50, 97, 385, 770)
# Legs (mm) of a right triangle whose hypotenuse is exactly the edge, legs not whole metres,
# so the two points' easting and northing have different fractions of a metre.
LEGS_MM = {
    1: (280, 960),
    100: (7_584, 99_712),
    200: (15_168, 199_424),
    300: (22_752, 299_136),
    400: (30_336, 398_848),
    500: (37_920, 498_560),
}
ORIGIN_MM = (630_000_000, 4_830_000_000)  # in Toronto's UTM zone (EPSG:32617)


def band_of_pair(
    t: tuple[int, int], a_mm: tuple[int, int], b_mm: tuple[int, int]
) -> tuple[str, str] | None:
    """The (distance, time) band the Knox table counts the pair a-b in, or None.

    A third event 20 km away at T0 is the first of the set, so the pair's times do not
    start at zero.
    """
    x = [ORIGIN_MM[0] / 1000 - 20_000, a_mm[0] / 1000, b_mm[0] / 1000]
    y = [ORIGIN_MM[1] / 1000, a_mm[1] / 1000, b_mm[1] / 1000]
    ev = EventSet.from_xy([T0, *t], x, y)
    res = knox_test(ev, space_bands=METRE_BANDS, time_bands=DAY_BANDS, permutations=1, rng=0)
    assert res.observed.sum() <= 1
    cells = np.argwhere(res.observed)
    if not len(cells):
        return None
    i, k = cells[0]
    return res.space_labels()[i], res.time_labels()[k]


def time_label(k: int) -> str:
    return f"{DAY_BANDS[k]}-{DAY_BANDS[k + 1]} d" if k + 1 < len(DAY_BANDS) else ">=42 d"


def metre_label(i: int) -> str | None:
    return f"{METRE_BANDS[i]}-{METRE_BANDS[i + 1]} m" if i + 1 < len(METRE_BANDS) else None


@pytest.mark.parametrize("k", range(1, len(DAY_BANDS)), ids=lambda k: f"{DAY_BANDS[k]}d")
def test_a_gap_of_exactly_a_time_edge_counts_in_the_band_above_it(k: int) -> None:
    # given pairs at one place whose times are exactly the edge apart, and one second less
    edge = DAY_BANDS[k] * DAY
    on_edge, inside = {}, {}
    for h in START_HOURS:
        start = T0 + h * 3600
        # when the Knox table is counted
        on_edge[h] = band_of_pair((start, start + edge), ORIGIN_MM, ORIGIN_MM)
        inside[h] = band_of_pair((start, start + edge - 1), ORIGIN_MM, ORIGIN_MM)
    # then the gap on the edge belongs to the band starting there, a second less below
    assert on_edge == {h: ("0-1 m", time_label(k)) for h in START_HOURS}
    assert inside == {h: ("0-1 m", time_label(k - 1)) for h in START_HOURS}


def test_simultaneous_events_at_one_place_are_in_the_first_cell() -> None:
    assert band_of_pair((T0, T0), ORIGIN_MM, ORIGIN_MM) == ("0-1 m", "0-7 d")


@pytest.mark.parametrize("i", range(1, len(METRE_BANDS)), ids=lambda i: f"{METRE_BANDS[i]}m")
def test_a_distance_of_exactly_a_distance_edge_counts_in_the_band_above_it(i: int) -> None:
    # given pairs an hour apart exactly the edge apart (along the x axis, and along a
    # hypotenuse whose legs are not whole metres), and 1 mm closer
    edge_mm = METRE_BANDS[i] * 1000
    a, b = LEGS_MM[METRE_BANDS[i]]
    assert a * a + b * b == edge_mm * edge_mm
    on_edge, inside = {}, {}
    for shift in range(4):
        p = (ORIGIN_MM[0] + shift, ORIGIN_MM[1] + shift)
        times = (T0 + 3600 * (1 + shift), T0 + 3600 * (2 + shift))
        for how, q_on, q_in in (
            ("axis", (p[0] + edge_mm, p[1]), (p[0] + edge_mm - 1, p[1])),
            ("legs", (p[0] + a, p[1] + b), (p[0] + a, p[1] + b - 1)),
        ):
            # when the Knox table is counted
            on_edge[shift, how] = band_of_pair(times, p, q_on)
            inside[shift, how] = band_of_pair(times, p, q_in)
    # then the distance on the edge belongs to the band starting there (none past the
    # last edge), a millimetre less to the band below
    above = metre_label(i)
    below = metre_label(i - 1)
    assert on_edge == {key: above and (above, "0-7 d") for key in on_edge}
    assert inside == {key: (below, "0-7 d") for key in inside}


def brute_force_cell(
    t_i: int, t_j: int, a_mm: tuple[int, int], b_mm: tuple[int, int]
) -> tuple[int, int] | None:
    """(row, column) of a pair by the documented definition, in Python integers: the
    distance band from squared millimetres, the time band from whole seconds; None when
    the pair is at or past the last distance edge."""
    d2 = (a_mm[0] - b_mm[0]) ** 2 + (a_mm[1] - b_mm[1]) ** 2
    if d2 >= (METRE_BANDS[-1] * 1000) ** 2:
        return None
    row = max(i for i, e in enumerate(METRE_BANDS) if d2 >= (e * 1000) ** 2)
    col = max(k for k, e in enumerate(DAY_BANDS) if abs(t_i - t_j) >= e * DAY)
    return row, col


def test_every_cell_matches_a_brute_force_count_on_toronto_data() -> None:
    path = toronto_mci_path()
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    # given the 2019 break-ins within 800 m of a busy corner (Cabbagetown, about 400)
    ev = load_events(path, timezone="America/Toronto").of_category("Break and Enter")
    ev = ev.between("2019-01-01", "2020-01-01")
    centre = EventSet.from_arrays([0], [-79.377175], [43.663599], epsg=ev.epsg)
    sample = ev.subset(np.hypot(ev.x - centre.x[0], ev.y - centre.y[0]) < 800)
    assert 300 < len(sample) < 500
    t = [int(v) for v in sample.t]
    mm = [
        (round(float(x) * 1000), round(float(y) * 1000))
        for x, y in zip(sample.x, sample.y, strict=True)
    ]
    pairs = []  # (i, j, distance row) of every pair inside the last distance edge
    for i in range(len(t)):
        for j in range(i + 1, len(t)):
            cell = brute_force_cell(t[i], t[j], mm[i], mm[j])
            if cell is not None:
                pairs.append((i, j, cell[0]))
    week_multiples = sum(
        1 for i, j, _ in pairs if abs(t[i] - t[j]) % (7 * DAY) == 0 and t[i] != t[j]
    )
    assert week_multiples >= 10  # pairs exactly on a time edge are in the sample

    def count(times: list[int]) -> np.ndarray:
        out = np.zeros((len(METRE_BANDS) - 1, len(DAY_BANDS)), dtype=np.int64)
        for i, j, row in pairs:
            col = max(k for k, e in enumerate(DAY_BANDS) if abs(times[i] - times[j]) >= e * DAY)
            out[row, col] += 1
        return out

    # when the Knox table is computed with 19 permutations
    res = knox_test(sample, space_bands=METRE_BANDS, time_bands=DAY_BANDS, permutations=19, rng=7)
    # then every observed cell is the brute-force count ...
    observed = count(t)
    np.testing.assert_array_equal(res.observed, observed)
    # ... and expected values and p-values come from the same 19 shuffles of the times
    # (Generator.permutation of an array of n values shuffles as it does arange(n))
    gen = np.random.default_rng(7)
    sims = np.array([count([t[k] for k in gen.permutation(len(t))]) for _ in range(19)])
    np.testing.assert_allclose(res.expected, sims.mean(axis=0))
    np.testing.assert_allclose(res.p_value, (1 + (sims >= observed).sum(axis=0)) / 20)


def test_array_input_in_seconds_or_days_and_its_guards() -> None:
    # given two events at one place, 0.1 d and 7.1 d after a third 5 km away
    xy = [[0.0, 0.0], [5000.0, 0.0], [5000.0, 0.0]]
    bands: dict[str, Any] = {
        "space_bands": (0, 1, 100),
        "time_bands": (0, 7, 14),
        "permutations": 1,
    }
    # when the times are given as days or as whole seconds
    by_days = knox_test(xy=xy, t_days=[0.0, 0.1, 7.1], **bands)
    by_seconds = knox_test(xy=xy, t_seconds=[0, 8_640, 613_440], **bands)
    # then both put the pair exactly a week apart in the 7-14 d band
    for res in (by_days, by_seconds):
        assert res.observed.tolist() == [[0, 1, 0], [0, 0, 0]]
    with pytest.raises(ValueError, match="whole seconds"):
        knox_test(xy=xy, t_seconds=[0, 0.5, 1], **bands)
    with pytest.raises(ValueError, match="one of t_seconds and t_days"):
        knox_test(xy=xy, t_seconds=[0, 1, 2], t_days=[0, 1, 2], **bands)
    with pytest.raises(ValueError, match="differ in length"):
        knox_test(xy=xy, t_days=[0, 1], **bands)
    with pytest.raises(ValueError, match="to the millimetre"):
        knox_test(xy=xy, t_days=[0, 1, 2], space_bands=(0, 1, 1.0001))
    with pytest.raises(ValueError, match="to the second"):
        knox_test(xy=xy, t_days=[0, 1, 2], time_bands=(0, 1e-6))
    with pytest.raises(ValueError, match="at most 1,000,000 m"):
        knox_test(xy=xy, t_days=[0, 1, 2], space_bands=(0, 2e6))
