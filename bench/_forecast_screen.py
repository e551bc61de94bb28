"""Screening of blended count forecasts on the backtest protocol (issue 12, second round).

Usage::

    python bench/_forecast_screen.py --scope auto_theft       # fit 2015-2017, check 2018-2019
    python bench/_forecast_screen.py --sum-categories         # all = sum of per-category surfaces
    python bench/_forecast_screen.py --scope all --adaptive   # e-folding from trailing weeks
    python bench/_forecast_screen.py --scope all --select decay,sum   # third round

Precomputes, for every weekly window of a period, each cell's blend components (the
names of :class:`~zhian.analytics.forecasters.blend.BlendForecaster`: decayed counts at
several e-foldings, block means, the all-category count, the same weeks of earlier
years) and the window's events, then scores weighted blends with the protocol of
``bench/forecast.py`` (top ``ceil(c n)`` cells, ties to the lower cell id, events outside
the study area are misses). The default mode prints single e-foldings on both periods,
then fits blend weights by greedy coordinate ascent of mean PAI@1 % on the 156 weeks
of 2015-2017 (``tune``) and scores them on the 104 weeks of 2018-2019 (``select``).
2020 is never read here. Figures are screening figures; ``bench/forecast.py`` gives
the reported ones (for the blends it reproduces them to the third decimal).
"""

from __future__ import annotations

import argparse
import math
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.forecast import SCOPES
from zhian.analytics.datasets import toronto_mci_path
from zhian.analytics.evaluation import backtest
from zhian.analytics.events import DAY, EventSet, load_events
from zhian.analytics.forecasters import (
    CategorySumForecaster,
    SmoothedForecaster,
    make_forecaster,
    recommended_params,
)
from zhian.analytics.forecasters.blend import SEASON_AFTER, SEASON_BEFORE, SEASON_YEARS
from zhian.analytics.forecasters.recommended import RECOMMENDED_PARAMS
from zhian.analytics.grids import SquareGrid, StudyArea

#: Selection periods only: 2020 is the out-of-sample year and is not screened.
PERIODS = {"tune": ("2015-01-07", 156), "select": ("2018-01-03", 104)}
DECAYS = (14.0, 30.0, 91.0, 182.0, 365.0, 730.0, 1460.0)
#: Block means screened (component, rings); the order is the search's order.
BLOCKED = (
    ("decay30", (1, 2)),
    ("decay182", (1, 2)),
    ("decay365", (1, 2)),
    ("decay730", (1, 2)),
    ("decay14", (1,)),
)
#: What ``fit_and_check`` found per category (its output, copied; the sum of categories
#: uses these). Only Auto Theft's and Theft Over's beat the incumbents on 2018-2019.
FITTED: dict[str, dict[str, float]] = {
    "Break and Enter": {
        "decay365": 1.0,
        "decay14": 0.05,
        "decay30": 0.05,
        "decay182": 0.2,
        "decay30_r2": 0.5,
        "decay182_r2": 0.05,
        "all365": 0.7,
    },
    "Assault": {"decay365": 1.0, "decay730": 1.0, "decay1460": 0.7, "decay182": 0.1},
    "Robbery": {
        "decay1460": 1.0,
        "decay14": 0.05,
        "decay91": 0.1,
        "decay730": 0.05,
        "all365": 0.3,
        "decay182_r1": 0.05,
    },
}
# The two categories whose fitted blend was chosen: their weights live in the recommendation.
FITTED.update({c: p["weights"] for c, p in RECOMMENDED_PARAMS.items() if c and "weights" in p})
#: Weight grid of the coordinate search (the base component is fixed at 1).
GRID = (0.0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5)
YEAR = 365.2425 * DAY

Features = dict[str, NDArray[np.float32]]
Risk = Callable[[Features], NDArray[np.float64]]


