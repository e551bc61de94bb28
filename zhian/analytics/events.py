"""Point events (警情/案件 records reduced to time, category and place).

An :class:`EventSet` is the one input type of every forecaster, test and report in
:mod:`zhian.analytics`: parallel numpy arrays, times as integer seconds since the Unix
epoch in UTC, coordinates in WGS84 and projected to metres in the UTM zone of the data's
centroid (a zone of 6° keeps scale error under 0.1 % inside a city).

Time zones
----------
The shared CSV records local wall-clock time (``America/Toronto``, hour precision) with
no offset. :func:`load_events` localises such times in ``timezone`` and stores UTC.
Wall-clock times that occur twice when clocks go back are read as the first (daylight)
occurrence; those skipped when clocks go forward are moved forward by the gap. Times
written with an explicit offset (``...+08:00`` or ``...Z``) are taken as they are. Dates
given to forecasters (``"2020-01-06"``) are midnight in the event set's ``timezone``,
so a forecast "for the week of 6 January" covers local days, as an analyst means it.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeAlias
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike, NDArray
from pyproj import Transformer

__all__ = [
    "REQUIRED_COLUMNS",
    "EventFileError",
    "EventSet",
    "TimeLike",
    "load_events",
    "utm_epsg",
]

REQUIRED_COLUMNS = ("occurred_at", "category", "lat", "lon")
DAY = 86_400

TimeLike: TypeAlias = "str | dt.date | dt.datetime | np.datetime64 | int | np.integer[Any]"

_OFFSET = re.compile(r"(?:Z|[+-]\d\d:?\d\d)$")


class EventFileError(ValueError):
    """A file of events that cannot be used, with the line at fault.

    Parameters
    ----------
    row : int
        Line number in the file as an editor shows it (the header is line 1, so the
        first event is line 2).
    message : str
        What is wrong with that line.
    """

    def __init__(self, row: int, message: str) -> None:
        super().__init__(f"line {row}: {message}")
        self.row = row
        self.message = message


def utm_epsg(lon: float, lat: float) -> int:
    """EPSG code of the WGS84 UTM zone holding ``(lon, lat)`` (326xx north, 327xx south)."""
    zone = math.floor((lon + 180.0) / 6.0) % 60 + 1
    return (32600 if lat >= 0 else 32700) + zone


@dataclass(frozen=True, eq=False)
class EventSet:
    """Events as parallel arrays, sorted by time.

    Build with :meth:`from_arrays` or :func:`load_events`, not the constructor.

    Attributes
    ----------
    t : ndarray of int64
        Seconds since 1970-01-01T00:00Z.
    category : ndarray of str
    lon, lat : ndarray of float64
        WGS84 degrees.
    x, y : ndarray of float64
        Metres in the projection ``epsg``.
    epsg : int
        A UTM zone unless given otherwise.
    timezone : str
        IANA zone used to read naive times and dates.
    extra : dict of str to ndarray
        Further columns (for the shared CSV: ``premises_type``, ``neighbourhood``).
    """

    t: NDArray[np.int64]
    category: NDArray[np.str_]
    lon: NDArray[np.float64]
    lat: NDArray[np.float64]
    x: NDArray[np.float64]
    y: NDArray[np.float64]
    epsg: int
    timezone: str = "UTC"
    extra: Mapping[str, NDArray[Any]] = field(default_factory=dict)

    @classmethod
    def from_arrays(
        cls,
        t: ArrayLike,
        lon: ArrayLike,
        lat: ArrayLike,
        category: ArrayLike | None = None,
        *,
        epsg: int | None = None,
        timezone: str = "UTC",
        extra: Mapping[str, ArrayLike] | None = None,
    ) -> EventSet:
        """Events from arrays, sorted by time and projected.

        ``t`` is seconds since the epoch (UTC) or ``datetime64`` (UTC). ``epsg`` defaults
        to the UTM zone of the centroid.
        """
        ta = np.asarray(t)
        if np.issubdtype(ta.dtype, np.datetime64):
            ta = ta.astype("datetime64[s]").astype(np.int64)
        ts = ta.astype(np.int64).ravel()
        lo = np.asarray(lon, dtype=np.float64).ravel()
        la = np.asarray(lat, dtype=np.float64).ravel()
        n = ts.size
        cat = np.full(n, "event") if category is None else np.asarray(category).astype(str).ravel()
        ex = {k: np.asarray(v).ravel() for k, v in (extra or {}).items()}
        if not all(a.size == n for a in (lo, la, cat, *ex.values())):
            raise ValueError("t, lon, lat, category and extra columns differ in length")
        if epsg is None:
            epsg = utm_epsg(float(np.mean(lo)), float(np.mean(la))) if n else 4326
        if n and epsg != 4326:
            tr = Transformer.from_crs(4326, epsg, always_xy=True)
            x, y = tr.transform(lo, la)
            x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
        else:
            x, y = lo.copy(), la.copy()
        order = np.argsort(ts, kind="stable")
        return cls(
            t=ts[order],
            category=cat[order],
            lon=lo[order],
            lat=la[order],
            x=x[order],
            y=y[order],
            epsg=int(epsg),
            timezone=timezone,
            extra={k: v[order] for k, v in ex.items()},
        )

    @classmethod
    def from_xy(
        cls,
        t: ArrayLike,
        x: ArrayLike,
        y: ArrayLike,
        category: ArrayLike | None = None,
        *,
        epsg: int = 32617,
        timezone: str = "UTC",
    ) -> EventSet:
        """Events already in projected metres (handy for simulations); lon/lat are derived."""
        xa = np.asarray(x, dtype=np.float64).ravel()
        ya = np.asarray(y, dtype=np.float64).ravel()
        lon, lat = Transformer.from_crs(epsg, 4326, always_xy=True).transform(xa, ya)
        ev = cls.from_arrays(t, lon, lat, category, epsg=epsg, timezone=timezone)
        order = np.argsort(np.asarray(t).astype(np.int64).ravel(), kind="stable")
        return ev.replace(x=xa[order], y=ya[order])

    def replace(self, **changes: Any) -> EventSet:
        values = {k: getattr(self, k) for k in self.__dataclass_fields__}
        values.update(changes)
        return EventSet(**values)

    def __len__(self) -> int:
        return int(self.t.size)

    def subset(self, mask: NDArray[np.bool_] | NDArray[np.intp] | slice) -> EventSet:
        """Events selected by a boolean mask, a sorted integer index or a slice (a view)."""
        return self.replace(
            t=self.t[mask],
            category=self.category[mask],
            lon=self.lon[mask],
            lat=self.lat[mask],
            x=self.x[mask],
            y=self.y[mask],
            extra={k: v[mask] for k, v in self.extra.items()},
        )

    def between(self, start: TimeLike | None = None, end: TimeLike | None = None) -> EventSet:
        """Events with ``start <= t < end`` (either bound may be omitted)."""
        lo = 0 if start is None else int(np.searchsorted(self.t, self.instant(start), "left"))
        hi = len(self) if end is None else int(np.searchsorted(self.t, self.instant(end), "left"))
        return self.subset(slice(lo, max(lo, hi)))

    def of_category(self, category: str | None) -> EventSet:
        """Events of one category (all events when ``category`` is None)."""
        if category is None:
            return self
        return self.subset(self.category == category)

    @property
    def categories(self) -> list[str]:
        """Sorted distinct categories."""
        return sorted({str(c) for c in np.unique(self.category)})

    @property
    def times(self) -> NDArray[np.datetime64]:
        """Times as ``datetime64[s]`` in UTC."""
        return self.t.astype("datetime64[s]")

    def instant(self, value: TimeLike) -> int:
        """Seconds since the epoch (UTC) for a time given in the event set's terms.

        Integers are already epoch seconds; aware datetimes are converted; naive
        datetimes, ``datetime64`` values, dates and ISO strings without an offset are
        wall-clock times in ``self.timezone``.
        """
        return to_instant(value, self.timezone)

    def local_date(self, instant: int) -> dt.date:
        """The calendar date in ``self.timezone`` at ``instant``."""
        return dt.datetime.fromtimestamp(instant, ZoneInfo(self.timezone)).date()


def to_instant(value: TimeLike, timezone: str = "UTC") -> int:
    """Seconds since the epoch for ``value``; naive values are local in ``timezone``."""
    if isinstance(value, bool):
        raise TypeError("a time cannot be a bool")
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, np.datetime64):
        value = value.astype("datetime64[s]").item()
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        value = dt.datetime.combine(value, dt.time())
    if not isinstance(value, dt.datetime):
        raise TypeError(f"cannot read {value!r} as a time")
    if value.tzinfo is None:
        value = value.replace(tzinfo=ZoneInfo(timezone))
    return math.floor(value.timestamp())


def _parse_times(raw: pd.Series, timezone: str) -> NDArray[np.int64]:
    """Epoch seconds per string; -1 marks an unreadable value (pre-1970 is refused)."""
    out = np.full(len(raw), -1, dtype=np.int64)
    s = raw.fillna("").astype(str).str.strip()
    has_offset = s.str.contains(_OFFSET).to_numpy()
    if (~has_offset).any():
        naive = pd.to_datetime(s[~has_offset], format="ISO8601", errors="coerce")
        ok = naive.notna().to_numpy()
        local = naive.dt.tz_localize(
            timezone, ambiguous=np.ones(len(naive), dtype=bool), nonexistent="shift_forward"
        )
        secs = local.dt.tz_convert(None).to_numpy().astype("datetime64[s]").astype(np.int64)
        vals = np.where(ok, secs, -1)
        out[~has_offset] = vals
    if has_offset.any():
        aware = pd.to_datetime(s[has_offset], format="ISO8601", errors="coerce", utc=True)
        ok = aware.notna().to_numpy()
        secs = aware.dt.tz_convert(None).to_numpy().astype("datetime64[s]").astype(np.int64)
        out[has_offset] = np.where(ok, secs, -1)
    out[out < 0] = -1
    return out


def load_events(
    path: str | Path,
    *,
    timezone: str = "America/Toronto",
    epsg: int | None = None,
) -> EventSet:
    """Read a CSV of events (``occurred_at, category, lat, lon`` plus any extra columns).

    The file may be gzip-compressed. Every row is checked; the first faulty one is
    reported as :class:`EventFileError` with its line number and the fault (missing
    column, bad date, non-numeric or out-of-range coordinates, empty category), plus
    how many rows are faulty in all.

    Parameters
    ----------
    path : path to a ``.csv`` or ``.csv.gz`` file.
    timezone : IANA zone of times written without an offset.
    epsg : projection for ``x``/``y``; default the UTM zone of the centroid.
    """
    try:
        df = pd.read_csv(path, dtype=str, keep_default_na=False, skipinitialspace=True)
    except pd.errors.EmptyDataError as exc:
        raise EventFileError(1, "the file is empty") from exc
    except pd.errors.ParserError as exc:
        m = re.search(r"line (\d+)", str(exc))
        row = int(m.group(1)) if m else 0
        raise EventFileError(row, f"cannot split the line into columns ({exc})") from exc
    except UnicodeDecodeError as exc:
        raise EventFileError(0, f"the file is not UTF-8 text ({exc.reason})") from exc
    df.columns = [str(c).strip() for c in df.columns]
    missing = [c for c in REQUIRED_COLUMNS if c not in df.columns]
    if missing:
        raise EventFileError(1, f"missing column(s) {', '.join(missing)} in the header")
    if df.empty:
        raise EventFileError(2, "the file has a header but no events")

    t = _parse_times(df["occurred_at"], timezone)
    lat = pd.to_numeric(df["lat"].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    lon = pd.to_numeric(df["lon"].str.strip(), errors="coerce").to_numpy(dtype=np.float64)
    cat = df["category"].str.strip().to_numpy(dtype=str)
    faults: list[tuple[NDArray[np.bool_], str, str]] = [
        (t < 0, "bad date", "occurred_at"),
        (np.isnan(lat) | np.isnan(lon), "coordinates are not numbers", ""),
        (
            (np.abs(lat) > 90) | (np.abs(lon) > 180) | ((lat == 0) & (lon == 0)),
            "coordinates out of range",
            "",
        ),
        (cat == "", "empty category", "category"),
    ]
    bad_any = np.zeros(len(df), dtype=bool)
    first: tuple[int, str] | None = None
    for mask, what, col in faults:
        mask = mask & ~bad_any
        if mask.any():
            i = int(np.argmax(mask))
            if col:
                detail = f"{what}: {col}={df[col].iloc[i]!r}"
            else:
                detail = f"{what}: lat={df['lat'].iloc[i]!r}, lon={df['lon'].iloc[i]!r}"
            if first is None or i < first[0]:
                first = (i, detail)
            bad_any |= mask
    if first is not None:
        n_bad = int(bad_any.sum())
        more = f" ({n_bad} faulty rows in all)" if n_bad > 1 else ""
        raise EventFileError(first[0] + 2, first[1] + more)

    extra = {c: df[c].to_numpy(dtype=str) for c in df.columns if c not in REQUIRED_COLUMNS}
    return EventSet.from_arrays(t, lon, lat, cat, epsg=epsg, timezone=timezone, extra=extra)
