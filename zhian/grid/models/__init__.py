"""Grid governance data: departments and routing, grid reports and referrals (吹哨报到)."""

from zhian.grid.models.disputes import (
    Dispute,
    DisputeEvent,
    DisputeParty,
    FollowUpVisit,
    MediationSession,
)
from zhian.grid.models.reports import (
    Department,
    DepartmentMember,
    GridReport,
    Referral,
    ReportEvent,
    RoutingRule,
    SlaAlert,
)

__all__ = [
    "Department",
    "DepartmentMember",
    "Dispute",
    "DisputeEvent",
    "DisputeParty",
    "FollowUpVisit",
    "GridReport",
    "MediationSession",
    "Referral",
    "ReportEvent",
    "RoutingRule",
    "SlaAlert",
]
