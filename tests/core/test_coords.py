"""GCJ-02 ⇄ WGS84."""

from __future__ import annotations

import math

from hypothesis import given
from hypothesis import strategies as st

from zhian.analytics.routing import haversine_m
from zhian.core.coords import gcj02_to_wgs84, outside_china, wgs84_to_gcj02


def test_known_offset_in_beijing_is_hundreds_of_metres() -> None:
    lon, lat = 116.3912757, 39.906217  # Tiananmen, WGS84
    g = wgs84_to_gcj02(lon, lat)
    offset = float(haversine_m([g], (lon, lat))[0])
    assert 100 < offset < 700


@given(st.floats(73.0, 135.0), st.floats(18.0, 53.0))
def test_inverse_round_trips_within_a_millimetre(lon: float, lat: float) -> None:
    back = gcj02_to_wgs84(*wgs84_to_gcj02(lon, lat))
    assert math.isclose(back[0], lon, abs_tol=1e-8)
    assert math.isclose(back[1], lat, abs_tol=1e-8)


def test_outside_china_is_unchanged() -> None:
    assert outside_china(24.94, 60.17)
    assert gcj02_to_wgs84(24.94, 60.17) == (24.94, 60.17)
