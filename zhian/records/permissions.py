"""What each role may do in records (案件); registered with core from ``apps.py``.

Who works cases: 办案民警 (CASE_OFFICER) and, because station officers handle most
administrative cases themselves in a 派出所, 巡逻民警 and 社区民警 too. Any of them works
only the cases assigned to them (``check_can_work_case``); 法制监督员 approves, returns,
escalates and reviews in scope; 局领导 sees everything in scope, decides escalated
approvals and long extensions.
"""

from __future__ import annotations

from zhian.core.models.accounts import Role

OFFICER_ROLES = frozenset({Role.CASE_OFFICER, Role.PATROL_OFFICER, Role.COMMUNITY_OFFICER})
SUPERVISING_ROLES = frozenset({Role.SUPERVISOR, Role.LEADER})

ACTIONS: dict[str, frozenset[Role]] = {
    "case.view": OFFICER_ROLES | SUPERVISING_ROLES,
    "case.open": OFFICER_ROLES,
    "case.work": OFFICER_ROLES,
    "case.assign": SUPERVISING_ROLES,
    "case.approve": SUPERVISING_ROLES,
    "case.approve_escalated": frozenset({Role.LEADER}),
    "case.supervise": SUPERVISING_ROLES,
    "case.review": frozenset({Role.SUPERVISOR}),
    "case.export": OFFICER_ROLES | SUPERVISING_ROLES,
    "deadline.extend.supervisor": SUPERVISING_ROLES,
    "deadline.extend.leader": frozenset({Role.LEADER}),
    "deadline_rule.manage": frozenset({Role.SUPERVISOR, Role.ADMINISTRATOR}),
    "party.reveal": OFFICER_ROLES | SUPERVISING_ROLES,
}
