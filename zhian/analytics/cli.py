"""Command line: ``python -m zhian.analytics {forecast,backtest,near-repeat,fairness}``.

Bad input (a faulty row, a missing column, no training events before the date) prints
one line naming the fault on stderr and exits with status 2.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import operator
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from zhian.analytics.ceiling import HindsightCounts
from zhian.analytics.evaluation import BacktestResult, backtest
from zhian.analytics.events import DAY, EventFileError, EventSet, load_events
from zhian.analytics.fairness import fairness_report
from zhian.analytics.forecasters import (
    METHODS,
    EmptyTrainingWindowError,
    Forecast,
    make_forecaster,
)
from zhian.analytics.grids import SquareGrid
from zhian.analytics.near_repeat import knox_test
from zhian.analytics.uncertainty import block_bootstrap_interval

__all__ = ["main"]


class UsageError(Exception):
    """Input the user must fix; reported on one line, exit status 2."""


def _date(text: str) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _floats(text: str) -> list[float]:
    try:
        return [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a list of numbers: {text!r}") from None


def _load(path: Path, timezone: str) -> EventSet:
    try:
        return load_events(path, timezone=timezone)
    except FileNotFoundError:
        raise UsageError(f"{path}: no such file") from None
    except EventFileError as exc:
        raise UsageError(f"{path}: {exc}") from None


def _check_sum(methods: list[str], category: str | None) -> None:
    """``sum`` adds up every category's forecast; the command line has no ``by``."""
    if category and "sum" in methods:
        raise UsageError(
            "--method sum adds up the forecasts of every category: leave out --category "
            "(splitting one category by another column is a library option, `by`)"
        )


def _forecast(args: argparse.Namespace) -> tuple[EventSet, Forecast]:
    _check_sum([args.method], args.category)
    events = _load(args.events, args.timezone)
    model = make_forecaster(args.method, grid=SquareGrid(args.cell), category=args.category)
    try:
        model.fit(events, args.at)
    except EmptyTrainingWindowError as exc:
        raise UsageError(str(exc)) from None
    return events, model.predict(args.at, args.horizon)


def cmd_forecast(args: argparse.Namespace) -> None:
    _, fc = _forecast(args)
    out = sys.stdout if str(args.out) == "-" else args.out.open("w", newline="")
    try:
        w = csv.writer(out, lineterminator="\n")
        w.writerow(["epsg", "x_min", "y_min", "size_m", "risk"])
        for epsg, x0, y0, size, risk in fc.to_rows():
            w.writerow([epsg, f"{x0:.12g}", f"{y0:.12g}", f"{size:.12g}", f"{risk:.6g}"])
    finally:
        if out is not sys.stdout:
            out.close()
    if out is not sys.stdout:
        print(f"wrote {len(fc.risk)} cells to {args.out}", file=sys.stderr)


def cmd_backtest(args: argparse.Namespace) -> None:
    names = [m.strip() for m in args.methods.split(",") if m.strip()]
    _check_sum(names, args.category)
    events = _load(args.events, args.timezone)
    models = {m: make_forecaster(m, grid=SquareGrid(args.cell)) for m in names}
    if args.ceiling:
        models["hindsight (oracle)"] = HindsightCounts(grid=SquareGrid(args.cell))
    cov = [c / 100 for c in args.coverage]
    try:
        res = backtest(
            events, models, args.start, args.weeks, coverages=cov, category=args.category
        )
    except EmptyTrainingWindowError as exc:
        raise UsageError(str(exc)) from None
    scope = args.category or "all categories"
    print(
        f"{res.n_windows()} weekly windows from {args.start}, scope: {scope}; "
        "trained on events before each window; PAI and hit rate (%) are means"
    )
    print(res.table())
    if len(res.methods()) > 1:
        print(_differences(res, cov[0]))
    if args.ceiling:
        print(
            "hindsight (oracle) ranks cells by the events a year before and after each "
            "window: a ceiling, not a forecast (see zhian.analytics.ceiling)"
        )


def _differences(res: BacktestResult, coverage: float) -> str:
    """Each method's weekly PAI minus the first method's: the mean, a 90 % moving-block
    bootstrap interval and the weeks it was higher (is a difference more than chance?)."""
    first, *others = res.methods()
    base = res.per_window(first, "pai", coverage)
    lines = [
        f"PAI@{coverage * 100:g} minus {first}'s, mean over weeks with a 90 % interval "
        "(blocks of 4 weeks resampled; an interval holding 0 is no evidence either way):"
    ]
    for m in others:
        ours = res.per_window(m, "pai", coverage)
        both = np.isfinite(ours) & np.isfinite(base)
        diff = float(np.mean(ours[both] - base[both])) if both.any() else float("nan")
        lo, hi = block_bootstrap_interval([ours, base], operator.sub)
        lines.append(
            f"  {m}: {diff:+.2f} ({lo:+.2f} to {hi:+.2f}), higher in "
            f"{int((ours[both] > base[both]).sum())} of {int(both.sum())} weeks"
        )
    return "\n".join(lines)


