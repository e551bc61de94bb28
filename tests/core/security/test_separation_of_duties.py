"""三员分立: the system, security and audit administrators are three people. Each refusal
has its test; the Django admin site writes an audit event for every change and cannot make
a superuser."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import SystemCheckError
from django.test import Client

from tests.factories import Role, UserFactory
from zhian.core import audit
from zhian.core.errors import NotFound, PermissionDenied, ValidationFailed
from zhian.core.models import AuditEvent, RoleAssignment, User
from zhian.core.scoping import can
from zhian.core.selectors import audit_events_for
from zhian.core.services.accounts import (
    do_assign_role,
    do_create_user,
    do_revoke_role,
    separation_violations,
)

pytestmark = pytest.mark.django_db
THREE = [Role.ADMINISTRATOR, Role.SECURITY_ADMINISTRATOR, Role.AUDIT_ADMINISTRATOR]


@pytest.fixture
def trio(tree: dict[str, Any]) -> dict[str, User]:
    return {
        "sys": UserFactory(username="sys", roles=[(Role.ADMINISTRATOR, tree["B"])]),
        "sec": UserFactory(username="sec", roles=[(Role.SECURITY_ADMINISTRATOR, tree["B"])]),
        "aud": UserFactory(username="aud", roles=[(Role.AUDIT_ADMINISTRATOR, tree["B"])]),
    }


@pytest.mark.parametrize("held", THREE)
@pytest.mark.parametrize("second", THREE)
def test_no_account_holds_two_of_the_three(
    tree: dict[str, Any], trio: dict[str, User], held: Role, second: Role
) -> None:
    user = UserFactory(username="someone", roles=[(held, tree["S1"])])
    if held == second:  # the same role elsewhere is fine
        do_assign_role(acting_user=trio["sec"], user=user, role=second, jurisdiction=tree["S2"])
        return
    with pytest.raises(ValidationFailed) as exc:
        do_assign_role(acting_user=trio["sec"], user=user, role=second, jurisdiction=tree["S2"])
    assert exc.value.code == "separation_of_duties"
    assert list(user.role_assignments.values_list("role", flat=True)) == [held]


def test_creating_a_user_with_two_of_the_three_is_refused(tree: dict[str, Any]) -> None:
    with pytest.raises(ValidationFailed) as exc:
        do_create_user(
            acting_user=None,
            username="both",
            password="a-long-passphrase-42",
            roles=[(Role.ADMINISTRATOR, tree["B"]), (Role.AUDIT_ADMINISTRATOR, tree["B"])],
        )
    assert exc.value.code == "separation_of_duties"
    assert not User.objects.filter(username="both").exists()


def test_only_the_security_administrator_assigns_roles_and_never_to_themself(
    tree: dict[str, Any], trio: dict[str, User]
) -> None:
    clerk = UserFactory(username="clerk")
    for who in ("sys", "aud"):
        with pytest.raises(PermissionDenied):
            do_assign_role(
                acting_user=trio[who], user=clerk, role=Role.DISPATCHER, jurisdiction=tree["S1"]
            )
    with pytest.raises(PermissionDenied) as exc:
        do_assign_role(
            acting_user=trio["sec"], user=trio["sec"], role=Role.LEADER, jurisdiction=tree["B"]
        )
    assert exc.value.code == "self_assignment"
    outsider = UserFactory(username="sec2", roles=[(Role.SECURITY_ADMINISTRATOR, tree["S2"])])
    with pytest.raises(NotFound):
        do_assign_role(
            acting_user=outsider, user=clerk, role=Role.DISPATCHER, jurisdiction=tree["S1"]
        )
    given = do_assign_role(
        acting_user=trio["sec"], user=clerk, role=Role.DISPATCHER, jurisdiction=tree["S1"]
    )
    do_revoke_role(acting_user=trio["sec"], assignment=given)
    done = AuditEvent.objects.filter(action__startswith="role.").order_by("seq")
    assert [e.action for e in done] == ["role.assign", "role.revoke"]


def test_the_audit_trail_is_the_audit_administrators_not_the_system_administrators(
    tree: dict[str, Any], trio: dict[str, User]
) -> None:
    audit.record(actor=trio["sys"], action="jurisdiction.rename", obj=tree["S1"])
    assert audit_events_for(trio["aud"]).count() == 1
    assert audit_events_for(trio["sys"]).count() == 0
    assert audit_events_for(trio["sec"]).count() == 0
    assert can(trio["aud"], "audit.export", tree["B"])
    # The audit administrator changes nothing else
    for action in ("jurisdiction.change", "user.manage", "role.assign", "unit.manage"):
        assert not can(trio["aud"], action, tree["S1"]), action


def test_existing_data_that_breaks_the_rule_is_reported_by_the_system_check(
    tree: dict[str, Any],
) -> None:
    # Given an account that holds two of the three (e.g. from before the rule)
    both = UserFactory(username="legacy", roles=[(Role.ADMINISTRATOR, tree["B"])])
    RoleAssignment.objects.create(user=both, role=Role.AUDIT_ADMINISTRATOR, jurisdiction=tree["S1"])
    assert separation_violations() == [("legacy", ["administrator", "audit_administrator"])]
    with pytest.raises(SystemCheckError, match="legacy"):
        call_command("check", databases=["default"])


# --- The Django admin site: every change audited, no superuser made there.


@pytest.fixture
def admin_client(tree: dict[str, Any]) -> Client:
    root = UserFactory(username="root", is_staff=True, is_superuser=True)
    client = Client()
    client.force_login(root)
    return client


def test_every_admin_site_change_writes_an_audit_event(
    admin_client: Client, tree: dict[str, Any]
) -> None:
    target = UserFactory(username="target")
    url = f"/admin/core/user/{target.pk}/change/"
    form = admin_client.get(url)
    assert form.status_code == 200
    response = admin_client.post(
        url,
        {
            "username": "target",
            "is_active": "on",
            "is_staff": "on",
            "is_superuser": "on",  # read-only here: ignored
            "display_name": "改过的名字",
            "badge_number": "",
            "role_assignments-TOTAL_FORMS": "0",
            "role_assignments-INITIAL_FORMS": "0",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    target.refresh_from_db()
    assert target.is_staff and not target.is_superuser
    event = AuditEvent.objects.get(action="admin.change")
    assert event.actor == "root" and event.object_id == str(target.pk)
    assert event.data["via"] == "admin" and "changed" in str(event.data["changes"])
    # Deletions too (here a jurisdiction-free model: the user)
    admin_client.post(f"/admin/core/user/{target.pk}/delete/", {"post": "yes"})
    assert AuditEvent.objects.filter(action="admin.delete", object_id=str(target.pk)).exists()


def test_the_admin_site_refuses_two_of_the_three_on_one_account(
    admin_client: Client, tree: dict[str, Any]
) -> None:
    target = UserFactory(username="target2")
    response = admin_client.post(
        f"/admin/core/user/{target.pk}/change/",
        {
            "username": "target2",
            "is_active": "on",
            "display_name": "",
            "badge_number": "",
            "role_assignments-TOTAL_FORMS": "2",
            "role_assignments-INITIAL_FORMS": "0",
            "role_assignments-0-role": "administrator",
            "role_assignments-0-jurisdiction": tree["B"].pk,
            "role_assignments-1-role": "security_administrator",
            "role_assignments-1-jurisdiction": tree["B"].pk,
        },
    )
    assert response.status_code == 200 and "三员分立" in response.content.decode()
    assert not RoleAssignment.objects.filter(user=target).exists()
    assert not AuditEvent.objects.filter(action="admin.change").exists()


def test_new_apps_admins_are_audited_without_doing_anything() -> None:
    from django.contrib import admin

    from zhian.core.admin_site import AuditedAdminMixin

    unaudited = [
        m._meta.label
        for m, a in admin.site._registry.items()
        if not isinstance(a, AuditedAdminMixin)
    ]
    assert unaudited == []
