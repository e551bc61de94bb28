"""Fairness report: how a forecast's flagged area spreads over neighbourhoods.

Forecasts concentrate patrol attention. This report sets, per neighbourhood, the share
of the flagged area against the share of events, so an analyst sees whether a method
targets a few areas more than their crime explains (the feedback-loop concern of
Lum & Isaac 2016, "To predict and serve?", Significance 13(5):14–19; Ensign et al.
2018). Summary figures:

* dissimilarity index ``D = ½ Σ |flagged share − event share|`` (Duncan & Duncan
  1955): the share of flagged area that would have to move for flagging to follow
  events exactly;
* concentration index: twice the area between the diagonal and the curve of
  cumulative flagged share against cumulative event share, neighbourhoods ordered by
  flagged/event ratio (0: flagging proportional to events; towards 1: flagging piled
  on a few neighbourhoods out of proportion to their events);
* the number of neighbourhoods that hold any flagged cell, and the largest share one
  neighbourhood takes.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.events import EventSet
from zhian.analytics.forecasters.base import Forecast

__all__ = ["FairnessReport", "cell_regions", "compare_shares", "fairness_report"]


@dataclass(frozen=True)
class FairnessReport:
    """Per-neighbourhood shares and the summary indices (see the module docstring)."""

    coverage: float
    regions: list[str]
    cells: NDArray[np.int64]
    flagged: NDArray[np.int64]
    flagged_share: NDArray[np.float64]
    event_share: NDArray[np.float64]
    dissimilarity: float
    concentration: float
    regions_flagged: int
    top_share: float

    def table(self, limit: int = 15) -> str:
        """Neighbourhoods with the largest flagged share, then the summary."""
        order = np.lexsort((np.array(self.regions), -self.flagged_share))[:limit]
        w = max([len("neighbourhood")] + [len(self.regions[i]) for i in order])
        lines = [
            f"{'neighbourhood'.ljust(w)}  cells  flagged  flagged%  events%  ratio",
        ]
        for i in order:
            ratio = (
                self.flagged_share[i] / self.event_share[i]
                if self.event_share[i] > 0
                else float("inf")
            )
            lines.append(
                f"{self.regions[i].ljust(w)}  {self.cells[i]:5d}  {self.flagged[i]:7d}  "
                f"{100 * self.flagged_share[i]:8.1f}  {100 * self.event_share[i]:7.1f}  "
                f"{ratio:5.2f}"
            )
        lines.append(
            f"coverage {100 * self.coverage:g}%: {self.regions_flagged} of "
            f"{len(self.regions)} neighbourhoods flagged; largest share "
            f"{100 * self.top_share:.1f}%; dissimilarity {self.dissimilarity:.3f}; "
            f"concentration index {self.concentration:.3f}"
        )
        return "\n".join(lines)


def cell_regions(forecast: Forecast, events: EventSet, column: str) -> NDArray[np.str_]:
    """Label each study-area cell with the most frequent ``column`` value of its events.

    Cells without events get ``""``; ties go to the alphabetically first label.
    """
    pos = forecast.area.positions(events)
    ok = pos >= 0
    labels, lab = np.unique(events.extra[column][ok], return_inverse=True)
    n = len(forecast.area)
    counts = np.zeros((n, len(labels)))
    np.add.at(counts, (pos[ok], lab.ravel()), 1.0)
    best = np.argmax(counts, axis=1)
    out = np.where(counts.max(axis=1) > 0, labels[best] if len(labels) else "", "")
    return np.asarray(out, dtype=str)


def fairness_report(
    forecast: Forecast,
    events: EventSet,
    *,
    coverage: float = 0.01,
    column: str = "neighbourhood",
    labels_from: EventSet | None = None,
) -> FairnessReport:
    """Compare flagged-area shares with event shares per ``column`` value.

    Parameters
    ----------
    forecast : the forecast whose top ``coverage`` cells are flagged.
    events : reference events for the event shares (for example the year before the
        forecast, or the forecast window itself).
    column : extra column naming the neighbourhood of each event.
    labels_from : events used to label cells (default ``events``).
    """
    if column not in events.extra:
        raise ValueError(f"events have no {column!r} column")
    cell_lab = cell_regions(forecast, labels_from or events, column)
    return compare_shares(
        cell_lab,
        forecast.flagged(coverage).astype(np.float64),
        np.asarray(events.extra[column], dtype=str),
        coverage=coverage,
    )


def compare_shares(
    cell_labels: NDArray[np.str_],
    weight: NDArray[np.float64],
    event_labels: NDArray[np.str_],
    *,
    coverage: float = 0.0,
) -> FairnessReport:
    """The report from labelled cells, a weight per cell and labelled events.

    ``weight`` is 1 for a flagged cell and 0 otherwise in ``fairness_report``; a patrol
    plan passes the patrol seconds each cell receives, so the "flagged share" is the
    share of patrol time. Cells labelled ``""`` count nowhere; ``cells`` counts the
    cells per region and ``flagged`` those with a positive weight.
    """
    cell_lab = np.asarray(cell_labels, dtype=str)
    w = np.asarray(weight, dtype=np.float64)
    if w.shape != cell_lab.shape:
        raise ValueError("one weight per cell is needed")
    if np.any(w < 0) or not np.all(np.isfinite(w)):
        raise ValueError("weights must be finite and non-negative")
    ev_lab = np.asarray(event_labels, dtype=str)
    regions = sorted((set(cell_lab.tolist()) | set(ev_lab.tolist())) - {""})
    index = {r: k for k, r in enumerate(regions)}
    m = len(regions)
    cell_idx = np.array([index.get(c, -1) for c in cell_lab], dtype=np.intp)
    known = cell_idx >= 0
    cells = np.bincount(cell_idx[known], minlength=m)
    flagged = np.bincount(cell_idx[known & (w > 0)], minlength=m)
    f_weight = np.bincount(cell_idx[known], weights=w[known], minlength=m).astype(np.float64)
    ev_idx = np.array([index[r] for r in ev_lab if r in index], dtype=np.intp)
    ev_counts = np.bincount(ev_idx, minlength=m).astype(np.float64)
    total_w = float(f_weight.sum())
    f_share: NDArray[np.float64] = f_weight / total_w if total_w > 0 else f_weight
    e_share = ev_counts / max(ev_counts.sum(), 1.0)
    dissimilarity = 0.5 * float(np.abs(f_share - e_share).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(e_share > 0, f_share / np.where(e_share > 0, e_share, 1), np.inf)
    order = np.argsort(ratio, kind="stable")
    x = np.concatenate([[0.0], np.cumsum(e_share[order])])
    y = np.concatenate([[0.0], np.cumsum(f_share[order])])
    concentration = float(1.0 - np.sum(np.diff(x) * (y[1:] + y[:-1])))
    return FairnessReport(
        coverage=coverage,
        regions=regions,
        cells=cells,
        flagged=flagged,
        flagged_share=f_share,
        event_share=e_share,
        dissimilarity=dissimilarity,
        concentration=concentration,
        regions_flagged=int((flagged > 0).sum()),
        top_share=float(f_share.max()) if m else 0.0,
    )
