"""The raised near-repeat band (近重复风险区): how far and how long after an offence the
risk around it stays raised, read off a Knox table.

``raised_band`` takes the largest rectangle ``[0, D) m x [0, T) days`` starting at the
origin of the table in which every cell shows an excess (p-value at most ``alpha`` and
observed/expected ratio at least ``min_ratio``); its largest area ``D x T`` wins, ties
to the longer time. On Toronto's Break and Enter 2019 table (``docs/forecasting.md``) the
defaults give 200 m and 14 days. The band's ``ratio`` is the rectangle's observed pairs
over its expected pairs: how much more likely a second offence is inside it than by
chance, which the patrol plan uses as the alert's risk factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from zhian.analytics.near_repeat import KnoxResult

__all__ = ["RaisedBand", "raised_band"]


@dataclass(frozen=True)
class RaisedBand:
    radius_m: float
    days: float
    ratio: float
    pairs: int


def raised_band(
    result: KnoxResult, *, alpha: float = 0.1, min_ratio: float = 1.1
) -> RaisedBand | None:
    """The raised band of a Knox result, or None when the closest cell shows no excess."""
    if not 0 < alpha < 1 or min_ratio <= 1:
        raise ValueError("alpha is in (0, 1) and min_ratio above 1")
    ok = (result.p_value <= alpha) & (result.ratio >= min_ratio)
    n_time = len(result.time_bands) - 1  # the last column is open-ended: never a band
    best: tuple[float, float, int, int] | None = None
    for k in range(n_time):
        rows = 0
        while rows < ok.shape[0] and ok[rows, : k + 1].all():
            rows += 1
        if rows == 0:
            break
        d = float(result.space_bands[rows])
        t = float(result.time_bands[k + 1])
        if best is None or (d * t, t) > (best[0] * best[1], best[1]):
            best = (d, t, rows, k + 1)
    if best is None:
        return None
    d, t, rows, cols = best
    obs = int(result.observed[:rows, :cols].sum())
    exp = float(result.expected[:rows, :cols].sum())
    return RaisedBand(radius_m=d, days=t, ratio=obs / exp if exp > 0 else float(np.inf), pairs=obs)