class Windows:
    """Blend components (each scaled to sum 1) and outcomes of every window of a period.

    With ``area_of_all`` the study area and outcomes are those of all categories while
    the components are ``category``'s (for the all-categories surface as a sum).
    """

    def __init__(
        self,
        events: EventSet,
        category: str | None,
        start: str,
        weeks: int,
        *,
        area_of_all: bool = False,
    ) -> None:
        grid = SquareGrid(150.0)
        gid_all, t_all = grid.cell_ids(events), events.t
        sel = np.ones(len(events), bool) if category is None else events.category == category
        t, gid = t_all[sel], gid_all[sel]
        self.features: list[Features] = []
        self.counts: list[NDArray[np.float64]] = []
        self.totals: list[int] = []
        self.ids: list[NDArray[np.int64]] = []
        self.recent: list[float] = []
        origin0, step = events.instant(start), 7 * DAY
        for w in range(weeks):
            o = origin0 + w * step
            b, ba = int(np.searchsorted(t, o)), int(np.searchsorted(t_all, o))
            ids = np.unique(gid_all[:ba] if area_of_all else gid[:b])
            area = StudyArea(grid=grid, epsg=events.epsg, ids=ids)
            n = len(ids)
            pos = area.locate(gid[:b])
            age = (o - t[:b]) / DAY
            f: dict[str, NDArray[Any]] = {}
            f["n365"] = np.bincount(pos[age <= 365], minlength=n).astype(float)
            for tau in DECAYS:
                f[f"decay{tau:g}"] = np.bincount(pos, weights=np.exp(-age / tau), minlength=n)
            blocks = {1: area.neighbour_sum(1), 2: area.neighbour_sum(2)}
            for name, rings in BLOCKED:
                for k in rings:
                    f[f"{name}_r{k}"] = blocks[k] @ f[name]
            pa = area.locate(gid_all[:ba])
            ok = pa >= 0
            f["all365"] = np.bincount(
                pa[ok], weights=np.exp(-(o - t_all[:ba][ok]) / DAY / 365), minlength=n
            )
            season = np.zeros(n)
            for k in range(1, SEASON_YEARS + 1):
                mid = o - round(k * YEAR)
                lo, hi = np.searchsorted(
                    t[:b], [mid - SEASON_BEFORE * DAY, mid + SEASON_AFTER * DAY]
                )
                season += np.bincount(pos[lo:hi], minlength=n)
            f["season"] = season
            self.recent.append(float(f["n365"].sum()))
            tt, gg = (t_all, gid_all) if area_of_all else (t, gid)
            lo, hi = np.searchsorted(tt, [o, o + step])
            p = area.locate(gg[lo:hi])
            self.counts.append(np.bincount(p[p >= 0], minlength=n).astype(float))
            self.totals.append(int(hi - lo))
            self.ids.append(ids)
            self.features.append(
                {k: (v / v.sum() if v.sum() > 0 else v).astype(np.float32) for k, v in f.items()}
            )

    def weekly(self, risk_of: Callable[[int], NDArray[np.float64]], coverage: float = 0.01):
        """PAI at ``coverage`` per window of the risk ``risk_of(window index)``."""
        out = np.full(len(self.features), np.nan)
        for i, (cnt, tot, ids) in enumerate(zip(self.counts, self.totals, self.ids, strict=True)):
            if tot == 0:
                continue
            r = risk_of(i)
            n = len(r)
            k = max(1, math.ceil(coverage * n - 1e-9))
            top = np.lexsort((ids, -r))[:k]
            out[i] = (cnt[top].sum() / tot) / (k / n)
        return out

    def score(self, weights: dict[str, float], coverage: float = 0.01) -> float:
        """Mean PAI at ``coverage`` of a blend over the windows."""
        return float(np.nanmean(self.weekly(lambda i: blend(weights, self.features[i]), coverage)))


def blend(weights: dict[str, float], f: Features) -> NDArray[np.float64]:
    return sum((w * f[k].astype(np.float64) for k, w in weights.items() if w), np.zeros(1))


