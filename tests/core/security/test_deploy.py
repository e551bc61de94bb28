"""Production mode (``ZHIAN_DEBUG=0``): ``manage.py check --deploy`` is clean, plain HTTP is
redirected to HTTPS, and responses carry HSTS, the CSP, ``Permissions-Policy`` and
``Referrer-Policy``; cookies are ``Secure`` with the ``__Host-`` prefix. Each runs in a
subprocess, since settings are read once per process."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

PROBE = """
import django, json
django.setup()
from django.conf import settings
from django.test import Client
c = Client()
plain = c.get("/api/v1/openapi.json", HTTP_HOST="zhian.example.cn")
tls = c.get("/api/v1/openapi.json", HTTP_HOST="zhian.example.cn", secure=True)
print(json.dumps({
    "plain": [plain.status_code, plain.get("Location", "")],
    "tls": tls.status_code,
    "headers": {k: tls.get(k, "") for k in (
        "Strict-Transport-Security", "Content-Security-Policy", "Permissions-Policy",
        "Referrer-Policy", "X-Content-Type-Options", "Cross-Origin-Opener-Policy")},
    "cookies": [settings.SESSION_COOKIE_NAME, settings.SESSION_COOKIE_SECURE,
                settings.CSRF_COOKIE_NAME, settings.CSRF_COOKIE_SECURE],
}))
"""


def production_env(tmp_path: Path) -> dict[str, str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith(("ZHIAN_", "DJANGO_"))}
    return base | {
        "PYTHONPATH": str(ROOT),
        "DJANGO_SETTINGS_MODULE": "zhian.settings.base",
        "ZHIAN_DEBUG": "0",
        "ZHIAN_SECRET_KEY": secrets.token_urlsafe(50),
        "ZHIAN_ALLOWED_HOSTS": "zhian.example.cn",
        "ZHIAN_VAR_DIR": str(tmp_path),
    }


def test_check_deploy_is_clean_in_production_mode(tmp_path: Path) -> None:
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_responses_carry_the_transport_headers(tmp_path: Path) -> None:
    import json

    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=production_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout.strip().splitlines()[-1])
    assert seen["plain"] == [301, "https://zhian.example.cn/api/v1/openapi.json"]
    assert seen["tls"] == 200
    headers = seen["headers"]
    assert headers["Strict-Transport-Security"].startswith("max-age=31536000")
    assert "includeSubDomains" in headers["Strict-Transport-Security"]
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    assert "geolocation=(self)" in headers["Permissions-Policy"]
    assert headers["Referrer-Policy"] == "same-origin"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert seen["cookies"] == ["__Host-sessionid", True, "__Host-csrftoken", True]


def test_a_production_configuration_without_a_secret_key_refuses_to_start(tmp_path: Path) -> None:
    env = production_env(tmp_path)
    del env["ZHIAN_SECRET_KEY"]
    result = subprocess.run(
        [sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode != 0 and "ZHIAN_SECRET_KEY" in result.stderr
