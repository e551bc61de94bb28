"""Read queries, already narrowed to what the acting user may see."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.utils.translation import gettext as _

from zhian.core.errors import NotFound
from zhian.core.geo import contains, nearby_cells
from zhian.core.models.accounts import RoleAssignment, User
from zhian.core.models.audit import AuditEvent
from zhian.core.models.jurisdictions import Jurisdiction, JurisdictionCell
from zhian.core.models.tokens import ApiToken
from zhian.core.scoping import scope_paths, scope_q, scoped


def jurisdictions_for(
    user: Any, *, kind: str | None = None, parent: str | None = None, q: str | None = None
) -> QuerySet[Jurisdiction]:
    qs = scoped(Jurisdiction.objects.all(), user, "jurisdiction.view", field="")
    if kind:
        qs = qs.filter(kind=kind)
    if parent:
        qs = qs.filter(parent__code=parent)
    if q:
        qs = qs.filter(Q(code__icontains=q) | Q(name__icontains=q) | Q(name_en__icontains=q))
    return qs.select_related("parent")


def access_jurisdiction(user: Any, code: str) -> Jurisdiction:
    """The jurisdiction with ``code`` if the user may see it; NotFound otherwise."""
    found = jurisdictions_for(user).filter(code=code).first()
    if found is None:
        raise NotFound(_("未找到辖区 %(code)s") % {"code": code})
    return found


def jurisdiction_at(user: Any, action: str, lon: float, lat: float) -> Jurisdiction | None:
    """The deepest jurisdiction within the user's scope for ``action`` that contains the
    point: H3 covers pick the candidates, exact point-in-polygon decides among the
    deepest ones (a cell straddling a boundary is shared by both sides' candidates); when
    the point falls in no polygon exactly (a gap), the cell's own owner is used."""
    cells = nearby_cells(lon, lat)
    # At most 7 cells × 4 levels: fetch by the cell index, apply the scope in Python (a
    # scoped join lets PostgreSQL plan from the jurisdiction side, ~20× slower).
    paths = scope_paths(user, action)
    rows = [
        r
        for r in JurisdictionCell.objects.filter(cell__in=cells)
        .select_related("jurisdiction")
        .defer("jurisdiction__boundary")
        if paths is None or r.jurisdiction.path.startswith(tuple(paths))
    ]
    if not rows:
        return None
    nodes = {r.jurisdiction.pk: r.jurisdiction for r in rows}
    deepest = max(n.path.count("/") for n in nodes.values())
    for depth in range(deepest, 1, -1):
        level = [n for n in nodes.values() if n.path.count("/") == depth]
        boundaries = dict(
            Jurisdiction.objects.filter(pk__in=[n.pk for n in level]).values_list("pk", "boundary")
        )
        for node in sorted(level, key=lambda n: n.code):
            if contains((node.pk, node.version), boundaries[node.pk], lon, lat):
                return node
    own = [r.jurisdiction for r in rows if r.cell == cells[0]]
    return max(own, key=lambda j: j.path.count("/")) if own else None


def tokens_for(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user)


def audit_events_for(user: Any) -> QuerySet[AuditEvent]:
    """Audit events visible to supervisors and administrators.

    Events are not attached to jurisdictions, so a scoped viewer sees the events of users
    who hold roles inside their scope; superusers see all.
    """
    paths = scope_paths(user, "audit.view")
    if paths is None:
        return AuditEvent.objects.all()
    if not paths:
        return AuditEvent.objects.none()

    q = Q(pk__in=[])
    for path in paths:
        q |= Q(jurisdiction__path__startswith=path)
    actor_ids = RoleAssignment.objects.filter(q).values("user_id")
    return AuditEvent.objects.filter(actor_id__in=actor_ids)


def home_jurisdiction(user: Any) -> Jurisdiction | None:
    """Where the user's first role sits: the default place for pages that show one area."""
    first = user.role_assignments.select_related("jurisdiction").order_by("pk").first()
    return first.jurisdiction if first else None


def accounts_for(user: Any, *, q: str = "") -> QuerySet[User]:
    """Accounts the security administrator may give roles to (三员分立: only this role
    assigns them): active accounts holding a role inside the caller's ``role.assign`` scope,
    and accounts holding no role yet (new ones the system administrator created)."""
    paths = scope_paths(user, "role.assign")
    if paths == []:
        return User.objects.none()
    qs = User.objects.filter(is_active=True)
    if paths is not None:
        in_scope = RoleAssignment.objects.filter(scope_q(user, "role.assign")).values("user_id")
        qs = qs.filter(Q(pk__in=in_scope) | Q(role_assignments__isnull=True))
    if q:
        qs = qs.filter(
            Q(username__icontains=q) | Q(display_name__icontains=q) | Q(badge_number__icontains=q)
        )
    roles = RoleAssignment.objects.select_related("jurisdiction").order_by("role", "pk")
    return qs.distinct().prefetch_related(Prefetch("role_assignments", roles)).order_by("username")


def assignable_jurisdictions(user: Any) -> QuerySet[Jurisdiction]:
    """Where the caller may give roles: their ``role.assign`` scope."""
    return scoped(Jurisdiction.objects.all(), user, "role.assign", field="").order_by("path")


def access_account(user: Any, user_id: int) -> User:
    """One account from :func:`accounts_for`; NotFound outside it."""
    found = accounts_for(user).filter(pk=user_id).first()
    if found is None:
        raise NotFound(_("未找到该账号"))
    return found


def access_role_assignment(user: Any, assignment_id: int) -> RoleAssignment:
    """A role assignment inside the caller's ``role.assign`` scope; NotFound otherwise."""
    found = (
        scoped(RoleAssignment.objects.all(), user, "role.assign")
        .select_related("user", "jurisdiction")
        .filter(pk=assignment_id)
        .first()
    )
    if found is None:
        raise NotFound(_("未找到该角色分配"))
    return found
