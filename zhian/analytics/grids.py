"""Grids of cells and the study area a forecast covers.

Two grids share one small protocol, so forecasters and evaluation never ask which one
they hold: :class:`SquareGrid` (square cells of ``size`` metres aligned to multiples of
``size`` in the events' UTM projection: cell ``(floor(x/size), floor(y/size))``) and
:class:`H3Grid` (Uber's hexagonal H3 cells at a resolution). A cell is an ``int64`` id.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

import h3
import numpy as np
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer
from scipy import sparse

from zhian.analytics.events import EventSet

__all__ = ["Grid", "H3Grid", "SquareGrid", "StudyArea"]

_OFF = 1 << 30  # square-cell indices must lie in [-2**30, 2**30)
_SHIFT = 1 << 31


class Grid(Protocol):
    """What a grid offers: ids for events, and geometry for ids."""

    def cell_ids(self, events: EventSet) -> NDArray[np.int64]:
        """The cell holding each event."""
        ...

    def cell_area(self, ids: NDArray[np.int64], epsg: int) -> NDArray[np.float64]:
        """Area of each cell in square metres."""
        ...

    def centroids(
        self, ids: NDArray[np.int64], epsg: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell centres in metres in the projection ``epsg``."""
        ...

    def neighbours(self, ids: NDArray[np.int64], rings: int) -> list[NDArray[np.int64]]:
        """Per ring offset, the id of the neighbour of every cell (one array per offset)."""
        ...


