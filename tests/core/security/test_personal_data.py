"""Personal data by rule: short and formatted caller phones are masked on every page and
API response that shows an incident (at most the last 4 visible, never more than half), and
a reveal needs a purpose with real content."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client

from tests.factories import Role, UserFactory
from zhian.core.parties import mask_digits
from zhian.dispatch.services import incidents as incident_services

pytestmark = pytest.mark.django_db

PHONES = ["1234567", "0571-8888666", "13800001111", "110"]


@pytest.fixture
def calls(tree: dict[str, Any]) -> dict[str, Any]:
    import importlib

    from django.apps import apps

    from zhian.dispatch.models import IncidentCategory

    if not IncidentCategory.objects.exists():
        importlib.import_module("zhian.dispatch.migrations.0002_seed_categories_and_plans").seed(
            apps, None
        )
    dispatcher = UserFactory(username="jj", roles=[(Role.DISPATCHER, tree["B"])])
    incidents = [
        incident_services.do_create_incident(
            incident_services.IncidentInput(
                channel="call_110",
                category_code="0101",
                address=f"文三路 {i} 号",
                lon=120.01 + 0.001 * i,
                lat=30.01,
                caller_name="张三丰",
                caller_phone=phone,
            ),
            acting_user=dispatcher,
        ).incident
        for i, phone in enumerate(PHONES)
    ]
    return {"user": dispatcher, "incidents": incidents}


@pytest.mark.parametrize(
    ("phone", "masked"),
    [("1234567", "****567"), ("0571-8888666", "****-***8666"), ("110", "**0")],
)
def test_the_rule_for_short_and_formatted_phones(phone: str, masked: str) -> None:
    assert mask_digits(phone) == masked


def test_no_page_or_api_response_shows_a_phone_in_clear(
    client: Client, calls: dict[str, Any]
) -> None:
    client.force_login(calls["user"])
    for incident, phone in zip(calls["incidents"], PHONES, strict=True):
        digits = phone.replace("-", "")
        for path in (
            f"/dispatch/incidents/{incident.pk}/",
            "/dispatch/",
            "/dispatch/incidents/",
            f"/api/v1/incidents/{incident.pk}",
            "/api/v1/incidents",
        ):
            body = client.get(path).content.decode()
            if len(digits) >= 5:  # "110" is also the channel's name
                assert phone not in body and digits not in body, path
            assert "张三丰" not in body, path
        page = client.get(f"/dispatch/incidents/{incident.pk}/").content.decode()
        assert mask_digits(phone) in page


@pytest.mark.parametrize("purpose", ["", "。。", " \u200b\u200b ", "--", "\u202e\u202e"])
def test_a_reveal_needs_a_purpose_with_content(
    client: Client, calls: dict[str, Any], purpose: str
) -> None:
    client.force_login(calls["user"])
    incident = calls["incidents"][0]
    response = client.post(
        f"/api/v1/incidents/{incident.pk}/reveal-callers",
        json.dumps({"purpose": purpose}),
        content_type="application/json",
    )
    assert response.status_code == 422
    ok = client.post(
        f"/api/v1/incidents/{incident.pk}/reveal-callers",
        json.dumps({"purpose": "回拨核实警情"}),
        content_type="application/json",
    )
    assert ok.status_code == 200 and "1234567" in ok.content.decode()
