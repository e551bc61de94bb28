"""Simplified Chinese by default; English on request."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

pytestmark = pytest.mark.django_db


def test_default_language_is_simplified_chinese(client: Client) -> None:
    page = client.get("/login/").content.decode()
    assert 'lang="zh-hans"' in page
    assert "登录" in page


def test_switching_to_english_persists(client: Client, station_users: dict[str, Any]) -> None:
    client.force_login(station_users["leader"])
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    page = client.get("/").content.decode()
    assert 'lang="en"' in page
    assert "Jurisdiction overview" in page
    assert "辖区概览" not in page


# --------------------------------------------------------------------------- catalogue

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "zhian" / "locale" / "en" / "LC_MESSAGES" / "django.po"
CJK = re.compile(r"[\u4e00-\u9fff]")


def _po_entries(path: Path) -> list[dict[str, Any]]:
    """Entries of a .po file: msgctxt, msgid, msgid_plural, msgstr (or msgstr[n]), flags."""
    entries: list[dict[str, Any]] = []
    for block in path.read_text(encoding="utf-8").split("\n\n"):
        entry: dict[str, Any] = {"flags": set()}
        key = None
        for line in block.splitlines():
            if line.startswith("#,"):
                entry["flags"] |= {f.strip() for f in line[2:].split(",")}
            elif line.startswith("#"):
                continue
            elif line.startswith('"') and key:
                entry[key] += ast.literal_eval(line)
            elif line.strip():
                key, _, value = line.partition(" ")
                entry[key] = ast.literal_eval(value)
        if entry.get("msgid"):
            entries.append(entry)
    return entries


def test_every_message_has_an_english_translation_compiled() -> None:
    """No empty or fuzzy msgstr in the English catalogue, and the compiled .mo says the same
    (so `compilemessages` was run after the last edit)."""
    entries = _po_entries(CATALOGUE)
    assert len(entries) > 300
    untranslated, stale = [], []
    with translation.override("en"):
        for e in entries:
            if "fuzzy" in e["flags"]:
                untranslated.append(("fuzzy", e["msgid"]))
                continue
            if "msgid_plural" in e:
                wanted = [e.get("msgstr[0]", ""), e.get("msgstr[1]", "")]
                got = [ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
            else:
                wanted = [e.get("msgstr", "")]
                ctx = e.get("msgctxt")
                got = [pgettext(ctx, e["msgid"]) if ctx else gettext(e["msgid"])]
            if not all(wanted):
                untranslated.append(("empty", e["msgid"]))
            elif got != wanted:
                stale.append((e["msgid"], got, wanted))
    assert untranslated == []
    assert stale == [], "run compilemessages"


# Modules whose ServiceError messages reach pages and the API. (Jurisdiction-file import
# faults are CLI output and stay in the site language.)
SERVICE_MODULES = [
    *sorted((REPO / "zhian" / "core" / "services").glob("*.py")),
    *sorted((REPO / "zhian" / "dispatch" / "services").glob("*.py")),
    REPO / "zhian" / "core" / "scoping.py",
    REPO / "zhian" / "core" / "selectors.py",
    REPO / "zhian" / "core" / "concurrency.py",
    REPO / "zhian" / "core" / "api.py",
    *sorted((REPO / "zhian" / "dispatch" / "selectors").glob("*.py")),
    REPO / "zhian" / "api.py",
]
ERRORS = {
    "ServiceError",
    "ValidationFailed",
    "NotFound",
    "PermissionDenied",
    "Conflict",
    "PreconditionFailed",
    "PreconditionRequired",
    "LoginLocked",
    "LoginFailed",
}
GETTEXT = {"_", "gettext", "gettext_lazy", "pgettext", "ngettext"}


def _bare_chinese(node: ast.AST) -> list[int]:
    """Lines of Chinese string literals in ``node`` not inside a gettext call."""
    if isinstance(node, ast.Call) and getattr(node.func, "id", None) in GETTEXT:
        return []
    if isinstance(node, ast.Constant) and isinstance(node.value, str) and CJK.search(node.value):
        return [node.lineno]
    return [line for child in ast.iter_child_nodes(node) for line in _bare_chinese(child)]


def test_service_error_messages_are_marked_for_translation() -> None:
    bare = []
    for path in SERVICE_MODULES:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
            if name in ERRORS or name == "problem":
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    bare += [f"{path.relative_to(REPO)}:{line}" for line in _bare_chinese(arg)]
    assert bare == []


def test_service_message_on_a_page_follows_the_language(
    client: Client, station_users: dict[str, Any]
) -> None:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    page = client.post("/login/", {"username": "leader", "password": "wrong"}).content.decode()
    assert "Wrong username or password" in page and "用户名或密码错误" not in page
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "zh-hans"
    page = client.post("/login/", {"username": "leader", "password": "wrong"}).content.decode()
    assert "用户名或密码错误" in page
