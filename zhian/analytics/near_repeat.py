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

__all__ = ["KnoxResult", "knox_test"]


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
    t_days: ArrayLike | None = None,
    space_bands: Sequence[float] = (0, 1, 100, 200, 300, 400, 500),
    time_bands: Sequence[float] = (0, 7, 14, 21, 28, 35, 42),
    permutations: int = 999,
    rng: np.random.Generator | int | None = None,
    max_pairs: int = 20_000_000,
) -> KnoxResult:
    """Knox test with Monte Carlo permutations over space × time bands.

    Give either ``events`` or ``xy`` (metres, shape (n, 2)) with ``t_days``.
    Bands are edges: distances ``[0, 1)`` m is "same place" (the Toronto points snap
    to intersections), then 100-m rings; time gaps in weeks, plus everything longer.

    Parameters
    ----------
    permutations : number of time shuffles (999 in the Near Repeat Calculator).
    rng : seed or Generator for the permutations.
    max_pairs : refuse (``ValueError``) rather than exhaust memory when more event
        pairs than this lie within the largest distance; narrow the period or category.
    """
    if events is not None:
        pts = np.column_stack([events.x, events.y])
        td = (events.t - (events.t.min() if len(events) else 0)) / DAY
    elif xy is not None and t_days is not None:
        pts = np.asarray(xy, np.float64).reshape(-1, 2)
        td = np.asarray(t_days, np.float64).ravel()
    else:
        raise ValueError("give events, or xy and t_days")
    space = np.asarray(space_bands, np.float64)
    time = np.asarray(time_bands, np.float64)
    if np.any(np.diff(space) <= 0) or np.any(np.diff(time) <= 0) or space[0] < 0:
        raise ValueError("band edges must be increasing and non-negative")
    gen = rng if isinstance(rng, np.random.Generator) else np.random.default_rng(rng)
    shape = (len(space) - 1, len(time))
    n_bins = shape[0] * shape[1]
    tree = cKDTree(pts)
    n_pairs = (int(tree.count_neighbors(tree, space[-1])) - len(pts)) // 2
    if n_pairs > max_pairs:
        raise ValueError(
            f"{n_pairs:,} event pairs within {space[-1]:g} m (limit {max_pairs:,}); "
            "choose a shorter period or one category"
        )
    ij = tree.query_pairs(space[-1], output_type="ndarray")
    i, j = ij[:, 0], ij[:, 1]
    d = np.hypot(*(pts[i] - pts[j]).T)
    keep = (d >= space[0]) & (d < space[-1])  # query_pairs includes d == radius
    i, j, d = i[keep], j[keep], d[keep]
    si = np.searchsorted(space, d, side="right") - 1

    def table(times: NDArray[np.float64]) -> NDArray[np.int64]:
        ti = np.searchsorted(time, np.abs(times[i] - times[j]), side="right") - 1
        ok = ti >= 0
        return np.bincount(si[ok] * len(time) + ti[ok], minlength=n_bins)

    observed = table(td)
    sims = np.empty((permutations, n_bins), dtype=np.int64)
    for k in range(permutations):
        sims[k] = table(gen.permutation(td))
    expected = sims.mean(axis=0)
    p = (1 + (sims >= observed).sum(axis=0)) / (1 + permutations)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(expected > 0, observed / expected, np.nan)
    return KnoxResult(
        space_bands=space,
        time_bands=time,
        observed=observed.reshape(shape),
        expected=expected.reshape(shape),
        ratio=ratio.reshape(shape),
        p_value=p.reshape(shape),
        permutations=permutations,
        n_events=len(pts),
    )
