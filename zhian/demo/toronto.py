"""The demo's own copy of the Toronto MCI data (``zhian/demo/data/``), and how it is made.

``make run`` must work from a clone alone, so the demo does not read ``../shared/data``. It
carries a compact derivative of ``toronto_mci_2014_2020.csv.gz`` (Toronto Police Service Major
Crime Indicators 2014–2020, Open Government Licence – Toronto; see ``data/README.md``):

* ``toronto_mci_points.csv.gz`` — ``neighbourhood, lat, lon, n``: the number of offences
  recorded at each distinct (neighbourhood, point); the points are the portal's road
  intersections. Everything the demo bureau's boundaries are derived from.
* ``toronto_mci_latest.csv`` — ``occurred_at, category, lat, lon`` of the last
  ``LATEST_OFFENCES`` offences in the file: the places and categories of the demo's open
  incidents.

Regenerate both from the shared file (byte-identical output for the same input)::

    python -m zhian.demo.toronto [--source PATH] [--out DIR]

Pure Python (pandas); no Django.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import sys
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from zhian.analytics.datasets import toronto_mci_path

DATA_DIR = Path(__file__).resolve().with_name("data")
POINTS_NAME = "toronto_mci_points.csv.gz"
LATEST_NAME = "toronto_mci_latest.csv"
POINTS_PATH = DATA_DIR / POINTS_NAME
LATEST_PATH = DATA_DIR / LATEST_NAME
LATEST_OFFENCES = 15


def points_table(source: Path) -> pd.DataFrame:
    """Offences per distinct (neighbourhood, lat, lon), sorted by those three columns."""
    df = pd.read_csv(source, usecols=["neighbourhood", "lat", "lon"])
    return df.groupby(["neighbourhood", "lat", "lon"], sort=True).size().rename("n").reset_index()


def latest_table(source: Path, n: int = LATEST_OFFENCES) -> pd.DataFrame:
    """The last ``n`` offences by ``occurred_at`` (file order among equal times)."""
    df = pd.read_csv(source, usecols=["occurred_at", "category", "lat", "lon"])
    df = df.sort_values("occurred_at", kind="mergesort")
    return df.tail(n)[["occurred_at", "category", "lat", "lon"]]


def write_data(source: Path, out_dir: Path = DATA_DIR) -> tuple[Path, Path]:
    """Write both files into ``out_dir`` from the full Toronto file; returns their paths."""
    out_dir.mkdir(parents=True, exist_ok=True)
    points, latest = out_dir / POINTS_NAME, out_dir / LATEST_NAME
    text = points_table(source).to_csv(index=False, lineterminator="\n")
    # No file name or time stamp in the gzip header, so the bytes depend on the data only.
    with (
        points.open("wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz,
    ):
        gz.write(text.encode("utf-8"))
    latest.write_text(
        latest_table(source).to_csv(index=False, lineterminator="\n"), encoding="utf-8"
    )
    return points, latest


def read_latest_offences(path: Path = LATEST_PATH) -> list[tuple[str, float, float]]:
    """The latest offences, oldest first, as (category, lon, lat)."""
    with path.open(encoding="utf-8", newline="") as f:
        return [(r["category"], float(r["lon"]), float(r["lat"])) for r in csv.DictReader(f)]


def main(argv: Sequence[str] | None = None) -> int:
    """``python -m zhian.demo.toronto [--source PATH] [--out DIR]``."""
    parser = argparse.ArgumentParser(
        prog="python -m zhian.demo.toronto",
        description="Regenerate the demo's Toronto data from the shared MCI file.",
    )
    parser.add_argument("--source", type=Path, default=None, help="default: shared data file")
    parser.add_argument("--out", type=Path, default=DATA_DIR, help=f"default: {DATA_DIR}")
    args = parser.parse_args(argv)
    source = args.source or toronto_mci_path()
    if not source.exists():
        print(f"cannot find {source}; set ZHIAN_SHARED_DATA or pass --source", file=sys.stderr)
        return 2
    for path in write_data(source, args.out):
        print(f"wrote {path} ({path.stat().st_size:,} bytes)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
