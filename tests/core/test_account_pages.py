"""账号与角色 pages: the security administrator gives and revokes roles inside their scope;
nobody else sees the pages' data; every change is audited (the services are tested in
``security/test_separation_of_duties.py``)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from tests.factories import Role, UserFactory
from zhian.core.models import AuditEvent, RoleAssignment

pytestmark = pytest.mark.django_db


@pytest.fixture
def station_security(tree: dict[str, Any], client: Client) -> Client:
    """A security administrator of station S1 only, logged in."""
    client.force_login(
        UserFactory(username="sec1", roles=[(Role.SECURITY_ADMINISTRATOR, tree["S1"])])
    )
    return client


def test_the_list_shows_accounts_in_scope_and_new_ones_not_other_stations(
    tree: dict[str, Any], station_security: Client
) -> None:
    UserFactory(username="officer1", roles=[(Role.PATROL_OFFICER, tree["S1"])])
    UserFactory(username="officer2", roles=[(Role.PATROL_OFFICER, tree["S2"])])
    UserFactory(username="newcomer")
    body = station_security.get(reverse("core:account_list")).content.decode()
    assert "officer1" in body and "newcomer" in body
    assert "officer2" not in body
    assert (
        f'href="{reverse("core:account_list")}"' in body
    )  # the top bar links the page for this role


def test_search_narrows_the_list(tree: dict[str, Any], station_security: Client) -> None:
    UserFactory(username="officer1", badge_number="017", roles=[(Role.PATROL_OFFICER, tree["S1"])])
    UserFactory(username="officer3", roles=[(Role.PATROL_OFFICER, tree["S1"])])
    body = station_security.get(reverse("core:account_list"), {"q": "017"}).content.decode()
    assert "officer1" in body and "officer3" not in body


def test_assigning_a_role_on_the_page_stores_and_audits_it(
    tree: dict[str, Any], station_security: Client
) -> None:
    newcomer = UserFactory(username="newcomer")
    url = reverse("core:account_roles", args=[newcomer.pk])
    answer = station_security.post(url, {"role": Role.PATROL_OFFICER, "jurisdiction": "S1-1"})
    assert answer.status_code == 302
    assert RoleAssignment.objects.filter(
        user=newcomer, role=Role.PATROL_OFFICER, jurisdiction__code="S1-1"
    ).exists()
    assert AuditEvent.objects.filter(action="role.assign", object_id=str(newcomer.pk)).exists()


def test_a_jurisdiction_outside_the_scope_is_not_offered_nor_accepted(
    tree: dict[str, Any], station_security: Client
) -> None:
    newcomer = UserFactory(username="newcomer")
    url = reverse("core:account_roles", args=[newcomer.pk])
    page = station_security.get(url).content.decode()
    assert 'value="S1"' in page and 'value="S2"' not in page
    answer = station_security.post(url, {"role": Role.PATROL_OFFICER, "jurisdiction": "S2"})
    assert answer.status_code == 200
    assert "jurisdiction" in answer.context["form"].errors
    assert not RoleAssignment.objects.filter(user=newcomer).exists()


def test_two_of_the_three_administrator_roles_are_refused_on_the_form(
    tree: dict[str, Any], station_security: Client
) -> None:
    admin = UserFactory(username="sys1", roles=[(Role.ADMINISTRATOR, tree["S1"])])
    url = reverse("core:account_roles", args=[admin.pk])
    answer = station_security.post(url, {"role": Role.AUDIT_ADMINISTRATOR, "jurisdiction": "S1"})
    assert answer.status_code == 200
    assert "三员分立" in answer.content.decode()
    assert list(admin.role_assignments.values_list("role", flat=True)) == [Role.ADMINISTRATOR]


def test_revoking_a_role_in_scope_works_and_one_outside_is_not_found(
    tree: dict[str, Any], station_security: Client
) -> None:
    inside = UserFactory(username="officer1", roles=[(Role.PATROL_OFFICER, tree["S1"])])
    outside = UserFactory(username="officer2", roles=[(Role.PATROL_OFFICER, tree["S2"])])
    mine = inside.role_assignments.get()
    theirs = outside.role_assignments.get()
    assert station_security.post(reverse("core:role_revoke", args=[theirs.pk])).status_code == 404
    assert station_security.get(reverse("core:account_roles", args=[outside.pk])).status_code == 404
    station_security.post(reverse("core:role_revoke", args=[mine.pk]))
    assert not RoleAssignment.objects.filter(pk=mine.pk).exists()
    assert RoleAssignment.objects.filter(pk=theirs.pk).exists()
    assert AuditEvent.objects.filter(action="role.revoke", object_id=str(inside.pk)).exists()


@pytest.mark.parametrize("role", [Role.ADMINISTRATOR, Role.AUDIT_ADMINISTRATOR, Role.SUPERVISOR])
def test_other_roles_see_no_accounts_and_cannot_assign(
    tree: dict[str, Any], client: Client, role: Role
) -> None:
    client.force_login(UserFactory(username="other", roles=[(role, tree["B"])]))
    newcomer = UserFactory(username="newcomer")
    body = client.get(reverse("core:account_list")).content.decode()
    assert "newcomer" not in body and "安全管理员" in body
    assert f'href="{reverse("core:account_list")}"' not in body
    url = reverse("core:account_roles", args=[newcomer.pk])
    assert client.post(url, {"role": Role.PATROL_OFFICER, "jurisdiction": "S1"}).status_code == 404
    assert not RoleAssignment.objects.filter(user=newcomer).exists()
