"""Dispatch test helpers: incidents made through the real intake service."""

from __future__ import annotations

from typing import Any

from zhian.dispatch.models import Incident
from zhian.dispatch.services import incidents as I


def new_incident(user: Any, **overrides: Any) -> Incident:
    data = {
        "channel": "call_110",
        "category_code": "0101",
        "address": "Mannerheimintie 1",
        "lon": 24.941,
        "lat": 60.170,
        **overrides,
    }
    return I.do_create_incident(I.IncidentInput(**data), acting_user=user).incident
