"""What each role may do in 便民服务; registered with core from ``apps.py``.

Complaints (警务投诉) are for supervisors and leaders only: officers (patrol, community)
hold no complaint action, so the officer concerned never sees a complaint or its
complainant. Within those roles, the handler must sit outside the complained-about unit
(enforced in :mod:`zhian.services.operations.complaints`)."""

from __future__ import annotations

from zhian.core.models.accounts import Role

_FRONT_DESK = frozenset(
    {Role.DISPATCHER, Role.COMMUNITY_OFFICER, Role.SUPERVISOR, Role.LEADER, Role.ADMINISTRATOR}
)

ACTIONS: dict[str, frozenset[Role]] = {
    # Online reports (网上报警, non-emergency): the station's queue.
    "report.view": _FRONT_DESK | {Role.PATROL_OFFICER, Role.ANALYST},
    "report.handle": frozenset({Role.DISPATCHER, Role.COMMUNITY_OFFICER, Role.SUPERVISOR}),
    "contact.reveal": frozenset({Role.DISPATCHER, Role.COMMUNITY_OFFICER, Role.SUPERVISOR}),
    # Appointments (网上预约).
    "appointment.view": _FRONT_DESK,
    "appointment.handle": frozenset({Role.COMMUNITY_OFFICER, Role.ADMINISTRATOR}),
    "appointment.configure": frozenset({Role.ADMINISTRATOR}),
    # Consultations (在线咨询) and the FAQ.
    "consultation.view": _FRONT_DESK,
    "consultation.answer": frozenset({Role.COMMUNITY_OFFICER, Role.SUPERVISOR, Role.LEADER}),
    # Satisfaction (回访) results.
    "survey.view": frozenset({Role.SUPERVISOR, Role.LEADER, Role.ANALYST}),
    # Complaints about policing (警务投诉).
    "complaint.view": frozenset({Role.SUPERVISOR, Role.LEADER}),
    "complaint.receive": frozenset({Role.SUPERVISOR, Role.LEADER, Role.DISPATCHER}),
    "complaint.assign": frozenset({Role.SUPERVISOR, Role.LEADER}),
    "complaint.handle": frozenset({Role.SUPERVISOR}),
    # Open311 API keys (clients such as the city's 12345 hotline).
    "open311.manage": frozenset({Role.ADMINISTRATOR}),
}
