"""python -m zhian.analytics (zhian.analytics.cli)."""

from __future__ import annotations

import csv
import datetime as dt
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pytest

from zhian.analytics.cli import main
from zhian.analytics.datasets import synthetic_events, toronto_mci_path
from zhian.analytics.evaluation import backtest
from zhian.analytics.events import EventSet, load_events
from zhian.analytics.forecasters import make_forecaster

ROOT = Path(__file__).resolve().parents[2]
TZ = ZoneInfo("America/Toronto")


def write_csv(ev: EventSet, path: Path, extra_rows: list[list[str]] | None = None) -> Path:
    with path.open("w", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["occurred_at", "category", "neighbourhood", "lat", "lon"])
        for k in range(len(ev)):
            local = dt.datetime.fromtimestamp(int(ev.t[k]), TZ).strftime("%Y-%m-%dT%H:00")
            w.writerow(
                [
                    local,
                    ev.category[k],
                    ev.extra["neighbourhood"][k],
                    f"{ev.lat[k]:.6f}",
                    f"{ev.lon[k]:.6f}",
                ]
            )
        for row in extra_rows or []:
            w.writerow(row)
    return path


@pytest.fixture(scope="module")
def events_csv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ev = synthetic_events(np.random.default_rng(8), days=400, per_day=10)
    return write_csv(ev, tmp_path_factory.mktemp("cli") / "events.csv")


def read(path: Path) -> list[dict[str, str]]:
    with path.open() as fh:
        return list(csv.DictReader(fh))


def test_forecast_writes_one_row_per_cell(events_csv: Path, tmp_path: Path) -> None:
    out = tmp_path / "risk.csv"
    code = main(
        [
            "forecast",
            "--events",
            str(events_csv),
            "--at",
            "2018-12-01",
            "--horizon",
            "7",
            "--cell",
            "150",
            "--method",
            "naive365",
            "--out",
            str(out),
        ]
    )
    assert code == 0
    assert out.read_text().splitlines()[0] == "epsg,x_min,y_min,size_m,risk"
    rows = read(out)
    assert {r["epsg"] for r in rows} == {"32617"} and {r["size_m"] for r in rows} == {"150"}
    corners = {(float(r["x_min"]), float(r["y_min"])) for r in rows}
    assert len(corners) == len(rows)
    assert all(x % 150 == 0 and y % 150 == 0 for x, y in corners)
    assert sum(float(r["risk"]) for r in rows) > 0


def test_forecast_uses_only_events_before_at(events_csv: Path, tmp_path: Path) -> None:
    later = [["2019-01-05T10:00", "Assault", "NE", "43.62", "-79.30"]] * 50
    more = tmp_path / "more.csv"
    more.write_text(events_csv.read_text() + "".join(",".join(r) + "\n" for r in later))
    args = ["forecast", "--at", "2018-12-01", "--method", "best", "--category", "Assault"]
    a, b = tmp_path / "a.csv", tmp_path / "b.csv"
    assert main([*args, "--events", str(events_csv), "--out", str(a)]) == 0
    assert main([*args, "--events", str(more), "--out", str(b)]) == 0
    assert a.read_text() == b.read_text()


def test_bad_row_exits_2_naming_the_row(events_csv: Path, tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    lines = events_csv.read_text().splitlines()
    lines[7] = "2018-02-30T10:00,Assault,NE,43.62,-79.30"
    bad.write_text("\n".join(lines) + "\n")
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "zhian.analytics",
            "forecast",
            "--events",
            str(bad),
            "--at",
            "2018-12-01",
            "--out",
            str(tmp_path / "x.csv"),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={"PYTHONPATH": str(ROOT)},
    )
    assert proc.returncode == 2
    assert "line 8: bad date: occurred_at='2018-02-30T10:00'" in proc.stderr


