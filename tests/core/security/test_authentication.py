"""Authentication as MLPS level 3 / CJIS expect: a second factor for the powerful roles
before any page or API session, lock-out on every log-on path (the admin site and MFA
codes included), every log-on, log-out, failure, lock-out and MFA change audited, and API
tokens that always expire."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.core.security.conftest import bind_device, current_code
from tests.factories import Role, UserFactory
from zhian.core.errors import PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent
from zhian.core.services.mfa import do_reset_mfa, recovery_digest
from zhian.core.services.tokens import do_create_token

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parents[3]


def log_in(client: Client, username: str, password: str, next_url: str = "") -> Any:
    return client.post("/login/", {"username": username, "password": password, "next": next_url})


def actions(action: str, outcome: str = "success") -> int:
    return AuditEvent.objects.filter(action=action, outcome=outcome).count()


@pytest.mark.parametrize(
    "role",
    [
        Role.ADMINISTRATOR,
        Role.SUPERVISOR,
        Role.LEADER,
        Role.SECURITY_ADMINISTRATOR,
        Role.AUDIT_ADMINISTRATOR,
    ],
)
def test_powerful_roles_reach_nothing_before_binding_a_second_factor(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any, role: Role
) -> None:
    # Given a user whose role requires MFA, signed in with the right password
    UserFactory(username="boss", roles=[(role, tree["B"])])
    response = log_in(client, "boss", password, "/jurisdictions/")
    # Then the next step is the second factor, and every page and API call is held back
    assert response.status_code == 302 and response["Location"].startswith("/account/mfa/verify/")
    setup = client.get(response["Location"])
    assert setup.status_code == 302 and setup["Location"].startswith("/account/mfa/")
    for path in ("/", "/jurisdictions/", "/audit/", "/dispatch/", "/admin/"):
        held = client.get(path)
        assert held.status_code == 302 and "/account/mfa/verify/" in held["Location"], path
    api = client.get("/api/v1/me")
    assert api.status_code == 401 and api.json()["code"] == "mfa_required"
    assert (
        client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json").status_code
        == 401
    )


def test_binding_totp_with_a_qr_code_then_every_page_opens(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any
) -> None:
    admin = UserFactory(username="sysadm", roles=[(Role.ADMINISTRATOR, tree["B"])])
    log_in(client, "sysadm", password)
    # When they open the set-up page, they see an SVG QR code and the secret
    page = client.get("/account/mfa/")
    html = page.content.decode()
    assert page.status_code == 200 and "<svg" in html and 'id="totp-secret"' in html
    device = TOTPDevice.objects.get(user=admin, confirmed=False)
    # A wrong code is refused on the field and audited
    wrong = client.post("/account/mfa/", {"code": "000000"})
    assert wrong.status_code == 422 and "验证码不正确" in wrong.content.decode()
    assert actions("mfa.enable", "failure") == 1
    # (the device throttles guesses: a second later it accepts again)
    TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)
    # The right code binds it, shows ten recovery codes once, and opens the site
    done = client.post("/account/mfa/", {"code": current_code(device)})
    assert done.status_code == 200
    assert done.content.decode().count("<li><code>") == 10
    assert client.get("/jurisdictions/").status_code == 200
    assert client.get("/api/v1/me").status_code == 200
    assert actions("mfa.enable") == 1 and actions("auth.login") == 1


def test_second_log_on_asks_the_code_and_a_recovery_code_works_once(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any
) -> None:
    leader = UserFactory(username="ld", roles=[(Role.LEADER, tree["B"])])
    device = bind_device(leader)
    log_in(client, "ld", password)
    assert client.post("/account/mfa/verify/", {"code": current_code(device)}).status_code == 302
    assert client.get("/").status_code == 200
    assert actions("auth.mfa") == 1
    # Recovery codes: generated from a verified session, each good once
    page = client.post("/account/mfa/", {"op": "recovery"})
    codes = [c.split("</code>")[0] for c in page.content.decode().split("<li><code>")[1:]]
    assert len(codes) == 10
    client.post("/logout/")
    log_in(client, "ld", password)
    assert client.post("/account/mfa/verify/", {"code": codes[0]}).status_code == 302
    client.post("/logout/")
    log_in(client, "ld", password)
    reused = client.post("/account/mfa/verify/", {"code": codes[0]})
    assert reused.status_code == 422
    assert actions("mfa.recovery_codes") == 1 and actions("auth.logout") == 2


def test_the_database_holds_no_recovery_code_in_clear(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any
) -> None:
    """Given a user shown ten recovery codes, then no stored token is a code (nor a code
    with its case or spacing changed), each stored token is a code's digest, and a code
    typed in capitals with spaces still works once."""
    leader = UserFactory(username="ld2", roles=[(Role.LEADER, tree["B"])])
    device = bind_device(leader)
    log_in(client, "ld2", password)
    assert client.post("/account/mfa/verify/", {"code": current_code(device)}).status_code == 302
    page = client.post("/account/mfa/", {"op": "recovery"})
    codes = [c.split("</code>")[0] for c in page.content.decode().split("<li><code>")[1:]]
    assert len(codes) == 10 and all(len(c) == 16 for c in codes)
    stored = set(StaticToken.objects.filter(device__user=leader).values_list("token", flat=True))
    assert len(stored) == 10
    assert not stored & ({c for c in codes} | {c.upper() for c in codes})
    assert not any(c[:8] in t or t in c for c in codes for t in stored)
    assert stored == {recovery_digest(c) for c in codes}
    client.post("/logout/")
    log_in(client, "ld2", password)
    typed = " ".join(codes[3].upper()[i : i + 4] for i in range(0, 16, 4))
    assert client.post("/account/mfa/verify/", {"code": typed}).status_code == 302
    assert StaticToken.objects.filter(device__user=leader).count() == 9


def test_wrong_codes_lock_the_account_like_wrong_passwords(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any
) -> None:
    sup = UserFactory(username="sup", roles=[(Role.SUPERVISOR, tree["B"])])
    device = bind_device(sup)
    log_in(client, "sup", password)
    for _ in range(5):
        assert client.post("/account/mfa/verify/", {"code": "123456"}).status_code == 422
    locked = client.post("/account/mfa/verify/", {"code": current_code(device)})
    assert locked.status_code == 429 and "登录失败次数过多" in locked.content.decode()
    assert client.get("/").status_code == 302
    assert actions("auth.mfa", "failure") == 5 and actions("auth.lockout", "failure") == 1
    assert actions("auth.mfa", "locked") == 1


def test_users_who_need_no_mfa_may_bind_one_and_are_then_asked(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any
) -> None:
    clerk = UserFactory(username="clerk", roles=[(Role.DISPATCHER, tree["S1"])])
    assert log_in(client, "clerk", password)["Location"] == "/"
    assert client.get("/").status_code == 200
    bind_device(clerk)
    client.post("/logout/")
    assert log_in(client, "clerk", password)["Location"].startswith("/account/mfa/verify/")


def test_the_admin_site_has_no_log_on_of_its_own(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any
) -> None:
    # The admin's log-on form is the staff one: lock-out and audit apply to it
    UserFactory(username="root", is_staff=True, is_superuser=True)
    form = client.get("/admin/login/?next=/admin/")
    assert form.status_code == 302 and form["Location"] == "/login/?next=/admin/"
    posted = client.post("/admin/login/", {"username": "root", "password": "guess"})
    assert posted.status_code in {301, 302, 307, 308} and "sessionid" not in posted.cookies
    for _ in range(5):
        log_in(client, "root", "wrong-guess", "/admin/")
    locked = log_in(client, "root", password, "/admin/")
    assert locked.status_code == 200 and "登录失败次数过多" in locked.content.decode()
    assert actions("auth.lockout", "failure") == 1 and actions("auth.login", "locked") == 1
    # ... and staff need the second factor before the admin site opens
    AuditEvent.objects.none()
    from zhian.core.models import LoginFailure

    LoginFailure.objects.update(at=timezone.now() - timedelta(hours=1))
    log_in(client, "root", password, "/admin/")
    assert "/account/mfa/" in client.get("/admin/")["Location"]


def test_every_log_out_path_is_audited(client: Client, tree: dict[str, Any], settings: Any) -> None:
    user = UserFactory(username="out", roles=[(Role.DISPATCHER, tree["S1"])])
    client.force_login(user)
    client.post("/logout/")
    client.force_login(user)
    session = client.session
    session["zhian_last_seen"] = int(time.time()) - settings.ZHIAN_SESSION_IDLE_SECONDS - 5
    session.save()
    client.get("/")
    reasons = [e.data["reason"] for e in AuditEvent.objects.filter(action="auth.logout")]
    assert reasons == ["user", "idle"]


def test_mfa_reset_by_an_administrator_is_audited_and_never_on_oneself(
    tree: dict[str, Any],
) -> None:
    target = UserFactory(username="lost", roles=[(Role.SUPERVISOR, tree["S1"])])
    bind_device(target)
    secadm = UserFactory(username="sec", roles=[(Role.SECURITY_ADMINISTRATOR, tree["B"])])
    outsider = UserFactory(username="sec2", roles=[(Role.SECURITY_ADMINISTRATOR, tree["S2"])])
    with pytest.raises(PermissionDenied):
        do_reset_mfa(acting_user=outsider, user=target, reason="手机丢失")
    with pytest.raises(PermissionDenied):
        do_reset_mfa(acting_user=secadm, user=secadm, reason="手机丢失")
    with pytest.raises(ValidationFailed):
        do_reset_mfa(acting_user=secadm, user=target, reason=" ")
    do_reset_mfa(acting_user=secadm, user=target, reason="手机丢失")
    assert not TOTPDevice.objects.filter(user=target).exists()
    assert AuditEvent.objects.get(action="mfa.reset").data == {"reason": "手机丢失"}


# --- API tokens always expire.


def test_a_token_without_expiry_is_refused(client: Client, tree: dict[str, Any]) -> None:
    client.force_login(UserFactory(username="tok", roles=[(Role.DISPATCHER, tree["S1"])]))
    for body in ({"name": "x", "expires_in_days": None}, {"name": "x", "expires_in_days": 91}):
        response = client.post("/api/v1/tokens", body, content_type="application/json")
        assert response.status_code == 422, body
    fine = client.post("/api/v1/tokens", {"name": "x"}, content_type="application/json")
    expires = fine.json()["expires_at"]
    assert fine.status_code == 201 and expires is not None


def test_the_maximum_lifetime_is_configurable(tree: dict[str, Any], settings: Any) -> None:
    user = UserFactory(username="tok2", roles=[(Role.DISPATCHER, tree["S1"])])
    settings.ZHIAN_TOKEN_MAX_DAYS = 7
    with pytest.raises(ValidationFailed) as exc:
        do_create_token(acting_user=user, name="x", expires_in_days=8)
    assert exc.value.code == "invalid_expiry"
    token, _secret = do_create_token(acting_user=user, name="x", expires_in_days=7)
    assert token.expires_at is not None
    assert token.expires_at - timezone.now() <= timedelta(days=7)


def test_a_token_needs_the_second_factor_its_role_requires(
    tree: dict[str, Any], mfa_enforced: Any
) -> None:
    admin = UserFactory(username="adm", roles=[(Role.ADMINISTRATOR, tree["B"])])
    with pytest.raises(PermissionDenied) as exc:
        do_create_token(acting_user=admin, name="x")
    assert exc.value.code == "mfa_required"
    bind_device(admin)
    assert do_create_token(acting_user=admin, name="x")[0].expires_at is not None


# --- The demo waiver never reaches production.


def _settings_in_subprocess(**env: str) -> subprocess.CompletedProcess[str]:
    base = {k: v for k, v in os.environ.items() if not k.startswith("ZHIAN_")}
    return subprocess.run(
        [sys.executable, "-c", "import zhian.settings.base"],
        cwd=ROOT,
        env=base | {"PYTHONPATH": str(ROOT)} | env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_production_settings_refuse_the_demo_mfa_waiver() -> None:
    prod = {"ZHIAN_DEBUG": "0", "ZHIAN_SECRET_KEY": "x" * 50, "ZHIAN_DEMO_WAIVE_MFA": "1"}
    refused = _settings_in_subprocess(**prod)
    assert refused.returncode != 0 and "ZHIAN_DEMO_WAIVE_MFA" in refused.stderr
    assert _settings_in_subprocess(ZHIAN_DEMO_WAIVE_MFA="1").returncode == 0


def test_the_waiver_only_works_with_debug(
    client: Client, tree: dict[str, Any], password: str, mfa_enforced: Any
) -> None:
    UserFactory(username="demoadm", roles=[(Role.ADMINISTRATOR, tree["B"])])
    mfa_enforced.ZHIAN_DEMO_WAIVE_MFA = True
    mfa_enforced.DEBUG = False
    assert log_in(client, "demoadm", password)["Location"].startswith("/account/mfa/")
    client.post("/logout/")
    mfa_enforced.DEBUG = True
    assert log_in(client, "demoadm", password)["Location"] == "/"


def test_codes_stored_in_clear_before_are_hashed_by_the_migration(tree: dict[str, Any]) -> None:
    """Given a recovery code kept in clear (as before migration core 0006), when the
    migration's step runs, then only its digest is left and the same code still works once."""
    import importlib

    from django.apps import apps as django_apps
    from django.test import RequestFactory
    from django_otp.plugins.otp_static.models import StaticDevice

    from zhian.core.services.mfa import RECOVERY_NAME, do_verify_mfa

    user = UserFactory(username="old_codes", roles=[(Role.LEADER, tree["B"])])
    bind_device(user)
    device = StaticDevice.objects.create(user=user, name=RECOVERY_NAME, confirmed=True)
    StaticToken.objects.create(device=device, token="abcdefgh")
    migration = importlib.import_module("zhian.core.migrations.0006_hash_recovery_codes")
    migration.hash_codes(django_apps, None)
    assert list(StaticToken.objects.values_list("token", flat=True)) == [
        recovery_digest("abcdefgh")
    ]
    request = RequestFactory().post("/account/mfa/verify/")
    request.user = user
    request.session = Client().session
    do_verify_mfa(request, user=user, code="ABCD EFGH")
    assert not StaticToken.objects.exists()