@dataclass(frozen=True)
class SquareGrid:
    """Square cells of side ``size`` metres, aligned to multiples of ``size``.

    Ids pack the integer cell indices ``(ix, iy)`` into one ``int64`` and are only
    meaningful in the projection of the events they were computed from.
    """

    size: float = 150.0

    def index(self, x: ArrayLike, y: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Cell indices with ``ix*size <= x < (ix+1)*size`` exactly in floating point."""
        return self._axis(np.asarray(x, np.float64)), self._axis(np.asarray(y, np.float64))

    def _axis(self, v: NDArray[np.float64]) -> NDArray[np.int64]:
        i = np.floor(v / self.size)
        # x/size can round across a boundary; correct against the corners we report.
        i = np.where(i * self.size > v, i - 1, i)
        i = np.where((i + 1) * self.size <= v, i + 1, i)
        return i.astype(np.int64)

    @staticmethod
    def encode(ix: ArrayLike, iy: ArrayLike) -> NDArray[np.int64]:
        """Pack indices into ids (``-2**30 <= ix, iy < 2**30``)."""
        a, b = np.asarray(ix, np.int64), np.asarray(iy, np.int64)
        if np.any((a < -_OFF) | (a >= _OFF) | (b < -_OFF) | (b >= _OFF)):
            raise ValueError("cell index out of range; is the cell size far too small?")
        return (a + _OFF) * _SHIFT + (b + _OFF)

    @staticmethod
    def decode(ids: ArrayLike) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
        """Indices ``(ix, iy)`` of ids made by :meth:`encode`."""
        a = np.asarray(ids, np.int64)
        return a // _SHIFT - _OFF, a % _SHIFT - _OFF

    def cell_ids(self, events: EventSet) -> NDArray[np.int64]:
        return self.encode(*self.index(events.x, events.y))

    def lower_left(self, ids: NDArray[np.int64]) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Lower-left corner of each cell in metres."""
        ix, iy = self.decode(ids)
        return (ix * self.size).astype(np.float64), (iy * self.size).astype(np.float64)

    def cell_area(self, ids: NDArray[np.int64], epsg: int) -> NDArray[np.float64]:
        return np.full(np.shape(ids), self.size**2)

    def centroids(
        self, ids: NDArray[np.int64], epsg: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        x0, y0 = self.lower_left(ids)
        return x0 + self.size / 2, y0 + self.size / 2

    def neighbours(self, ids: NDArray[np.int64], rings: int) -> list[NDArray[np.int64]]:
        ix, iy = self.decode(ids)
        r = range(-rings, rings + 1)
        return [self.encode(ix + dx, iy + dy) for dx in r for dy in r]


@dataclass(frozen=True)
class H3Grid:
    """Hexagonal H3 cells (Uber H3) at ``resolution`` (9: about 0.1 km², 174 m edge)."""

    resolution: int = 9

    def cell_ids(self, events: EventSet) -> NDArray[np.int64]:
        pts, inv = np.unique(np.column_stack([events.lat, events.lon]), axis=0, return_inverse=True)
        cells = np.array(
            [h3.str_to_int(h3.latlng_to_cell(a, b, self.resolution)) for a, b in pts],
            dtype=np.uint64,
        ).astype(np.int64)
        return cells[inv.ravel()]

    def cell_area(self, ids: NDArray[np.int64], epsg: int) -> NDArray[np.float64]:
        return np.array([h3.cell_area(h3.int_to_str(int(c)), "m^2") for c in ids])

    def centroids(
        self, ids: NDArray[np.int64], epsg: int
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        ll = np.array([h3.cell_to_latlng(h3.int_to_str(int(c))) for c in ids]).reshape(-1, 2)
        x, y = Transformer.from_crs(4326, epsg, always_xy=True).transform(ll[:, 1], ll[:, 0])
        return np.asarray(x, np.float64), np.asarray(y, np.float64)

    def neighbours(self, ids: NDArray[np.int64], rings: int) -> list[NDArray[np.int64]]:
        disks = [
            sorted(h3.str_to_int(d) for d in h3.grid_disk(h3.int_to_str(int(c)), rings))
            for c in ids
        ]
        width = max((len(d) for d in disks), default=1)
        out = np.full((width, len(ids)), -1, dtype=np.int64)
        for j, d in enumerate(disks):
            out[: len(d), j] = np.array(d, dtype=np.uint64).astype(np.int64)
        return list(out)


@dataclass(frozen=True, eq=False)
class StudyArea:
    """The cells a forecast covers: sorted unique ids in one grid and projection.

    By default (:meth:`from_events`) the cells holding at least one event.
    """

    grid: SquareGrid | H3Grid
    epsg: int
    ids: NDArray[np.int64]

    @classmethod
    def from_events(cls, grid: SquareGrid | H3Grid, events: EventSet) -> StudyArea:
        """Cells holding any of ``events``."""
        if len(events) == 0:
            raise ValueError("a study area needs at least one event")
        return cls(grid=grid, epsg=events.epsg, ids=np.unique(grid.cell_ids(events)))

    def __len__(self) -> int:
        return int(self.ids.size)

    def locate(self, ids: NDArray[np.int64]) -> NDArray[np.intp]:
        """Position of each id in :attr:`ids`, or -1 where it is outside the area."""
        pos = np.searchsorted(self.ids, ids)
        pos = np.minimum(pos, len(self) - 1)
        return np.where(self.ids[pos] == ids, pos, -1)

    def positions(self, events: EventSet) -> NDArray[np.intp]:
        """Position of each event's cell, -1 outside the area."""
        return self.locate(self.grid.cell_ids(events))

    def counts(self, events: EventSet) -> NDArray[np.float64]:
        """Number of events in each cell (events outside the area are dropped)."""
        p = self.positions(events)
        return np.bincount(p[p >= 0], minlength=len(self)).astype(np.float64)

    @cached_property
    def area(self) -> NDArray[np.float64]:
        """Cell areas in m²."""
        return self.grid.cell_area(self.ids, self.epsg)

    @cached_property
    def centroids(self) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Cell centres in metres."""
        return self.grid.centroids(self.ids, self.epsg)

    def neighbour_sum(self, rings: int) -> sparse.csr_matrix:
        """Matrix ``S`` with ``S @ v`` the sum of ``v`` over each cell's ring neighbourhood.

        Cells outside the study area count as zero. For square cells ``rings=1`` is the
        3×3 block, ``rings=2`` the 5×5 block.
        """
        rows, cols = [], []
        for nb in self.grid.neighbours(self.ids, rings):
            pos = np.where(nb >= 0, self.locate(nb), -1)
            keep = pos >= 0
            rows.append(np.flatnonzero(keep))
            cols.append(pos[keep])
        r, c = np.concatenate(rows), np.concatenate(cols)
        n = len(self)
        return sparse.csr_matrix((np.ones(r.size), (r, c)), shape=(n, n))

    def cell_side(self) -> float:
        """Typical cell width in metres (square side, or √area for hexagons)."""
        if isinstance(self.grid, SquareGrid):
            return float(self.grid.size)
        return float(math.sqrt(float(np.mean(self.area))))
