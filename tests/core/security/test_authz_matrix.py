"""The authorisation matrix: every endpoint (every page from the URL configuration, every
operation from the OpenAPI description) × every role × an object in the user's scope and one
outside it, compared with the written table in ``tests/<app>/authz_expected.csv`` (each app
keeps its own rows; every such file is read). A new endpoint without rows fails with the
rows to add.

Each role is held on station S1; "in" objects belong to S1, "out" objects to S2; each app
supplies its objects in ``tests/<app>/authz_objects.py`` (found automatically); an app's
own values win for its own endpoints (``party_id`` is a case party under ``/cases/`` and a
dispute party under ``/grid/``), other apps' values fill the rest (``incident_id``). The
request is a GET for pages and an empty JSON body for API writes, so a write row records
whether the caller got past scope and role (a 422 for the empty body) or was stopped (403,
404). To regenerate after a deliberate change: ``ZHIAN_AUTHZ_WRITE=1 pytest <this file>``
writes ``tests/core/security/authz_observed.csv``; review the diff, then copy the rows into
the owning app's file."""

from __future__ import annotations

import csv
import importlib
import importlib.util
import os
import re
from datetime import date, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from django.urls.resolvers import RegexPattern

from tests.factories import Role, UserFactory
from zhian.api import api

pytestmark = pytest.mark.django_db
TESTS = Path(__file__).resolve().parents[2]
OBSERVED = Path(__file__).with_name("authz_observed.csv")
SKIP_PREFIXES = ("admin/", "api/", "i18n/", "static/")
# Apps merged before their matrix rows were written: their endpoints are not checked yet.
# Each leaves this set when it gains tests/<app>/authz_objects.py and authz_expected.csv;
# an app not named here is checked from its first endpoint.
PENDING_APPS: frozenset[str] = frozenset()
PARAM = re.compile(r"<(?:\w+:)?(\w+)>|\{(\w+)\}")
REGEX_GROUP = re.compile(r"\(\?P<(\w+)>[^)]*\)")
# (method, path) → the app that owns it (its objects fill its path parameters first).
OWNER: dict[tuple[str, str], str] = {}


def _route(pattern: Any) -> str:
    """A route as written; a regular expression (``^requests/(?P<request_id>[\\w-]+)\\.
    (?P<fmt>[a-z]+)$``) in the same ``<name>`` form (``requests/<request_id>.<fmt>``)."""
    if not isinstance(pattern, RegexPattern):
        return str(pattern)
    text = REGEX_GROUP.sub(r"<\1>", str(pattern)).removeprefix("^").removesuffix("$")
    return text.replace("\\", "")


def page_endpoints() -> list[tuple[str, str]]:
    found: list[tuple[str, str]] = []

    def walk(patterns: list[Any], prefix: str) -> None:
        for p in patterns:
            route = prefix + _route(p.pattern)
            if route.startswith(SKIP_PREFIXES):
                continue
            if isinstance(p, URLResolver):
                walk(p.url_patterns, route)
            elif isinstance(p, URLPattern) and _app(p.callback.__module__) not in PENDING_APPS:
                found.append(("PAGE", "/" + route))
                OWNER[found[-1]] = _app(p.callback.__module__)

    walk(get_resolver().url_patterns, "")
    return sorted(set(found))


# (method, path) → the query parameters an operation is called with: every required one
# and any ``jurisdiction`` filter (so a station's figures are asked for in and out of scope).
QUERY: dict[tuple[str, str], list[dict[str, Any]]] = {}


def api_endpoints() -> list[tuple[str, str]]:
    schema = api.get_openapi_schema(path_prefix="/api/v1")
    found = []
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            app = _app(operation["operationId"].replace("_", "."))
            if method in {"get", "post", "put", "patch", "delete"} and app not in PENDING_APPS:
                found.append((method.upper(), path))
                OWNER[found[-1]] = app
                QUERY[found[-1]] = [
                    p
                    for p in operation.get("parameters", [])
                    if p["in"] == "query" and (p.get("required") or p["name"] == "jurisdiction")
                ]
    return sorted(found)