def search(win: Windows, base: str, candidates: list[str], passes: int = 2):
    """Greedy coordinate ascent of mean PAI@1 over blend weights (``base`` fixed at 1)."""
    weights, best = {base: 1.0}, win.score({base: 1.0})
    for _ in range(passes):
        improved = False
        for name in candidates:
            for v in GRID:
                trial = {**weights, name: v}
                s = win.score(trial)
                if s > best + 1e-9:
                    best, weights, improved = s, trial, True
        if not improved:
            break
    return {k: v for k, v in weights.items() if v}, best


def fit_and_check(events: EventSet, scope: str) -> None:
    tune = Windows(events, SCOPES[scope], *PERIODS["tune"])
    sel = Windows(events, SCOPES[scope], *PERIODS["select"])
    print("component alone: PAI@1 2015-2017 / 2018-2019")
    for name in ("n365", *[f"decay{t:g}" for t in DECAYS]):
        print(f"  {name:10s} {tune.score({name: 1.0}):.3f} / {sel.score({name: 1.0}):.3f}")
    singles = ["decay182", "decay365", "decay730", "decay1460"]
    base = max(singles, key=lambda n: tune.score({n: 1.0}))
    candidates = [k for k in tune.features[0] if k not in (base, "n365")]
    weights, fitted = search(tune, base, candidates)
    print(f"blend fitted on 2015-2017: {weights}")
    print(f"  PAI@1 2015-2017 {fitted:.3f}; 2018-2019 {sel.score(weights):.3f}")
    print(
        f"  PAI@5 2018-2019 {sel.score(weights, 0.05):.3f} "
        f"(365-day count {sel.score({'n365': 1.0}, 0.05):.3f})"
    )


def sum_of_categories(events: EventSet, weights_of: dict[str, dict[str, float]]) -> None:
    """All categories ranked by the sum of per-category blends, each scaled to its
    category's events of the last 365 days (so the sum is an expected total)."""
    for period, (start, weeks) in PERIODS.items():
        per = {c: Windows(events, c, start, weeks, area_of_all=True) for c in weights_of}
        ref = next(iter(per.values()))
        for label in ("decay365", "decay730", "blends"):
            chosen = {c: weights_of[c] if label == "blends" else {label: 1.0} for c in per}

            def risk(
                i: int, per: dict[str, Windows] = per, chosen: dict = chosen
            ) -> NDArray[np.float64]:
                return sum(
                    (
                        win.recent[i] * blend(chosen[c], win.features[i]) / sum(chosen[c].values())
                        for c, win in per.items()
                    ),
                    np.zeros(1),
                )

            print(f"{period} sum of categories ({label}): {np.nanmean(ref.weekly(risk)):.3f}")


def adaptive(events: EventSet, scope: str) -> None:
    """Each window uses whichever e-folding had the best mean PAI@1 over the last L weeks."""
    win = Windows(events, SCOPES[scope], "2015-01-07", 156 + 104)
    menu = ["decay182", "decay365", "decay730", "decay1460"]

    def alone(m: str) -> Callable[[int], NDArray[np.float64]]:
        return lambda i: blend({m: 1.0}, win.features[i])

    pai = np.vstack([win.weekly(alone(m)) for m in menu])
    for lags in (13, 26, 52, 104):
        out = np.full(pai.shape[1], np.nan)
        for i in range(lags, pai.shape[1]):
            out[i] = pai[int(np.nanargmax(np.nanmean(pai[:, i - lags : i], axis=1))), i]
        print(f"adaptive L={lags}: 2018-2019 PAI@1 {np.nanmean(out[156:]):.3f}")


#: Candidate B of the third round (Assault split by premises type): the incumbent's
#: smoothing, an e-folding per type from this menu fitted on 2015-2017.
PREMISES_DECAYS = (182.0, 365.0, 730.0, 1460.0)
#: What ``premises`` fitted (its output, copied), used by ``--select best,premises``.
PREMISES_FITTED: dict[str, float] = {
    "Apartment": 1460.0,
    "Outside": 365.0,
    "Commercial": 365.0,
    "Other": 1460.0,
    "Educational": 365.0,
}


