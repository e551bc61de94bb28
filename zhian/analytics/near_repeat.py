"""Near-repeat (近重复) analysis: the Knox test over space × time bands.

For every pair of events closer than the largest spatial band, the pair is counted in
the (distance band, time-gap band) it falls in. Expected counts under no space-time
interaction come from Monte Carlo permutations of the event times over the event
locations, which keeps both the spatial and the temporal pattern and breaks only
their link (Knox 1964; Besag & Diggle 1977; Johnson et al. 2007, "Space-time patterns
of risk: a cross national assessment of residential burglary victimization", J. Quant.
Criminol. 23:201–219; Ratcliffe's Near Repeat Calculator reports the same table).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree

from zhian.analytics.events import DAY, EventSet

__all__ = ["MM_PER_METRE", "KnoxResult", "knox_test"]

#: Positions and distance edges are resolved to the millimetre: each projected
#: coordinate is rounded once to whole millimetres and a pair is in ``[a, b)`` exactly
#: when ``a² <= dx² + dy² < b²`` in integer mm². That is far below the data's own
#: resolution (lat/lon with 6 decimals is about 10 cm) and the projection's error, so
#: it changes no real distance; what it buys is that the bands are decided by integer
#: arithmetic, not by where ``hypot`` of two rounded floats happens to land.
MM_PER_METRE = 1000
_MAX_DISTANCE_MM = 1_000_000_000  # 1,000 km: dx² + dy² stays inside int64
_MARGIN_M = 0.01  # > the √2 mm a distance can move when both ends are rounded


@dataclass(frozen=True)
class KnoxResult:
    """Knox table.

    ``observed``, ``expected`` (mean over permutations), ``ratio`` and ``p_value``
    have shape ``(len(space_bands) - 1, len(time_bands))``: rows are distance bands
    ``[space_bands[i], space_bands[i+1])`` in metres; columns are time-gap bands
    ``[time_bands[k], time_bands[k+1])`` in days, the last one open-ended. ``p_value``
    is the one-sided Monte Carlo p-value of an excess, ``(1 + #{sim >= obs}) /
    (1 + permutations)``.
    """

    space_bands: NDArray[np.float64]
    time_bands: NDArray[np.float64]
    observed: NDArray[np.int64]
    expected: NDArray[np.float64]
    ratio: NDArray[np.float64]
    p_value: NDArray[np.float64]
    permutations: int
    n_events: int

    def space_labels(self) -> list[str]:
        s = self.space_bands
        return [f"{s[i]:g}-{s[i + 1]:g} m" for i in range(len(s) - 1)]

    def time_labels(self) -> list[str]:
        t = self.time_bands
        labels = [f"{t[k]:g}-{t[k + 1]:g} d" for k in range(len(t) - 1)]
        return [*labels, f">={t[-1]:g} d"]

    def table(self) -> str:
        """Observed/expected ratios with p-values, one row per distance band."""
        tl = self.time_labels()
        width = max(14, *(len(x) for x in tl))
        head = "distance".ljust(12) + "".join(x.rjust(width) for x in tl)
        lines = [
            f"Knox test: {self.n_events} events, {self.permutations} permutations; "
            "cells: observed/expected ratio (p-value)",
            head,
        ]
        for i, lab in enumerate(self.space_labels()):
            cells = [
                f"{self.ratio[i, k]:.2f} ({self.p_value[i, k]:.3f})".rjust(width)
                for k in range(len(tl))
            ]
            lines.append(lab.ljust(12) + "".join(cells))
        return "\n".join(lines)


def knox_test(
    events: EventSet | None = None,
    *,
    xy: ArrayLike | None = None,
    t_seconds: ArrayLike | None = None,
    t_days: ArrayLike | None = None,
    space_bands: Sequence[float] = (0, 1, 100, 200, 300, 400, 500),
    time_bands: Sequence[float] = (0, 7, 14, 21, 28, 35, 42),
    permutations: int = 999,
    rng: np.random.Generator | int | None = None,
    max_pairs: int = 20_000_000,
) -> KnoxResult:
    """Knox test with Monte Carlo permutations over space × time bands.

    Give either ``events`` or ``xy`` (metres, shape (n, 2)) with ``t_seconds`` (whole
    seconds) or ``t_days`` (days, rounded to the nearest second).
    Bands are edges: distances ``[0, 1)`` m is "same place" (the Toronto points snap
    to intersections), then 100-m rings; time gaps in weeks, plus everything longer.

    Every band is half-open, ``[lower, upper)``, and holds exactly: time gaps are
    compared in whole seconds (edges in days are rounded to the second once) and
    distances as squared whole millimetres (positions and edges are rounded to the
    millimetre once), so a gap of exactly 7 days or a distance of exactly 100 m is
    in the band that starts there. See :data:`MM_PER_METRE`.

    Parameters
    ----------
    permutations : number of time shuffles (999 in the Near Repeat Calculator).
    rng : seed or Generator for the permutations.
    max_pairs : refuse (``ValueError``) rather than exhaust memory when more event
        pairs than this lie within the largest distance; narrow the period or category.
    """
    if events is not None:
        pts = np.column_stack([events.x, events.y])
        ts = events.t - (events.t.min() if len(events) else 0)
    elif xy is not None and (t_seconds is None) != (t_days is None):
        pts = np.asarray(xy, np.float64).reshape(-1, 2)
        ts = _whole_seconds(t_seconds, t_days)
        if len(ts) != len(pts):
            raise ValueError("xy and the times differ in length")
    else:
        raise ValueError("give events, or xy with one of t_seconds and t_days")
    if not np.all(np.isfinite(pts)):
        raise ValueError("coordinates must be finite")
    space_mm = _edges(space_bands, MM_PER_METRE, "distance")
    time_s = _edges(time_bands, DAY, "time")
    if space_mm[-1] > _MAX_DISTANCE_MM:
        raise ValueError(f"distance bands end at most {_MAX_DISTANCE_MM // MM_PER_METRE:,} m")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    shape = (len(space_mm) - 1, len(time_s))
    n_bins = shape[0] * shape[1]
    # Candidate pairs from the tree in float metres, with a margin for the rounding of
    # positions to the millimetre; the exact test below decides.
    reach = space_mm[-1] / MM_PER_METRE + _MARGIN_M
    tree = cKDTree(pts)
    n_pairs = (int(tree.count_neighbors(tree, reach)) - len(pts)) // 2
    if n_pairs > max_pairs:
        raise ValueError(
            f"{n_pairs:,} event pairs within {space_mm[-1] / MM_PER_METRE:g} m "
            f"(limit {max_pairs:,}); choose a shorter period or one category"
        )
    ij = tree.query_pairs(reach, output_type="ndarray")
    i, j = ij[:, 0], ij[:, 1]
    pos = np.rint(pts * MM_PER_METRE).astype(np.int64)
    dx, dy = (pos[i] - pos[j]).T
    d2 = dx * dx + dy * dy  # exact: |dx|, |dy| < 2**31 mm
    edges2 = space_mm * space_mm
    keep = (d2 >= edges2[0]) & (d2 < edges2[-1])
    i, j = i[keep], j[keep]
    base = (np.searchsorted(edges2, d2[keep], side="right") - 1) * len(time_s)

    def table(times: NDArray[np.int64]) -> NDArray[np.int64]:
        ti = np.searchsorted(time_s, np.abs(times[i] - times[j]), side="right") - 1
        if time_s[0] == 0:  # every gap is in a band
            return np.bincount(base + ti, minlength=n_bins)
        ok = ti >= 0
        return np.bincount(base[ok] + ti[ok], minlength=n_bins)

    observed = table(ts)
    sims = np.empty((permutations, n_bins), dtype=np.int64)
    for k in range(permutations):
        sims[k] = table(gen.permutation(ts))
    expected = sims.mean(axis=0)
    p = (1 + (sims >= observed).sum(axis=0)) / (1 + permutations)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    return KnoxResult(
        space_bands=space_mm / MM_PER_METRE,
        time_bands=time_s / DAY,
        observed=observed.reshape(shape),
        expected=expected.reshape(shape),
        ratio=ratio.reshape(shape),
        p_value=p.reshape(shape),
        permutations=permutations,
        n_events=len(pts),
    )


def _whole_seconds(t_seconds: ArrayLike | None, t_days: ArrayLike | None) -> NDArray[np.int64]:
    """Times as int64 seconds from the first: ``t_seconds`` must be whole numbers,
    ``t_days`` are rounded to the nearest second."""
    if t_seconds is not None:
        raw = np.asarray(t_seconds).ravel()
        whole = raw.dtype.kind in "iu" or bool(
            np.all(np.isfinite(raw)) and np.all(raw == np.round(raw))
        )
        if not whole:
            raise ValueError("t_seconds must be whole seconds")
        ts = raw.astype(np.int64)
    else:
        days = np.asarray(t_days, np.float64).ravel()
        if not np.all(np.isfinite(days)):
            raise ValueError("t_days must be finite")
        ts = np.rint(days * DAY).astype(np.int64)
    return ts - (ts.min() if len(ts) else 0)


def _edges(bands: Sequence[float], per_unit: int, what: str) -> NDArray[np.int64]:
    """Band edges in whole units (seconds, millimetres), rounded once; at least two,
    non-negative and increasing after rounding."""
    raw = np.asarray(bands, np.float64).ravel()
    if len(raw) < 2 or not np.all(np.isfinite(raw)):
        raise ValueError(f"give at least two finite {what} band edges")
    edges = np.rint(raw * per_unit).astype(np.int64)
    if edges[0] < 0 or np.any(np.diff(edges) <= 0):
        unit = "second" if per_unit == DAY else "millimetre"
        raise ValueError(f"{what} band edges must be increasing and non-negative (to the {unit})")
    return edges