BBOX = {"west": "120.0", "south": "30.0", "east": "120.01", "north": "30.01"}


def query_for(method: str, path: str, jurisdiction: str) -> str:
    """The query string: the scope's jurisdiction code, the last 30 days for a date range,
    last month for a ``YYYY-MM``; an unknown required parameter fails with what to add."""
    today = date.today()
    values: dict[str, str] = {}
    for param in QUERY.get((method, path), []):
        name, schema = param["name"], param.get("schema", {})
        if name == "jurisdiction":
            values[name] = jurisdiction
        elif schema.get("format") == "date" and name in {"start", "since"}:
            values[name] = (today - timedelta(days=30)).isoformat()
        elif schema.get("format") == "date" and name in {"end", "until"}:
            values[name] = today.isoformat()
        elif schema.get("pattern") == r"^\d{4}-\d{2}$":
            values[name] = (today.replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
        elif name in BBOX:  # a small map view inside station S1 (tests/factories.py)
            values[name] = BBOX[name]
        else:
            pytest.fail(f"authz matrix: no value for query parameter {name!r} of {method} {path}")
    return "?" + urlencode(values) if values else ""


def _app(module: str) -> str:
    """``zhian.records.views`` (or an operation id ``zhian_records_api_…``) → ``records``."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "zhian" else parts[0]


ENDPOINTS = page_endpoints() + api_endpoints()
ROLES = sorted(r.value for r in Role)


def expected_rows() -> dict[tuple[str, str, str, str], str]:
    rows: dict[tuple[str, str, str, str], str] = {}
    for path in sorted(TESTS.glob("*/authz_expected.csv")) + sorted(
        TESTS.glob("*/*/authz_expected.csv")
    ):
        with path.open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                rows[(row["method"], row["path"], row["role"], row["scope"])] = row["status"]
    return rows


def object_providers() -> list[tuple[str, Any]]:
    """Every ``tests/<app>/authz_objects.py`` with ``authz_objects(tree) -> {"in": {param:
    value}, "out": {...}}``: each app supplies the objects its path parameters name."""
    found = []
    for path in sorted(TESTS.glob("*/authz_objects.py")):
        spec = importlib.util.spec_from_file_location(f"authz_objects_{path.parent.name}", path)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        found.append((path.parent.name, module.authz_objects))
    return found


World = dict[str, dict[str, dict[str, str]]]


@pytest.fixture
def world(
    tree: dict[str, Any],
    settings: Any,
    tmp_path: Path,
    django_capture_on_commit_callbacks: Any,
) -> World:
    """``{app: {scope: {param: value}}}``: core's objects (jurisdictions S1 / S2) and
    every app's (``authz_objects.py``, under the app's name). Uploaded files
    (evidence, photos) go to a temporary media root; they are written on commit, so the
    providers' commit callbacks run."""
    settings.MEDIA_ROOT = tmp_path
    out: World = {"core": {"in": {"code": "S1"}, "out": {"code": "S2"}}}
    for scope, station in (("in", "S1"), ("out", "S2")):  # 账号与角色: an account and its role
        account = UserFactory(
            username=f"authz_account_{scope}", roles=[(Role.PATROL_OFFICER, tree[station])]
        )
        out["core"][scope]["user_id"] = str(account.pk)
        out["core"][scope]["assignment_id"] = str(account.role_assignments.get().pk)
    with django_capture_on_commit_callbacks(execute=True):
        for app, provide in object_providers():
            out[app] = {scope: dict(values) for scope, values in provide(tree).items()}
    return out


def values_for(world: World, method: str, path: str, scope: str) -> dict[str, str]:
    """Every app's values for ``scope``; core's win over other apps', the owning app's win
    over all (``code`` is a jurisdiction except under ``/open311/`` or ``/metrics/``)."""
    owner = OWNER.get((method, path), "")
    merged: dict[str, str] = {}
    for app in sorted(world, key=lambda a: (a == owner, a == "core")):
        merged.update(world[app].get(scope, {}))
    return merged