def premises_candidate(decays: dict[str, float]) -> CategorySumForecaster:
    """Assault as the sum over premises types of the incumbent's ``smoothed``, each type
    with its own e-folding (730 days, the incumbent's, where ``decays`` names none)."""
    incumbent = recommended_params("Assault")

    def part(decay: float) -> SmoothedForecaster:
        return SmoothedForecaster(**{**incumbent, "decay": decay})

    return CategorySumForecaster(
        methods={g: part(d) for g, d in decays.items()},
        default=part(incumbent["decay"]),
        by="premises_type",
        category="Assault",
    )


class PremisesWindows:
    """Per weekly window of a period: each premises type's smoothed assault surface at
    every e-folding of the menu (on the type's own cells, scaled to its assaults of the
    last 365 days, as :class:`CategorySumForecaster` spreads it) and the outcomes."""

    def __init__(self, events: EventSet, start: str, weeks: int) -> None:
        grid = SquareGrid(150.0)
        params = recommended_params("Assault")
        rings, nw, pw = params["rings"], params["neighbour_weight"], params["prior_weight"]
        gid_all, t_all = grid.cell_ids(events), events.t
        sel = events.category == "Assault"
        t, gid = t_all[sel], gid_all[sel]
        ptype = np.asarray(events.extra["premises_type"])[sel].astype(str)
        self.types = sorted(
            set(ptype[t < events.instant("2018-01-01")]),
            key=lambda g: (-int(((ptype == g) & (t < events.instant("2018-01-01"))).sum()), g),
        )
        self.parts: list[dict[tuple[str, float], tuple[NDArray[np.intp], NDArray[np.float64]]]]
        self.parts, self.counts, self.totals, self.ids = [], [], [], []
        origin0, step = events.instant(start), 7 * DAY
        for w in range(weeks):
            o = origin0 + w * step
            b, ba = int(np.searchsorted(t, o)), int(np.searchsorted(t_all, o))
            area = StudyArea(grid=grid, epsg=events.epsg, ids=np.unique(gid[:b]))
            pa = area.locate(gid_all[:ba])
            ok = pa >= 0
            age, age_all = (o - t[:b]) / DAY, (o - t_all[:ba][ok]) / DAY
            recent = age <= 365  # events in [o - 365 d, o)
            every = {
                tau: np.bincount(pa[ok], weights=np.exp(-age_all / tau), minlength=len(area))
                for tau in PREMISES_DECAYS
            }
            out = {}
            for g in self.types:
                mine = ptype[:b] == g
                if not mine.any():
                    continue
                sub = StudyArea(grid=grid, epsg=events.epsg, ids=np.unique(gid[:b][mine]))
                p = area.locate(sub.ids)
                where = sub.locate(gid[:b][mine])
                smooth = sub.neighbour_sum(rings)
                block = len(grid.neighbours(sub.ids[:1], rings))
                n365 = int((mine & recent).sum())
                for tau in PREMISES_DECAYS:
                    own = np.bincount(where, weights=np.exp(-age[mine] / tau), minlength=len(sub))
                    risk = own + nw * (smooth @ own) / block
                    ev_g = every[tau][p]
                    if ev_g.sum() > 0:
                        risk = risk + pw * ev_g * (own.sum() / ev_g.sum())
                    out[(g, tau)] = (p, risk / risk.sum() * n365)
            self.parts.append(out)
            lo, hi = np.searchsorted(t, [o, o + step])
            q = area.locate(gid[lo:hi])
            self.counts.append(np.bincount(q[q >= 0], minlength=len(area)).astype(float))
            self.totals.append(int(hi - lo))
            self.ids.append(area.ids)

    def risk(self, i: int, decays: dict[str, float]) -> NDArray[np.float64]:
        r = np.zeros(len(self.ids[i]))
        for g in self.types:
            key = (g, decays.get(g, 730.0))
            if key in self.parts[i]:
                p, v = self.parts[i][key]
                r[p] += v
        return r

    def score(self, decays: dict[str, float], coverage: float = 0.01) -> float:
        pai = []
        for i, (cnt, tot, ids) in enumerate(zip(self.counts, self.totals, self.ids, strict=True)):
            if tot == 0:
                continue
            r = self.risk(i, decays)
            k = max(1, math.ceil(coverage * len(r) - 1e-9))
            top = np.lexsort((ids, -r))[:k]
            pai.append((cnt[top].sum() / tot) / (k / len(r)))
        return float(np.mean(pai))


