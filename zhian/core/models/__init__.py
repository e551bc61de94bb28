"""Core models: jurisdictions, accounts and roles, API tokens, the audit chain."""

from zhian.core.models.accounts import LoginFailure, Role, RoleAssignment, User
from zhian.core.models.audit import AuditEvent
from zhian.core.models.idempotency import IdempotencyRecord
from zhian.core.models.jurisdictions import Jurisdiction, JurisdictionCell, JurisdictionKind
from zhian.core.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "AuditEvent",
    "IdempotencyRecord",
    "Jurisdiction",
    "JurisdictionCell",
    "JurisdictionKind",
    "LoginFailure",
    "Role",
    "RoleAssignment",
    "User",
]
