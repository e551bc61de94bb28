"""Who hears about what (in-app inbox, ``zhian.core.notifications``), in the caller's
transaction. Titles carry no personal data; the link leads to the page."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.urls import reverse
from django.utils.translation import gettext as _

from zhian.core.models import Jurisdiction, Role, RoleAssignment, User
from zhian.core.models.notifications import Notification
from zhian.core.notifications import notify
from zhian.grid.models import Department, DepartmentMember, GridReport, Referral

#: Roles told about an escalation to their level (the leaders and community officers
#: holding a role exactly there).
ESCALATION_ROLES = (Role.LEADER, Role.COMMUNITY_OFFICER)


def _report_link(report: GridReport | int) -> str:
    pk = report if isinstance(report, int) else report.pk
    return reverse("grid:report", args=[pk])


def _send(users: Iterable[Any], *, kind: str, title: str, body: str = "", link: str) -> int:
    n = 0
    for user in {u.pk: u for u in users}.values():
        notify(user, kind=kind, title=title[:200], body=body[:2000], link=link)
        n += 1
    return n


def liaisons_of(department: Department) -> list[Any]:
    return list(User.objects.filter(grid_memberships__department=department, is_active=True))


def referral_opened(referral: Referral) -> None:
    _send(
        liaisons_of(referral.department),
        kind="grid.referral",
        title=_("新派单：%(type)s（请于 %(hours)d 小时内签收）")
        % {"type": referral.report.get_report_type_display(), "hours": referral.sign_hours},
        link=_report_link(referral.report_id),
    )


def referral_resolved(referral: Referral) -> None:
    _send(
        [referral.report.reporter],
        kind="grid.resolved",
        title=_("%(dept)s已办结，请核实") % {"dept": referral.department.name},
        body=referral.resolution,
        link=_report_link(referral.report_id),
    )


def referral_reopened(referral: Referral) -> None:
    _send(
        liaisons_of(referral.department),
        kind="grid.reopened",
        title=_("派单被退回重办"),
        link=_report_link(referral.report_id),
    )


def overdue_batch(made: list[tuple[Referral, int, Jurisdiction | None]]) -> int:
    """Inbox messages for a batch of alerts, in three queries: stage 1 reminds the
    department's liaisons; an escalation also tells the leaders and community officers
    holding a role exactly at the level escalated to."""
    departments = {r.department_id for r, _s, _w in made}
    liaisons: dict[int, list[int]] = {}
    for dept, user in DepartmentMember.objects.filter(
        department__in=departments, user__is_active=True
    ).values_list("department_id", "user_id"):
        liaisons.setdefault(dept, []).append(user)
    levels = {w.pk for _r, _s, w in made if w is not None}
    above: dict[int, list[int]] = {}
    for jur, user in (
        RoleAssignment.objects.filter(
            jurisdiction__in=levels, role__in=ESCALATION_ROLES, user__is_active=True
        )
        .values_list("jurisdiction_id", "user_id")
        .distinct()
    ):
        above.setdefault(jur, []).append(user)
    rows = []
    for referral, stage, where in made:
        clock = _("签收") if referral.running_clock == "sign" else _("办结")
        if stage == 1:
            title = _("超时提醒：派单已超过%(clock)s时限") % {"clock": clock}
            users = liaisons.get(referral.department_id, [])
        else:
            title = _("超时升级：%(dept)s未按时%(clock)s") % {
                "dept": referral.department.name,
                "clock": clock,
            }
            users = liaisons.get(referral.department_id, []) + above.get(
                where.pk if where else 0, []
            )
        link = _report_link(referral.report_id)
        rows += [
            Notification(recipient_id=u, kind="grid.overdue", title=title[:200], link=link)
            for u in dict.fromkeys(users)
        ]
    Notification.objects.bulk_create(rows)
    return len(rows)


def follow_up_due(visit: Any) -> None:
    _send(
        [visit.assignee],
        kind="grid.follow_up",
        title=_("纠纷回访提醒：%(title)s") % {"title": visit.dispute.title},
        link=reverse("grid:dispute", args=[visit.dispute_id]),
    )