def premises(events: EventSet) -> None:
    """Candidate B: fit each premises type's e-folding on 2015-2017 (registered rule)."""
    win = PremisesWindows(events, *PERIODS["tune"])
    decays = dict.fromkeys(win.types, 730.0)
    best = win.score(decays)
    print(f"types (most 2014-2017 assaults first): {win.types}")
    print(f"all at 730 days: 2015-2017 PAI@1 {best:.3f}")
    for sweep in range(2):
        changed = False
        for g in win.types:
            for tau in PREMISES_DECAYS:
                trial = {**decays, g: tau}
                sc = win.score(trial)
                if sc > best + 1e-9:
                    best, decays, changed = sc, trial, True
        print(f"pass {sweep + 1}: {decays} -> {best:.3f}")
        if not changed:
            break
    print(f"fitted: { {str(g): d for g, d in decays.items() if d != 730.0} }")


def select(events: EventSet, scope: str, incumbent: str, candidate: str) -> None:
    """The library's own 104-week backtest of 2018-2019 for two methods (third round):
    mean PAI@1 and PAI@5, the margin, and the standard error of the weekly differences."""
    start, weeks = PERIODS["select"]
    models = {
        m: premises_candidate(PREMISES_FITTED) if m == "premises" else make_forecaster(m)
        for m in (incumbent, candidate)
    }
    res = backtest(events, models, start, weeks, coverages=(0.01, 0.05), category=SCOPES[scope])
    for m in models:
        pai1, pai5 = res.mean(m, "pai", 0.01), res.mean(m, "pai", 0.05)
        print(f"{m}: 2018-2019 PAI@1 {pai1:.3f}, PAI@5 {pai5:.3f}, {res.seconds[m]:.1f} s")
    weekly = {
        m: np.array([r["pai"] for r in res.rows if r["method"] == m and r["coverage"] == 0.01])
        for m in models
    }
    diff = weekly[candidate] - weekly[incumbent]
    se = diff.std(ddof=1) / math.sqrt(len(diff))
    wins = int((diff > 0).sum())
    print(
        f"{candidate} - {incumbent}: {diff.mean():+.3f} PAI@1 (paired s.e. {se:.3f}); "
        f"higher in {wins} of {len(diff)} weeks, lower in {int((diff < 0).sum())}"
    )


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--scope", default="all", choices=list(SCOPES))
    p.add_argument("--sum-categories", action="store_true")
    p.add_argument("--adaptive", action="store_true")
    p.add_argument("--premises", action="store_true", help="fit candidate B (2015-2017)")
    p.add_argument("--select", metavar="INCUMBENT,CANDIDATE", help="library backtest, 2018-2019")
    args = p.parse_args()
    events = load_events(toronto_mci_path())
    t0 = time.perf_counter()
    if args.premises:
        premises(events)
    elif args.select:
        incumbent, candidate = args.select.split(",")
        select(events, args.scope, incumbent, candidate)
    elif args.sum_categories:
        sum_of_categories(events, FITTED)
    elif args.adaptive:
        adaptive(events, args.scope)
    else:
        fit_and_check(events, args.scope)
    print(f"({time.perf_counter() - t0:.0f} s)")


if __name__ == "__main__":
    main()
