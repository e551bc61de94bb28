"""Loading and validating event files (zhian.analytics.events)."""

from __future__ import annotations

import datetime as dt
import gzip
from pathlib import Path

import numpy as np
import pytest

from zhian.analytics.datasets import toronto_mci_path
from zhian.analytics.events import EventFileError, EventSet, load_events, to_instant, utm_epsg

HEADER = "occurred_at,category,premises_type,neighbourhood,lat,lon\n"
GOOD = [
    "2020-07-01T12:00,Assault,Outside,Annex,43.67,-79.40\n",
    "2020-01-01T00:00,Robbery,House,Annex,43.66,-79.41\n",
    "2020-03-08T02:00,Theft Over,House,Annex,43.65,-79.38\n",  # skipped hour (DST)
    "2020-11-01T01:00,Auto Theft,House,Annex,43.68,-79.39\n",  # repeated hour (DST)
]


def write(tmp_path: Path, lines: list[str], name: str = "ev.csv") -> Path:
    path = tmp_path / name
    text = HEADER + "".join(lines)
    if name.endswith(".gz"):
        path.write_bytes(gzip.compress(text.encode()))
    else:
        path.write_text(text)
    return path


def test_load_sorts_converts_to_utc_and_projects(tmp_path: Path) -> None:
    ev = load_events(write(tmp_path, GOOD, "ev.csv.gz"))
    assert len(ev) == 4
    assert np.all(np.diff(ev.t) >= 0)
    assert ev.epsg == 32617 == utm_epsg(-79.4, 43.67)
    utc = [str(v) for v in ev.times]
    assert utc[0] == "2020-01-01T05:00:00"  # EST is UTC-5
    assert utc[1] == "2020-03-08T07:00:00"  # 02:00 does not exist: moved to 03:00 EDT
    assert utc[2] == "2020-07-01T16:00:00"  # EDT is UTC-4
    assert utc[3] == "2020-11-01T05:00:00"  # 01:00 happens twice: first (EDT) read
    assert list(ev.extra) == ["premises_type", "neighbourhood"]
    # UTM easting near Toronto is a few hundred km, northing about 4.8e6 m
    assert np.all((ev.x > 5e5) & (ev.x < 7e5)) and np.all(ev.y > 4.8e6)


def test_times_with_offsets_are_taken_as_written(tmp_path: Path) -> None:
    path = write(tmp_path, ["2020-07-01T12:00+08:00,Assault,Outside,Annex,43.67,-79.40\n"])
    ev = load_events(path)
    assert str(ev.times[0]) == "2020-07-01T04:00:00"


@pytest.mark.parametrize(
    ("line", "fault"),
    [
        ("2020-13-01T00:00,Assault,House,Annex,43.6,-79.4\n", "bad date"),
        ("yesterday,Assault,House,Annex,43.6,-79.4\n", "bad date"),
        ("2020-01-01T00:00,Assault,House,Annex,93.6,-79.4\n", "coordinates out of range"),
        ("2020-01-01T00:00,Assault,House,Annex,43.6,-279.4\n", "coordinates out of range"),
        ("2020-01-01T00:00,Assault,House,Annex,0,0\n", "coordinates out of range"),
        ("2020-01-01T00:00,Assault,House,Annex,north,-79.4\n", "not numbers"),
        ("2020-01-01T00:00,,House,Annex,43.6,-79.4\n", "empty category"),
    ],
)
def test_bad_row_is_named_by_line(tmp_path: Path, line: str, fault: str) -> None:
    path = write(tmp_path, [GOOD[0], GOOD[1], line, GOOD[2]])
    with pytest.raises(EventFileError) as err:
        load_events(path)
    assert err.value.row == 4  # header is line 1, the bad row is the third event
    assert fault in str(err.value) and str(err.value).startswith("line 4:")


def test_first_of_several_faults_is_reported_with_a_count(tmp_path: Path) -> None:
    bad_coord = "2020-01-01T00:00,Assault,House,Annex,143.6,-79.4\n"
    bad_date = "2020-02-30T00:00,Assault,House,Annex,43.6,-79.4\n"
    with pytest.raises(EventFileError, match=r"^line 3: coordinates .*2 faulty rows"):
        load_events(write(tmp_path, [GOOD[0], bad_coord, bad_date]))


def test_missing_column_and_ragged_row(tmp_path: Path) -> None:
    path = tmp_path / "nolon.csv"
    path.write_text("occurred_at,category,lat\n2020-01-01T00:00,Assault,43.6\n")
    with pytest.raises(EventFileError, match=r"line 1: missing column\(s\) lon"):
        load_events(path)
    ragged = write(tmp_path, [GOOD[0], "2020-01-01T00:00,A,B,C,43.6,-79.4,extra,more\n"])
    with pytest.raises(EventFileError, match="line 3"):
        load_events(ragged)


def test_instants_and_windows() -> None:
    assert to_instant("2020-01-01", "America/Toronto") == to_instant("2020-01-01T05:00Z")
    assert to_instant(dt.date(2020, 7, 1), "UTC") == 1593561600
    aware = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert to_instant(aware, "America/Toronto") == 1577836800
    t = np.array([10, 0, 5, 20])
    ev = EventSet.from_arrays(t, [-79.4] * 4, [43.7] * 4, ["a", "b", "a", "b"])
    assert list(ev.t) == [0, 5, 10, 20]
    assert list(ev.between(5, 20).t) == [5, 10]
    assert list(ev.of_category("a").t) == [5, 10]
    assert ev.categories == ["a", "b"]


@pytest.fixture(scope="module")
def toronto() -> EventSet:
    path = toronto_mci_path()
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    return load_events(path)


def test_real_file_loads_whole(toronto: EventSet) -> None:
    assert len(toronto) == 209_436
    assert toronto.epsg == 32617
    assert toronto.categories == [
        "Assault",
        "Auto Theft",
        "Break and Enter",
        "Robbery",
        "Theft Over",
    ]
    assert str(toronto.times[0]) == "2014-01-01T05:00:00"
    assert len(set(toronto.extra["neighbourhood"].tolist())) == 140
