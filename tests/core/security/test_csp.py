"""The Content-Security-Policy and the rules that let it be strict: no template holds inline
script, an inline event handler or a style attribute (a new one fails here before it fails
in a browser), every page carries the policy, and the tile server is the only other origin."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.test import Client

from zhian.settings.base import _tile_origin

ROOT = Path(__file__).resolve().parents[3] / "zhian"
TEMPLATES = sorted(p for p in ROOT.rglob("templates/**/*.html"))
INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>", re.I)
EVENT_HANDLER = re.compile(r"\son[a-z]+\s*=", re.I)
STYLE_ATTRIBUTE = re.compile(r"\sstyle\s*=", re.I)
JS_URL = re.compile(r"""(href|src|action)\s*=\s*["']\s*javascript:""", re.I)


def test_templates_exist_to_scan() -> None:
    assert len(TEMPLATES) >= 15
    assert ROOT / "templates" / "base.html" in TEMPLATES


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_template_holds_inline_script_handlers_or_styles(template: Path) -> None:
    text = template.read_text(encoding="utf-8")
    for rule, pattern in (
        ("inline <script> (put code in a static file, data in json_script)", INLINE_SCRIPT),
        ("inline event handler (use data-* and a listener in a static file)", EVENT_HANDLER),
        ("style attribute (use a class, or data-colour set through the CSSOM)", STYLE_ATTRIBUTE),
        ("javascript: URL", JS_URL),
    ):
        found = pattern.search(text)
        assert found is None, f"{template.relative_to(ROOT)}: {rule}: {found.group(0)!r}"


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/login/", "/api/v1/docs", "/admin/login/"])
def test_every_page_carries_a_strict_policy_and_headers(client: Client, path: str) -> None:
    response = client.get(path)
    policy = response["Content-Security-Policy"]
    directives = dict(d.strip().split(" ", 1) for d in policy.split(";"))
    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["style-src"] == "'self'"
    assert directives["object-src"] == "'none'"
    assert directives["frame-ancestors"] == "'none'"
    assert "unsafe" not in policy and "nonce" not in policy
    assert "geolocation=(self)" in response["Permissions-Policy"]
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    ("url", "origin"),
    [
        ("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png", "https://*.tile.openstreetmap.org"),
        ("https://tiles.example.cn:8443/{z}/{x}/{y}.png", "https://tiles.example.cn:8443"),
        ("", None),
    ],
)
def test_the_tile_server_origin_is_allowed_for_images(url: str, origin: str | None) -> None:
    assert _tile_origin(url) == origin


def test_a_tile_url_that_is_not_http_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured):
        _tile_origin("javascript:alert(1)//{z}")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("path", "kind"),
    [
        ("/jurisdictions/?q=a%00b", "text/plain"),
        ("/jurisdictions/a%00b/", "text/plain"),
        ("/dispatch/incidents/?q=%00", "text/plain"),
        ("/api/v1/jurisdictions/a%00b", "application/problem+json"),
    ],
)
def test_a_nul_in_a_path_or_query_is_a_400_on_every_database(
    client: Client, station_users: dict[str, Any], path: str, kind: str
) -> None:
    client.force_login(station_users["leader"])
    response = client.get(path)
    assert response.status_code == 400
    assert response["Content-Type"].startswith(kind)
