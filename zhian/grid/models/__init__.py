"""Grid governance data: departments and routing, grid reports and referrals (吹哨报到)."""

from zhian.grid.models.disputes import (
    Dispute,
    DisputeAgreement,
    DisputeEvent,
    DisputeParty,
    FollowUpVisit,
    MediationSession,
)
from zhian.grid.models.places import (
    Campaign,
    Hazard,
    HazardFollowUp,
    InspectionPlan,
    InspectionRecord,
    InspectionTask,
    Place,
)
from zhian.grid.models.reports import (
    Department,
    DepartmentMember,
    GridReport,
    Referral,
    ReportEvent,
    ReportPhoto,
    RoutingRule,
    SlaAlert,
)

__all__ = [
    "Campaign",
    "Department",
    "DepartmentMember",
    "Dispute",
    "DisputeAgreement",
    "DisputeEvent",
    "DisputeParty",
    "FollowUpVisit",
    "GridReport",
    "Hazard",
    "HazardFollowUp",
    "InspectionPlan",
    "InspectionRecord",
    "InspectionTask",
    "MediationSession",
    "Place",
    "Referral",
    "ReportEvent",
    "ReportPhoto",
    "RoutingRule",
    "SlaAlert",
]
