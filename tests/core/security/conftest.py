"""Security fixtures: the production two-factor rule switched back on, and helpers."""

from __future__ import annotations

from typing import Any

import pytest
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice


@pytest.fixture
def mfa_enforced(settings: Any) -> Any:
    """The compulsory second factor as deployed (the test settings switch it off)."""
    settings.ZHIAN_MFA_REQUIRED = True
    settings.ZHIAN_DEMO_WAIVE_MFA = False
    return settings


def current_code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code an authenticator app shows now (or ``steps_ahead`` 30 s steps later)."""
    return f"{totp(device.bin_key, device.step, device.t0 - steps_ahead * device.step, device.digits, device.drift):06d}"  # noqa: E501


def bind_device(user: Any) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="totp", confirmed=True)
