"""Core models: jurisdictions, accounts and roles, API tokens, the audit chain, attachments,
notifications."""

from zhian.core.models.accounts import LoginFailure, Role, RoleAssignment, User
from zhian.core.models.attachments import Attachment
from zhian.core.models.audit import AuditEvent
from zhian.core.models.idempotency import IdempotencyRecord
from zhian.core.models.jurisdictions import Jurisdiction, JurisdictionCell, JurisdictionKind
from zhian.core.models.notifications import Notification, OutboxChannel, OutboxMessage
from zhian.core.models.tokens import ApiToken

__all__ = [
    "ApiToken",
    "Attachment",
    "AuditEvent",
    "IdempotencyRecord",
    "Jurisdiction",
    "JurisdictionCell",
    "JurisdictionKind",
    "LoginFailure",
    "Notification",
    "OutboxChannel",
    "OutboxMessage",
    "Role",
    "RoleAssignment",
    "User",
]
