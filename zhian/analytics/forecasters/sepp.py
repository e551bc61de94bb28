"""Self-exciting point process (ETAS-type Hawkes model) fitted by EM.

Conditional intensity, time in days and space in metres (Mohler et al. 2011,
"Self-exciting point process modeling of crime", JASA 106:100–108; Ogata 1998 for
ETAS; Veen & Schoenberg 2008 for EM as stochastic declustering)::

    λ(s, t) = μ(s) + Σ_{t_i < t} θ ω exp(-ω (t - t_i)) φ_σ(s - s_i)

``μ`` is a background rate, piecewise constant over background cells (the study-area
cells when forecasting); ``θ`` is the mean number of events each event triggers (the
branching ratio), ``1/ω`` their mean delay and ``φ_σ`` an isotropic Gaussian of
standard deviation ``σ``. Triggering pairs are restricted to a space-time window
(found with a KD-tree), and the EM steps are vectorised over those pairs.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike, NDArray
from scipy.spatial import cKDTree
from scipy.special import ndtr

from zhian.analytics.events import DAY
from zhian.analytics.forecasters.base import Forecaster
from zhian.analytics.grids import H3Grid, SquareGrid

__all__ = ["EtasFit", "SeppForecaster", "fit_etas", "simulate_etas"]


@dataclass(frozen=True)
class EtasFit:
    """Parameters of a fitted model (rates per day, distances in metres)."""

    mu: NDArray[np.float64]
    theta: float
    omega: float
    sigma: float
    n_iter: int
    converged: bool
    n_pairs: int


def _pairs(
    t: NDArray[np.float64],
    x: NDArray[np.float64],
    y: NDArray[np.float64],
    time_cutoff: float,
    space_cutoff: float,
) -> tuple[NDArray[np.intp], NDArray[np.intp], NDArray[np.float64], NDArray[np.float64]]:
    """Pairs (parent i, child j) with 0 < t_j - t_i <= time_cutoff, |s_j - s_i| <= cutoff."""
    pts = np.column_stack([x / space_cutoff, y / space_cutoff, t / time_cutoff])
    ij = cKDTree(pts).query_pairs(1.0, p=np.inf, output_type="ndarray")
    if ij.size == 0:
        e = np.zeros(0, np.intp)
        return e, e, np.zeros(0), np.zeros(0)
    i, j = ij[:, 0], ij[:, 1]
    swap = t[i] > t[j]
    i, j = np.where(swap, j, i), np.where(swap, i, j)
    dt = t[j] - t[i]
    r2 = (x[j] - x[i]) ** 2 + (y[j] - y[i]) ** 2
    keep = (dt > 0) & (r2 <= space_cutoff**2)
    return i[keep], j[keep], dt[keep], r2[keep]


def fit_etas(
    t: ArrayLike,
    x: ArrayLike,
    y: ArrayLike,
    *,
    background: ArrayLike | None = None,
    background_area: ArrayLike | None = None,
    period: tuple[float, float] | None = None,
    theta: float = 0.2,
    omega: float = 0.2,
    sigma: float = 100.0,
    time_cutoff: float = 60.0,
    space_cutoff: float = 500.0,
    min_sigma: float = 0.0,
    max_iter: int = 200,
    tol: float = 1e-5,
) -> EtasFit:
    """Fit ``μ, θ, ω, σ`` by expectation–maximisation.

    Parameters
    ----------
    t, x, y : event times (days) and coordinates (metres), sorted or not.
    background : background cell of each event (``0..B-1``); default one cell.
    background_area : area of each background cell in m² (default 1 each; only the
        ratio to the triggering density matters, so give real areas when mixing).
    period : observation window ``(t0, t1)`` in days; default the events' span.
    theta, omega, sigma : starting values.
    time_cutoff, space_cutoff : largest delay (days) and distance (m) of a triggering
        pair; the M-step accounts for the kernel mass cut off.
    min_sigma : floor on ``σ`` (m). Points snapped to intersections repeat exactly,
        and without a floor ``σ`` collapses towards zero on such data.
    max_iter, tol : stop when the largest relative change of ``θ, ω, σ`` and the total
        background rate is below ``tol``.

    Notes
    -----
    E-step: each event's probability of being background, ``μ(s_j)/λ(s_j, t_j)``, and
    of being triggered by each earlier event ``i``, ``g_ij/λ(s_j, t_j)``. M-step
    (Mohler et al. 2011; Veen & Schoenberg 2008): ``μ_c`` = expected background events
    in cell ``c`` over the period length; ``1/ω`` and ``2σ²`` are the probability-
    weighted mean delay and squared distance; ``θ`` = expected triggered events over
    the kernel mass each parent had room to trigger before the period ended.
    """
    ta = np.asarray(t, np.float64).ravel()
    xa = np.asarray(x, np.float64).ravel()
    ya = np.asarray(y, np.float64).ravel()
    n = ta.size
    if n == 0:
        raise ValueError("no events to fit")
    bg = np.zeros(n, np.intp) if background is None else np.asarray(background, np.intp)
    if background_area is None:
        n_bg = int(bg.max()) + 1
        area = np.ones(n_bg)
    else:
        area = np.asarray(background_area, np.float64).ravel()
        n_bg = area.size
    t0, t1 = (float(ta.min()), float(ta.max())) if period is None else period
    span = max(t1 - t0, 1e-9)
    pi, pj, dt, r2 = _pairs(ta, xa, ya, time_cutoff, space_cutoff)
    counts = np.bincount(bg, minlength=n_bg).astype(np.float64)
    mu = np.maximum(counts, 1e-9) / span * 0.5
    th, om, sg = float(theta), float(omega), float(sigma)
    room = np.minimum(t1 - ta, time_cutoff)
    converged = False
    it = 0
    while it < max_iter:
        it += 1
        # E-step
        g = th * om * np.exp(-om * dt) * np.exp(-r2 / (2 * sg * sg)) / (2 * np.pi * sg * sg)
        b = mu[bg] / area[bg]
        lam = b + np.bincount(pj, weights=g, minlength=n)
        p_pair = g / lam[pj]
        p_bg = b / lam
        # M-step
        trig = p_pair.sum()
        mu_new = np.bincount(bg, weights=p_bg, minlength=n_bg) / span
        if trig > 0:
            om_new = trig / float(np.dot(p_pair, dt))
            sg_new = float(np.sqrt(np.dot(p_pair, r2) / (2 * trig)))
            sg_new = max(sg_new, min_sigma, 1e-3)
            mass = (1 - np.exp(-om_new * room)).sum() * (
                1 - np.exp(-(space_cutoff**2) / (2 * sg_new**2))
            )
            th_new = trig / mass
        else:
            om_new, sg_new, th_new = om, sg, 0.0
        old = np.array([th, om, sg, mu.sum()])
        new = np.array([th_new, om_new, sg_new, mu_new.sum()])
        change = float(np.max(np.abs(new - old) / np.maximum(np.abs(old), 1e-12)))
        mu, th, om, sg = mu_new, th_new, om_new, sg_new
        if change < tol:
            converged = True
            break
    return EtasFit(mu, th, om, sg, it, converged, int(pi.size))


def simulate_etas(
    mu: float,
    theta: float,
    omega: float,
    sigma: float,
    *,
    size: float,
    duration: float,
    rng: np.random.Generator,
) -> tuple[NDArray[np.float64], NDArray[np.float64], NDArray[np.float64]]:
    """Simulate the model by its branching structure (Zhuang, Ogata & Vere-Jones 2004).

    Background events arrive at ``mu`` per day uniformly on ``[0, size]²`` over
    ``[0, duration]`` days; each event has ``Poisson(theta)`` children with
    ``Exp(omega)`` delays and Gaussian ``sigma`` displacements. Children after
    ``duration`` are dropped. Returns ``(t, x, y)`` sorted by time.
    """
    if not 0 <= theta < 1:
        raise ValueError("theta must be in [0, 1) for a stationary process")
    n0 = rng.poisson(mu * duration)
    t = [rng.uniform(0, duration, n0)]
    x = [rng.uniform(0, size, n0)]
    y = [rng.uniform(0, size, n0)]
    gen_t, gen_x, gen_y = t[0], x[0], y[0]
    while gen_t.size:
        k = rng.poisson(theta, gen_t.size)
        pt = np.repeat(gen_t, k) + rng.exponential(1 / omega, k.sum())
        px = np.repeat(gen_x, k) + rng.normal(0, sigma, k.sum())
        py = np.repeat(gen_y, k) + rng.normal(0, sigma, k.sum())
        keep = pt < duration
        gen_t, gen_x, gen_y = pt[keep], px[keep], py[keep]
        t.append(gen_t)
        x.append(gen_x)
        y.append(gen_y)
    ta, xa, ya = np.concatenate(t), np.concatenate(x), np.concatenate(y)
    order = np.argsort(ta, kind="stable")
    return ta[order], xa[order], ya[order]


class SeppForecaster(Forecaster):
    """Self-exciting point process forecast (Mohler et al. 2011 style ETAS).

    Fitted by :func:`fit_etas` on the last ``window`` days with the study-area cells
    as background cells. The forecast for a cell is its background rate times the
    horizon plus, for every past event, its remaining triggered mass over the horizon
    times the share of its Gaussian kernel falling in the cell (exact for square
    cells, centre-point rule for H3).

    Parameters
    ----------
    window : float, default 365
        Days of history fitted.
    time_cutoff, space_cutoff : float, default 60 days and 500 m
        Triggering window.
    min_sigma : float, default 100
        Floor on the triggering distance scale (see :func:`fit_etas`). Without it the
        Toronto fit collapses to σ ≈ 0 (same-intersection repeats). 100 m matched 50 m
        in the 2018–2019 backtest (PAI@1 % 14.85/8.95 against 14.86/8.91) and runs
        faster; 25 m lost (12.54 all categories).
    max_iter, tol : EM controls.
    warm_start : bool, default True
        Start EM from the previous fit's ``θ, ω, σ`` when refitted (EM reaches the same
        fixed point within ``tol`` in fewer iterations, which matters in backtests).
    grid, category : see :class:`~zhian.analytics.forecasters.base.Forecaster`.
    """

    name = "sepp"

    def __init__(
        self,
        *,
        window: float = 365.0,
        time_cutoff: float = 60.0,
        space_cutoff: float = 500.0,
        min_sigma: float = 100.0,
        max_iter: int = 100,
        tol: float = 1e-4,
        warm_start: bool = True,
        grid: SquareGrid | H3Grid | None = None,
        category: str | None = None,
    ) -> None:
        self.window = window
        self.time_cutoff = time_cutoff
        self.space_cutoff = space_cutoff
        self.min_sigma = min_sigma
        self.max_iter = max_iter
        self.tol = tol
        self.warm_start = warm_start
        self.grid = grid
        self.category = category

    def _check_params(self) -> None:
        if min(self.window, self.time_cutoff, self.space_cutoff) <= 0:
            raise ValueError("window and cut-offs must be positive")

    def _fit(self) -> None:
        ev = self.events_.between(self.until_ - round(self.window * DAY), None)
        pos = self.area_.positions(ev)
        ev = ev.subset(pos >= 0)
        pos = pos[pos >= 0]
        start = {"theta": 0.2, "omega": 0.2, "sigma": 100.0}
        prev = getattr(self, "fit_", None)
        if self.warm_start and prev is not None and prev.theta > 0:
            start = {"theta": prev.theta, "omega": prev.omega, "sigma": prev.sigma}
        t_days = (ev.t - self.until_) / DAY
        self.fit_ = fit_etas(
            t_days,
            ev.x,
            ev.y,
            background=pos,
            background_area=self.area_.area,
            period=(-float(self.window), 0.0),
            time_cutoff=self.time_cutoff,
            space_cutoff=self.space_cutoff,
            min_sigma=self.min_sigma,
            max_iter=self.max_iter,
            tol=self.tol,
            **start,
        )
        self.recent_ = ev.between(self.until_ - round(self.time_cutoff * DAY), None)

    def _predict(self, start: int, end: int) -> NDArray[np.float64]:
        f = self.fit_
        n = len(self.area_)
        risk = f.mu * (end - start) / DAY
        ev = self.recent_
        if len(ev) == 0 or f.theta <= 0:
            return risk
        a = (start - ev.t) / DAY
        b = (end - ev.t) / DAY
        mass = f.theta * (np.exp(-f.omega * a) - np.exp(-f.omega * b))
        live = mass > 1e-9
        ev, mass = ev.subset(live), mass[live]
        if len(ev) == 0:
            return risk
        cx, cy = self.area_.centroids
        side = self.area_.cell_side()
        reach = 4 * f.sigma + side
        pairs = cKDTree(np.column_stack([cx, cy])).sparse_distance_matrix(
            cKDTree(np.column_stack([ev.x, ev.y])), reach, output_type="ndarray"
        )
        c, e = pairs["i"], pairs["j"]
        if isinstance(self.area_.grid, SquareGrid):
            h = self.area_.grid.size / 2
            dx, dy = cx[c] - ev.x[e], cy[c] - ev.y[e]
            share = (ndtr((dx + h) / f.sigma) - ndtr((dx - h) / f.sigma)) * (
                ndtr((dy + h) / f.sigma) - ndtr((dy - h) / f.sigma)
            )
        else:
            share = (
                np.exp(-0.5 * (pairs["v"] / f.sigma) ** 2)
                / (2 * np.pi * f.sigma**2)
                * self.area_.area[c]
            )
        return risk + np.bincount(c, weights=mass[e] * share, minlength=n)
