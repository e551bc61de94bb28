"""Log-on throttling, idle sessions, password rules and API tokens."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from tests.factories import UserFactory
from zhian.core.errors import ValidationFailed
from zhian.core.models import ApiToken, AuditEvent, LoginFailure
from zhian.core.services.accounts import do_create_user

pytestmark = pytest.mark.django_db


def login(client: Client, username: str, password: str) -> Any:
    return client.post("/login/", {"username": username, "password": password})


def test_login_and_logout(client: Client, password: str) -> None:
    UserFactory(username="alice")
    assert login(client, "alice", password).status_code == 302
    assert client.get("/").status_code == 200
    assert AuditEvent.objects.filter(action="auth.login", outcome="success").count() == 1
    client.post("/logout/")
    assert client.get("/").status_code == 302


def test_five_failures_lock_the_account(client: Client, password: str) -> None:
    UserFactory(username="bob")
    for _ in range(5):
        response = login(client, "bob", "wrong-password")
        assert "用户名或密码错误" in response.content.decode()
    locked = login(client, "bob", password)
    assert locked.status_code == 200  # the form again, not a redirect
    assert "登录失败次数过多" in locked.content.decode()
    assert AuditEvent.objects.filter(action="auth.login", outcome="failure").count() == 5
    # The window passes: the account opens again.
    LoginFailure.objects.update(at=timezone.now() - timedelta(hours=1))
    assert login(client, "bob", password).status_code == 302


def test_idle_session_is_logged_out(client: Client, settings: Any) -> None:
    user = UserFactory(username="carol")
    client.force_login(user)
    assert client.get("/").status_code == 200
    session = client.session
    session["zhian_last_seen"] = int(time.time()) - settings.ZHIAN_SESSION_IDLE_SECONDS - 5
    session.save()
    response = client.get("/")
    assert response.status_code == 302
    assert "长时间未操作" in client.get(response["Location"]).content.decode()


def test_weak_password_is_refused(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        do_create_user(acting_user=None, username="dave", password="12345678")
    assert exc.value.code == "weak_password"


def test_token_lifecycle_through_the_api(client: Client) -> None:
    user = UserFactory(username="erin")
    client.force_login(user)
    created = client.post(
        "/api/v1/tokens",
        {"name": "AVL 接口", "expires_in_days": 30},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    secret = created.json()["secret"]
    token_id = created.json()["id"]
    assert not ApiToken.objects.filter(digest__contains=secret).exists()

    bearer = Client(headers={"Authorization": f"Bearer {secret}"})
    assert bearer.get("/api/v1/me").json()["username"] == "erin"

    revoked = bearer.delete(f"/api/v1/tokens/{token_id}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    after = bearer.get("/api/v1/me")
    assert after.status_code == 401
    assert AuditEvent.objects.filter(action="token.revoke").count() == 1


def test_expired_token_is_refused(client: Client) -> None:
    from zhian.core.services.tokens import do_create_token

    user = UserFactory(username="frank")
    token, secret = do_create_token(acting_user=user, name="短期")
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    response = Client(headers={"Authorization": f"Bearer {secret}"}).get("/api/v1/me")
    assert response.status_code == 401


def test_cannot_revoke_someone_elses_token(client: Client) -> None:
    from zhian.core.services.tokens import do_create_token

    owner = UserFactory(username="gina")
    token, _ = do_create_token(acting_user=owner, name="x")
    client.force_login(UserFactory(username="hank"))
    assert client.delete(f"/api/v1/tokens/{token.pk}").status_code == 404
    token.refresh_from_db()
    assert token.revoked_at is None


def test_automatic_polling_does_not_keep_a_session_alive(client: Client, settings: Any) -> None:
    user = UserFactory(username="ivan")
    client.force_login(user)
    client.get("/")
    session = client.session
    stale = int(time.time()) - settings.ZHIAN_SESSION_IDLE_SECONDS + 60
    session["zhian_last_seen"] = stale
    session.save()
    client.get("/", headers={"X-Zhian-Poll": "1"})
    assert client.session["zhian_last_seen"] == stale  # a poll is not activity
    client.get("/")
    assert client.session["zhian_last_seen"] > stale  # a person's request is
