"""The demo builder runs through the app's operations on a small bureau."""

from __future__ import annotations

from typing import Any

import pytest

from tests.factories import Role, UserFactory
from zhian.demo.services import create_demo_services
from zhian.services.models import Complaint, FaqEntry, OnlineReport, Slot, SurveyResponse

pytestmark = pytest.mark.django_db


def test_demo_services(tree: dict[str, Any]) -> None:
    UserFactory(username="admin", roles=[(Role.ADMINISTRATOR, tree["B"])])
    UserFactory(username="supervisor", roles=[(Role.SUPERVISOR, tree["B"])])
    UserFactory(username="leader", roles=[(Role.LEADER, tree["B"])])
    summary = create_demo_services()
    assert "online reports" in summary
    assert OnlineReport.objects.count() == 5 and FaqEntry.objects.count() == 1
    assert SurveyResponse.objects.count() == 2
    handler = Complaint.objects.get().handler
    assert handler is not None
    assert handler.username == "supervisor"
    assert Slot.objects.exists() or "0 slots" in summary
