"""Helpers for browser tests (Debian's chromium driven by Playwright; see conftest)."""

from __future__ import annotations

import os
from typing import Any

CHROMIUM = os.environ.get("ZHIAN_CHROMIUM", "/usr/bin/chromium")
# Headless as root, with no background traffic (the machine has no network but loopback).
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def log_in(
    page: Any, live_server: Any, username: str, password: str, *, succeed: bool = True
) -> None:
    page.goto(f"{live_server.url}/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.click("button[type=submit]")
    if succeed:
        page.wait_for_url(f"{live_server.url}/")