def test_empty_training_window_exits_2(
    events_csv: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code = main(
        [
            "forecast",
            "--events",
            str(events_csv),
            "--at",
            "2017-01-01",
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    assert code == 2
    assert "no training events before 2017-01-01" in capsys.readouterr().err
    code = main(
        [
            "forecast",
            "--events",
            str(events_csv),
            "--at",
            "2018-06-01",
            "--category",
            "Arson",
            "--out",
            str(tmp_path / "x.csv"),
        ]
    )
    assert code == 2
    assert "no training events of category 'Arson'" in capsys.readouterr().err


def test_backtest_near_repeat_and_fairness_print_tables(
    events_csv: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert (
        main(
            [
                "backtest",
                "--events",
                str(events_csv),
                "--start",
                "2018-10-01",
                "--weeks",
                "3",
                "--methods",
                "naive365,kde,prospective",
                "--coverage",
                "1,5",
                "--ceiling",
            ]
        )
        == 0
    )
    out = capsys.readouterr().out
    assert "PAI@1" in out and "hit@5" in out and "prospective" in out
    assert "hindsight (oracle)" in out and "a ceiling, not a forecast" in out
    assert (
        main(
            [
                "near-repeat",
                "--events",
                str(events_csv),
                "--start",
                "2018-01-01",
                "--end",
                "2018-04-01",
                "--permutations",
                "19",
            ]
        )
        == 0
    )
    assert "Knox test" in capsys.readouterr().out
    assert (
        main(
            [
                "fairness",
                "--events",
                str(events_csv),
                "--at",
                "2018-12-01",
                "--method",
                "naive365",
                "--coverage",
                "5",
            ]
        )
        == 0
    )
    assert "dissimilarity" in capsys.readouterr().out
    assert (
        main(
            [
                "backtest",
                "--events",
                str(events_csv),
                "--start",
                "2018-10-01",
                "--weeks",
                "1",
                "--methods",
                "oracle",
            ]
        )
        == 2
    )


def test_forecast_on_the_real_data(tmp_path: Path) -> None:
    path = toronto_mci_path()
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    out = tmp_path / "risk.csv"
    assert (
        main(
            [
                "forecast",
                "--events",
                str(path),
                "--at",
                "2020-06-01",
                "--method",
                "naive365",
                "--category",
                "Break and Enter",
                "--out",
                str(out),
            ]
        )
        == 0
    )
    rows = read(out)
    assert len(rows) > 5000 and rows[0]["epsg"] == "32617"
    risk = np.array([float(r["risk"]) for r in rows])
    assert 50 < risk.sum() < 300 and risk.max() > 0.2  # about 130 BnE a week


@pytest.mark.parametrize("command", ["forecast", "backtest"])
def test_sum_with_a_category_exits_2_saying_what_to_leave_out(
    command: str, events_csv: Path, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    method = ["--method", "sum"] if command == "forecast" else ["--methods", "decay,sum"]
    at = (
        ["--at", "2018-12-01"]
        if command == "forecast"
        else ["--start", "2018-12-01", "--weeks", "2"]
    )
    code = main([command, "--events", str(events_csv), *at, *method, "--category", "Assault"])
    assert code == 2
    err = capsys.readouterr().err
    assert "--method sum adds up the forecasts of every category: leave out --category" in err
    assert "Traceback" not in err


def test_backtest_prints_each_method_against_the_first_with_an_interval(
    capsys: pytest.CaptureFixture[str],
) -> None:
    # given 8 weeks of 2020 Assaults, the 365-day count first and the decayed count second
    path = toronto_mci_path()
    if not path.exists():
        pytest.skip("the Toronto data set is not on this machine")
    argv = ["backtest", "--events", str(path), "--start", "2020-01-01", "--weeks", "8"]
    assert main([*argv, "--methods", "naive365,decay", "--category", "Assault"]) == 0
    out = capsys.readouterr().out
    # then the difference line is the library's weekly difference, with its interval
    res = backtest(
        load_events(path),
        {"naive365": make_forecaster("naive365"), "decay": make_forecaster("decay")},
        "2020-01-01",
        8,
        coverages=(0.01,),
        category="Assault",
    )
    weekly = res.per_window("decay", "pai", 0.01) - res.per_window("naive365", "pai", 0.01)
    line = next(x for x in out.splitlines() if x.strip().startswith("decay:"))
    assert line.split()[1] == f"{weekly.mean():+.2f}"
    assert line.endswith(f"higher in {int((weekly > 0).sum())} of 8 weeks")
    lo, hi = (float(x) for x in line.split("(")[1].split(")")[0].split(" to "))
    assert lo <= weekly.mean() <= hi and lo < hi
    assert "PAI@1 minus naive365's" in out
