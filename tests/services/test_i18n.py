"""The app's own English catalogue is complete and compiled; error messages of the
operations are marked for translation."""

from __future__ import annotations

import ast
from pathlib import Path

from django.utils import translation
from django.utils.translation import gettext, ngettext, pgettext

from tests.core.test_i18n import ERRORS, _bare_chinese, _po_entries

REPO = Path(__file__).resolve().parents[2]
CATALOGUE = REPO / "zhian" / "services" / "locale" / "en" / "LC_MESSAGES" / "django.po"


def _translate(entry: dict[str, str]) -> str:
    ctx = entry.get("msgctxt")
    return pgettext(ctx, entry["msgid"]) if ctx else gettext(entry["msgid"])


def test_every_message_has_an_english_translation_compiled() -> None:
    """Every msgstr filled, compiled, and (as Django merges catalogues, the project's
    first) the same as the project catalogue's for a msgid both hold."""
    entries = _po_entries(CATALOGUE)
    assert len(entries) > 300
    problems = []
    with translation.override("en"):
        for e in entries:
            if "fuzzy" in e["flags"]:
                problems.append(("fuzzy", e["msgid"]))
            elif "msgid_plural" in e:
                wanted = [e.get("msgstr[0]", ""), e.get("msgstr[1]", "")]
                got = [ngettext(e["msgid"], e["msgid_plural"], n) for n in (1, 2)]
                if not all(wanted) or got != wanted:
                    problems.append(("plural", e["msgid"]))
            elif not e.get("msgstr") or _translate(e) != e["msgstr"]:
                problems.append(("missing or not compiled", e["msgid"]))
    assert problems == []


def test_operation_errors_are_marked_for_translation() -> None:
    bare = []
    modules = [
        *sorted((REPO / "zhian" / "services" / "operations").glob("*.py")),
        REPO / "zhian" / "services" / "selectors.py",
        REPO / "zhian" / "services" / "api.py",
    ]
    for path in modules:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                name = getattr(node.func, "id", None) or getattr(node.func, "attr", None)
                if name in ERRORS or name == "RateLimited":
                    for arg in [*node.args, *(k.value for k in node.keywords)]:
                        bare += [f"{path.name}:{line}" for line in _bare_chinese(arg)]
    assert bare == []
