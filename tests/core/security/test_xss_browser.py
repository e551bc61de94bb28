"""Stored script injection, by class: objects named with script payloads are shown on every
page that shows them (maps with every tooltip opened, lists, the incident page), and no
dialog fires and no Content-Security-Policy violation is reported.

A failure here means some code put a server string into the DOM as HTML (Leaflet tooltip
from a string, ``innerHTML`` concatenation) or a template grew inline script or style."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from django.apps import apps as django_apps
from playwright.sync_api import Dialog

from tests.browser import log_in
from tests.factories import Role, UserFactory, feature, rect
from zhian.core.services.jurisdictions import do_import_jurisdictions
from zhian.dispatch.models import IncidentCategory
from zhian.dispatch.services import incidents as incident_services
from zhian.dispatch.services.assignments import do_dispatch_units
from zhian.dispatch.services.units import do_register_unit

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

IMG = "<img src=x onerror=alert(1)>"
SVG = '"><svg onload=alert(2)>'
# Records every CSP violation and every alert the page tries, before any page script runs.
WATCH = """
window.__csp = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__csp.push([e.violatedDirective, e.blockedURI, e.sourceFile, e.lineNumber].join(" "));
});
"""
OPEN_TOOLTIPS = """
(() => {
  const el = document.getElementById("map");
  if (!el || !el.zhianMap) return -1;
  let n = 0;
  el.zhianMap.eachLayer((l) => { if (l.getTooltip && l.getTooltip()) { l.openTooltip(); n++; } });
  return n;
})()
"""


@pytest.fixture
def hostile(db: Any) -> dict[str, Any]:
    """A bureau whose station, sector, category, units and incident carry script payloads."""
    seed = importlib.import_module("zhian.dispatch.migrations.0002_seed_categories_and_plans")
    if not IncidentCategory.objects.exists():
        seed.seed(django_apps, None)
    features = [
        feature("X", "bureau", None, rect(120.0, 30.0, 120.04, 30.04), f"分局{SVG}"),
        feature("X-1", "station", "X", rect(120.0, 30.0, 120.04, 30.04), IMG),
        feature("X-1-1", "sector", "X-1", rect(120.0, 30.0, 120.04, 30.04), SVG),
    ]
    do_import_jurisdictions({"type": "FeatureCollection", "features": features}, acting_user=None)
    from zhian.core.models import Jurisdiction

    station = Jurisdiction.objects.get(code="X-1")
    bureau = Jurisdiction.objects.get(code="X")
    admin = UserFactory(username="xss_admin", roles=[(Role.ADMINISTRATOR, bureau)])
    dispatcher = UserFactory(username="xss_disp", roles=[(Role.DISPATCHER, bureau)])
    parent = IncidentCategory.objects.filter(parent__isnull=True).first()
    category = IncidentCategory.objects.create(
        code="XSS1", name=IMG, name_en=SVG, parent=parent, default_priority=1
    )
    units = [
        do_register_unit(
            acting_user=admin,
            call_sign=name,
            station=station,
            kind="patrol_car",
            lon=120.01 + 0.005 * i,
            lat=30.01,
        )
        for i, name in enumerate((IMG, SVG))
    ]
    incident = incident_services.do_create_incident(
        incident_services.IncidentInput(
            channel="call_110",
            category_code=category.code,
            address=f"路口{IMG}",
            lon=120.02,
            lat=30.02,
            narrative=SVG,
            caller_name=IMG[:60],
        ),
        acting_user=dispatcher,
    ).incident
    do_dispatch_units(incident, [units[0].pk], acting_user=dispatcher)
    return {"user": dispatcher, "incident": incident, "station": station}


def open_and_check(page: Any, url: str, ready: str, dialogs: list[str]) -> int:
    """Open ``url`` under the CSP, wait for ``ready``, open every map tooltip; assert no
    payload ran and no violation was reported. Returns how many tooltips were opened."""
    response = page.goto(url)
    assert response is not None and response.status == 200, url
    assert "script-src 'self'" in (response.headers.get("content-security-policy") or "")
    page.wait_for_selector(ready, state="attached")
    opened = int(page.evaluate(OPEN_TOOLTIPS))
    page.wait_for_timeout(150)
    assert dialogs == [], f"{url}: a payload ran: {dialogs}"
    violations = page.evaluate("window.__csp")
    assert violations == [], f"{url}: CSP violations {violations}"
    return opened


def test_script_payload_names_never_run_on_any_page(
    browser_context: Any, live_server: Any, hostile: dict[str, Any], password: str
) -> None:
    # Given a signed-in dispatcher whose bureau is full of hostile names
    browser_context.add_init_script(WATCH)
    page = browser_context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    console: list[str] = []
    page.on("console", lambda m: console.append(m.text))
    log_in(page, live_server, hostile["user"].username, password)
    incident = hostile["incident"]

    pages = {
        "/": "#map[data-features]",
        "/jurisdictions/": "table",
        f"/jurisdictions/{hostile['station'].code}/": "#map[data-features]",
        "/dispatch/": "#map[data-incidents='1']",
        f"/dispatch/incidents/{incident.pk}/": "#map[data-units]",
        "/dispatch/incidents/": "table",
        "/dispatch/units/": "table",
        "/dispatch/coverage/": "#map",
        "/dispatch/new/": "#map[data-scope]",
    }
    for path, ready in pages.items():
        # When each page is opened and every tooltip on its map is shown, nothing runs
        opened = open_and_check(page, f"{live_server.url}{path}", ready, dialogs)
        if path == "/dispatch/":
            # ... and the payloads are on the map as text (so the test did reach them)
            assert opened >= 3
            tips = page.inner_text(".leaflet-tooltip-pane")
            assert IMG in tips and SVG in tips
        if path == f"/dispatch/incidents/{incident.pk}/":
            assert IMG in page.inner_text(".leaflet-tooltip-pane")
    # The home map's jurisdiction tooltips too (loaded by fetch, opened above).
    page.goto(f"{live_server.url}/")
    page.wait_for_selector("#map[data-features]")
    page.evaluate("document.getElementById('map').removeAttribute('data-features')")
    page.select_option("#map-kind", "sector")
    page.wait_for_selector("#map[data-features='1']", state="attached")
    page.evaluate(OPEN_TOOLTIPS)
    assert SVG in page.inner_text(".leaflet-tooltip-pane")
    assert dialogs == [] and page.evaluate("window.__csp") == []
    assert not [m for m in console if "Content Security Policy" in m], console


def test_script_payload_names_never_run_on_the_other_apps_pages(
    browser_context: Any, live_server: Any, hostile: dict[str, Any], password: str
) -> None:
    """The same hostile bureau seen by one user holding the roles that open every other
    app's main pages: 案件, 网格, 研判 (maps), 考核 (table, trend chart, area map), 便民服务."""
    from tests.metrics import conftest as metrics_seed
    from zhian.core.models import Jurisdiction
    from zhian.metrics.models import IndicatorDefinition

    if not IndicatorDefinition.objects.exists():  # a transactional test's flush removed them
        metrics_seed._indicators.seed(django_apps, None)
        metrics_seed._wired.wire(django_apps, None)
    bureau = Jurisdiction.objects.get(code="X")
    viewer = UserFactory(
        username="xss_viewer",
        roles=[
            (Role.LEADER, bureau),
            (Role.ANALYST, bureau),
            (Role.COMMUNITY_OFFICER, bureau),
            (Role.SUPERVISOR, bureau),
            (Role.DISPATCHER, bureau),
        ],
    )
    browser_context.add_init_script(WATCH)
    page = browser_context.new_page()
    dialogs: list[str] = []

    def on_dialog(dialog: Dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    log_in(page, live_server, viewer.username, password)
    pages = {
        "/cases/": "main",
        "/grid/": "main",
        "/insights/": "#map",
        "/metrics/": "#kpi-trend-card [data-chart] canvas",
        "/metrics/?map=crime_incidents": "#kpi-map",
        "/services/": "main",
    }
    for path, ready in pages.items():
        open_and_check(page, f"{live_server.url}{path}", ready, dialogs)
        if path.startswith("/metrics/?map"):
            # the station's payload name is on the map as text (the test reached it)
            assert IMG in page.inner_text("#kpi-map")
