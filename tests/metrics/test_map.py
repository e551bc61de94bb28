"""The dashboard's area map: each unit's value, shades by the indicator's direction, the
legend, scope, and the page's data (text only, no inline script)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.test import Client

from tests.factories import PASSWORD
from tests.metrics import intake_rows as rows
from tests.metrics.conftest import local
from zhian.core.errors import NotFound
from zhian.metrics import selectors
from zhian.metrics.periods import Period

MARCH = Period.month(2026, 3)


def test_counts_shade_from_fewest_to_most_for_an_indicator_that_should_fall(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    for day in (2, 3, 4):
        make_incident(local(2026, 3, day, 9), station="S1")
    make_incident(local(2026, 3, 5, 9), station="S2")
    found = selectors.area_map(people["leader"], "B", "crime_incidents", MARCH)
    by_code = {a.jurisdiction.code: a for a in found.areas}
    assert (by_code["S1"].figure.display, by_code["S2"].figure.display) == ("3", "1")
    assert (by_code["S1"].tone_class, by_code["S2"].tone_class) == (4, 0)  # worst, best
    assert found.legend[0] == (0, "1–1.4") and found.legend[-1] == (4, "2.6–3")
    assert len(found.legend) == 5


def test_rates_shade_the_higher_value_as_better_and_a_dash_has_no_shade(
    tree: dict[str, Any], people: dict[str, Any]
) -> None:
    rows.answer(tree["S1"], at=local(2026, 3, 9, 10), rating="satisfied")
    rows.answer(tree["S1-1"], at=local(2026, 3, 9, 10), rating="satisfied")
    found = selectors.area_map(people["leader"], "B", "satisfaction", MARCH)
    by_code = {a.jurisdiction.code: a for a in found.areas}
    assert by_code["S1"].figure.display == "100.0%" and by_code["S1"].tone_class == 0
    assert by_code["S2"].figure.display == "—" and by_code["S2"].tone_class is None
    assert found.legend == [(0, "100.0%–100.0%")]
    # A station's map shows its sectors; another station's is not found
    s1 = selectors.area_map(people["s1_leader"], "S1", "satisfaction", MARCH)
    assert [a.jurisdiction.code for a in s1.areas] == ["S1-1", "S1-2"]
    with pytest.raises(NotFound):
        selectors.area_map(people["s1_leader"], "S2", "satisfaction", MARCH)


def test_the_dashboard_page_carries_the_map_as_json_data_and_a_table(
    tree: dict[str, Any], people: dict[str, Any], make_incident: Any
) -> None:
    make_incident(local(2026, 3, 2, 9), station="S2")
    c = Client()
    assert c.login(username=people["leader"].username, password=PASSWORD)
    html = c.get("/metrics/?j=B&kind=month&m=2026-03&map=crime_incidents").content.decode()
    data = json.loads(
        re.search(
            r'<script id="kpi-map-data" type="application/json">(.*?)</script>', html, re.S
        ).group(1)  # type: ignore[union-attr]
    )
    props = {f["properties"]["code"]: f["properties"] for f in data["features"]}
    assert props["S2"]["display"] == "1" and props["S1"]["display"] == "0"
    assert props["S2"]["drill"].startswith("/metrics/drill/crime_incidents/?j=S2")
    assert data["features"][0]["geometry"]["type"] in ("Polygon", "MultiPolygon")
    assert 'id="kpi-map-legend"' in html and 'id="kpi-map-table"' in html
    # No inline script code: only the JSON data block and external files
    scripts = re.findall(r"<script(?![^>]*\bsrc=)([^>]*)>", html)
    assert all('type="application/json"' in attrs for attrs in scripts)
    # Without a chosen indicator, no map is computed
    assert "kpi-map-data" not in c.get("/metrics/?j=B&kind=month&m=2026-03").content.decode()
    # An unknown indicator is a 404, not an error page
    assert c.get("/metrics/?j=B&kind=month&m=2026-03&map=nope").status_code == 404
