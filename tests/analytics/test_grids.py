"""Grid invariants (zhian.analytics.grids)."""

from __future__ import annotations

import h3
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from zhian.analytics.datasets import synthetic_events
from zhian.analytics.events import EventSet
from zhian.analytics.grids import H3Grid, SquareGrid, StudyArea

coords = st.floats(min_value=-2e7, max_value=2e7, allow_nan=False, allow_infinity=False)
sizes = st.sampled_from([1.0, 0.1, 7.5, 100.0, 150.0, 250.0, 1000.0, 1 / 3])


@settings(max_examples=300, deadline=None)
@given(x=coords, y=coords, size=sizes)
def test_every_point_falls_in_exactly_one_cell(x: float, y: float, size: float) -> None:
    g = SquareGrid(size)
    ix, iy = g.index(np.array([x]), np.array([y]))
    x0, y0 = g.lower_left(g.encode(ix, iy))
    # inside its cell (half-open on the upper sides) ...
    assert x0[0] <= x < (ix[0] + 1) * size and y0[0] <= y < (iy[0] + 1) * size
    # ... and in neither neighbour along each axis
    assert not ((ix[0] - 1) * size <= x < ix[0] * size)
    assert not ((ix[0] + 1) * size <= x < (ix[0] + 2) * size)


def test_points_on_boundaries_go_up() -> None:
    g = SquareGrid(150.0)
    ix, _ = g.index(np.array([0.0, 150.0, -150.0, 149.99999999999997]), np.zeros(4))
    assert list(ix) == [0, 1, -1, 0]


@given(
    ix=st.integers(min_value=-(2**30), max_value=2**30 - 1),
    iy=st.integers(min_value=-(2**30), max_value=2**30 - 1),
)
def test_cell_ids_round_trip(ix: int, iy: int) -> None:
    ids = SquareGrid.encode(np.array([ix]), np.array([iy]))
    back = SquareGrid.decode(ids)
    assert (int(back[0][0]), int(back[1][0])) == (ix, iy)


@given(st.lists(st.tuples(st.integers(-50, 50), st.integers(-50, 50)), min_size=2))
def test_ids_are_unique_per_cell(cells: list[tuple[int, int]]) -> None:
    a = np.array(cells)
    ids = SquareGrid.encode(a[:, 0], a[:, 1])
    assert len(np.unique(ids)) == len({tuple(c) for c in cells})


def test_study_area_counts_locate_and_neighbour_sums() -> None:
    g = SquareGrid(100.0)
    x = np.array([10.0, 20.0, 110.0, 310.0, 350.0])
    y = np.array([10.0, 30.0, 10.0, 10.0, 99.0])
    ev = EventSet.from_xy(np.arange(5), x + 600_000, y + 4_800_000)
    area = StudyArea.from_events(g, ev)
    assert len(area) == 3
    assert area.counts(ev).tolist() == [2.0, 1.0, 2.0]
    assert area.locate(SquareGrid.encode([6002], [48000])).tolist() == [-1]
    # 3x3 sums: the two left cells are neighbours, the right one is alone
    assert (area.neighbour_sum(1) @ area.counts(ev)).tolist() == [3.0, 3.0, 2.0]
    assert (area.neighbour_sum(2) @ area.counts(ev)).tolist() == [3.0, 5.0, 3.0]
    x0, y0 = g.lower_left(area.ids)
    assert np.all(x0 % 100 == 0) and np.all(y0 % 100 == 0)


def test_h3_grid_cells_contain_their_events() -> None:
    ev = synthetic_events(np.random.default_rng(3), days=10, per_day=20)
    grid = H3Grid(9)
    ids = grid.cell_ids(ev)
    for k in range(0, len(ev), 25):
        assert h3.str_to_int(h3.latlng_to_cell(ev.lat[k], ev.lon[k], 9)) == ids[k]
    area = StudyArea.from_events(grid, ev)
    assert np.allclose(area.area, 105_000, rtol=0.2)  # about 0.1 km² at resolution 9
    cx, cy = area.centroids
    p = area.positions(ev)
    assert np.all(np.hypot(cx[p] - ev.x, cy[p] - ev.y) < 250)  # within one edge length
    s = area.neighbour_sum(1)
    assert np.all(np.asarray(s.sum(axis=1)).ravel() <= 7)
