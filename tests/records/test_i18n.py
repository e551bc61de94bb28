"""Records messages follow the request's language (English catalogue complete)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import translation

from tests.records.factories import open_case
from zhian.core.errors import Conflict
from zhian.records.services.cases import do_move_case

PO = Path(__file__).resolve().parents[2] / "zhian/records/locale/en/LC_MESSAGES/django.po"


def test_every_message_has_an_english_translation() -> None:
    text = PO.read_text(encoding="utf-8")
    # an empty msgstr is one not followed by continuation lines
    empty = re.findall(r'\nmsgid "(.+)"\nmsgstr ""\n(?!")', text)
    assert empty == []
    assert "#, fuzzy" not in text


def test_refusal_in_english(people: dict[str, Any]) -> None:
    case = open_case(people["officer"])
    with translation.override("en"), pytest.raises(Conflict) as refused:
        do_move_case(
            case, acting_user=people["officer"], target="closed", expected_version=case.version
        )
    assert refused.value.message == (
        "The case cannot move from “Accepted” to “Closed” (allowed: Filed, Not filed)"
    )


def test_board_page_in_english(people: dict[str, Any]) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(people["supervisor"])
    client.cookies["django_language"] = "en"
    page = client.get("/cases/board/").content.decode()
    assert "No overdue deadlines." in page