def fill(path: str, values: dict[str, str], token_id: str) -> str:
    def one(m: re.Match[str]) -> str:
        name = m.group(1) or m.group(2)
        if name == "token_id":
            return token_id
        if name not in values:
            pytest.fail(
                f"authz matrix: no object for path parameter {name!r} in {path}: return one "
                "from authz_objects() in tests/<app>/authz_objects.py"
            )
        return values[name]

    return PARAM.sub(one, path)


# Every write names a version no object has: an update that gets past scope and role is
# refused as stale (412) and changes nothing; one that does not is 403 / 404 (never 428,
# which would only say the header is missing).
STALE = {"If-Match": str(2**31)}


def observe(tree: dict[str, Any], world: World) -> dict[tuple[str, str, str, str], str]:
    from zhian.core.services.tokens import do_create_token

    seen: dict[tuple[str, str, str, str], str] = {}
    other = UserFactory(username="authz_other", roles=[(Role.DISPATCHER, tree["S2"])])
    their_token = str(do_create_token(acting_user=other, name="theirs")[0].pk)
    for role in ROLES:
        user = UserFactory(username=f"authz_{role}", roles=[(Role(role), tree["S1"])])
        own_token = str(do_create_token(acting_user=user, name="mine")[0].pk)
        client = Client()
        client.force_login(user)
        for method, path in ENDPOINTS:
            for scope in ("in", "out"):
                token = own_token if scope == "in" else their_token
                url = fill(path, values_for(world, method, path, scope), token)
                url += query_for(method, path, world["core"][scope]["code"])
                if method == "PAGE":
                    response = client.get(url)
                else:
                    response = client.generic(
                        method, url, "{}", content_type="application/json", headers=STALE
                    )
                seen[(method, path, role, scope)] = str(response.status_code)
    return seen


def test_every_endpoint_role_and_scope_is_as_written(tree: dict[str, Any], world: World) -> None:
    observed = observe(tree, world)
    if os.environ.get("ZHIAN_AUTHZ_WRITE"):
        with OBSERVED.open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(["method", "path", "role", "scope", "status"])
            for key in sorted(observed):
                writer.writerow([*key, observed[key]])
    expected = expected_rows()
    missing = sorted(
        {(m, p) for (m, p, _r, _s) in observed if (m, p, ROLES[0], "in") not in expected}
    )
    assert not missing, (
        "endpoints without rows in any tests/<app>/authz_expected.csv (add a row per role "
        "and scope; ZHIAN_AUTHZ_WRITE=1 writes the observed rows to "
        f"{OBSERVED.name} for review): {missing}"
    )
    differ = {k: (expected.get(k), v) for k, v in observed.items() if expected.get(k) != v}
    assert not differ, f"authorisation differs from the table (expected, observed): {differ}"


# Public by design (the citizen portal, Open311): no scope to leave, no staff data shown.
PUBLIC_PREFIXES = ("/s/", "/open311/")


def names_a_scoped_object(path: str) -> bool:
    """Whether a path parameter names something that belongs to a station (not a file
    format, nor an indicator of the bureau's one table under ``/metrics/``)."""
    names = {m.group(1) or m.group(2) for m in PARAM.finditer(path)} - {"fmt"}
    if path.startswith("/metrics/"):
        names -= {"code"}
    return bool(names) and not path.startswith(PUBLIC_PREFIXES)


def test_no_role_reaches_an_object_outside_its_scope() -> None:
    """Independent of the table's review: outside S1 no page or operation that names a
    station's object answers anything but a refusal, for any role."""
    for (method, path, role, scope), status in expected_rows().items():
        if scope == "out" and names_a_scoped_object(path):
            assert status in {"401", "403", "404", "405", "422"}, (method, path, role, status)