def cmd_near_repeat(args: argparse.Namespace) -> None:
    events = _load(args.events, args.timezone).of_category(args.category)
    events = events.between(args.start, args.end)
    if len(events) < 2:
        raise UsageError("fewer than two events in the chosen period")
    res = knox_test(
        events,
        space_bands=args.space_bands,
        time_bands=args.time_bands,
        permutations=args.permutations,
        rng=args.seed,
    )
    print(res.table())


def cmd_fairness(args: argparse.Namespace) -> None:
    everything, fc = _forecast(args)
    events = everything.of_category(args.category)
    if args.column not in events.extra:
        raise UsageError(f"the events have no {args.column!r} column")
    ref = events.between(fc.start - 365 * DAY, fc.start)
    rep = fairness_report(
        fc,
        ref,
        coverage=args.coverage / 100,
        column=args.column,
        labels_from=events.between(None, fc.start),
    )
    print(f"{args.method} forecast for {args.at}; event shares from the 365 days before")
    print(rep.table())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m zhian.analytics",
        description="Crime forecasting (预测预警), backtests and near-repeat analysis.",
    )
    sub = p.add_subparsers(dest="command", required=True)

    def common(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--events", type=Path, required=True, help="CSV(.gz) of events")
        sp.add_argument("--category", help="only events of this category")
        sp.add_argument(
            "--timezone", default="America/Toronto", help="zone of times written without offset"
        )

    methods = ", ".join([*METHODS, "naiveN", "best (recommended for the category)"])

    def window(sp: argparse.ArgumentParser) -> None:
        """The options of one forecast window (``forecast`` and ``fairness``)."""
        sp.add_argument("--at", type=_date, required=True, help="window start YYYY-MM-DD")
        sp.add_argument("--horizon", type=float, default=7.0, help="days (default 7)")
        sp.add_argument("--cell", type=float, default=150.0, help="cell side in metres")
        sp.add_argument("--method", default="best", help=methods)

    f = sub.add_parser("forecast", help="risk per cell for one window")
    common(f)
    window(f)
    f.add_argument("--out", type=Path, default=Path("-"), help="output CSV (- = stdout)")
    f.set_defaults(func=cmd_forecast)

    b = sub.add_parser("backtest", help="rolling-origin backtest over weekly windows")
    common(b)
    b.add_argument("--start", type=_date, required=True, help="first window YYYY-MM-DD")
    b.add_argument("--weeks", type=int, required=True, help="number of weekly windows")
    b.add_argument("--methods", default="naive365,best", help=methods)
    b.add_argument(
        "--coverage",
        type=_floats,
        default=[1.0, 5.0],
        help="percent of the study area, comma separated",
    )
    b.add_argument("--cell", type=float, default=150.0, help="cell side in metres")
    b.add_argument(
        "--ceiling",
        action="store_true",
        help="add the hindsight oracle's row: how far ranking by counts could go",
    )
    b.set_defaults(func=cmd_backtest)

    n = sub.add_parser("near-repeat", help="Knox test over space x time bands")
    common(n)
    n.add_argument("--start", type=_date, help="first day included")
    n.add_argument("--end", type=_date, help="first day excluded")
    n.add_argument(
        "--space-bands",
        type=_floats,
        default=[0, 1, 100, 200, 300, 400, 500],
        help="distance band edges in metres",
    )
    n.add_argument(
        "--time-bands",
        type=_floats,
        default=[0, 7, 14, 21, 28, 35, 42],
        help="time band edges in days (the last band is open)",
    )
    n.add_argument("--permutations", type=int, default=999, help="Monte Carlo runs (default 999)")
    n.add_argument("--seed", type=int, default=0, help="random seed of the permutations")
    n.set_defaults(func=cmd_near_repeat)

    r = sub.add_parser("fairness", help="flagged area vs events per neighbourhood")
    common(r)
    window(r)
    r.add_argument("--coverage", type=float, default=1.0, help="percent flagged")
    r.add_argument("--column", default="neighbourhood", help="area column of the CSV")
    r.set_defaults(func=cmd_fairness)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        args.func(args)
    except UsageError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ValueError as exc:  # bad parameter values (unknown method, coverage...)
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0
