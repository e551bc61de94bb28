"""Core endpoints: who am I, jurisdictions, API tokens, audit events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema, Status
from ninja.pagination import CursorPagination, paginate

from zhian.core import selectors
from zhian.core.api_support import acting_user, if_match_version
from zhian.core.idempotency import response_not_stored
from zhian.core.schema_types import Days, Name100, Text100
from zhian.core.services import jurisdictions as jurisdiction_services
from zhian.core.services import tokens as token_services

router = Router()


class RoleOut(Schema):
    role: str
    jurisdiction: str


class MeOut(Schema):
    username: str
    display_name: str
    roles: list[RoleOut]


class JurisdictionOut(Schema):
    code: str
    name: str
    name_en: str
    kind: str
    parent: str | None
    bbox: list[float]
    version: int

    @staticmethod
    def resolve_parent(obj: Any) -> str | None:
        return obj.parent.code if obj.parent_id else None

    @staticmethod
    def resolve_bbox(obj: Any) -> list[float]:
        return [obj.min_lon, obj.min_lat, obj.max_lon, obj.max_lat]


class JurisdictionRename(Schema):
    name: Name100
    name_en: Text100 | None = None


class TokenIn(Schema):
    name: Name100 = Field(..., description="令牌用途，例如“AVL 接口”")
    expires_in_days: Days = Field(
        90, ge=1, description="有效期（天），最长 ZHIAN_TOKEN_MAX_DAYS（默认 90）；不可为 null"
    )


class TokenOut(Schema):
    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class TokenCreated(TokenOut):
    secret: str = Field(..., description="只显示这一次，请妥善保存")


class AuditEventOut(Schema):
    seq: int
    at: datetime
    actor: str
    action: str
    object_type: str
    object_id: str
    purpose: str
    request_id: str
    outcome: str
    hash: str


@router.get("/me", response=MeOut, tags=["accounts"])
def me(request: HttpRequest) -> dict[str, Any]:
    user = acting_user(request)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "roles": [
            {"role": ra.role, "jurisdiction": ra.jurisdiction.code}
            for ra in user.role_assignments.select_related("jurisdiction")
        ],
    }


@router.get("/jurisdictions", response=list[JurisdictionOut], tags=["jurisdictions"])
@paginate(CursorPagination, ordering=("path",), page_size=100)
def list_jurisdictions(
    request: HttpRequest, kind: str | None = None, parent: str | None = None, q: str | None = None
) -> Any:
    return selectors.jurisdictions_for(acting_user(request), kind=kind, parent=parent, q=q)


@router.get("/jurisdictions.geojson", tags=["jurisdictions"])
def jurisdictions_geojson(
    request: HttpRequest, kind: str | None = None, parent: str | None = None
) -> dict[str, Any]:
    """Boundaries as an RFC 7946 FeatureCollection (for maps), scoped to the caller."""
    qs = selectors.jurisdictions_for(acting_user(request), kind=kind, parent=parent)
    return jurisdiction_services.feature_collection(qs, limit=5000)


@router.get("/jurisdictions/{code}", response=JurisdictionOut, tags=["jurisdictions"])
def get_jurisdiction(request: HttpRequest, code: str) -> Any:
    return selectors.access_jurisdiction(acting_user(request), code)


@router.patch("/jurisdictions/{code}", response=JurisdictionOut, tags=["jurisdictions"])
def rename_jurisdiction(request: HttpRequest, code: str, payload: JurisdictionRename) -> Any:
    """Rename; send ``If-Match: <version>`` from the last read (optimistic concurrency)."""
    user = acting_user(request)
    jurisdiction = selectors.access_jurisdiction(user, code)
    return jurisdiction_services.do_rename_jurisdiction(
        jurisdiction,
        acting_user=user,
        name=payload.name,
        name_en=payload.name_en,
        expected_version=if_match_version(request),
    )


@router.get("/tokens", response=list[TokenOut], tags=["accounts"])
def list_tokens(request: HttpRequest) -> Any:
    return selectors.tokens_for(acting_user(request))


@router.post("/tokens", response={201: TokenCreated}, tags=["accounts"])
@response_not_stored
def create_token(request: HttpRequest, payload: TokenIn) -> Any:
    """Issue a token for yourself. Not replayable by ``Idempotency-Key``: the secret is
    never stored, so a lost response means issuing a new token and revoking the old one."""
    token, secret = token_services.do_create_token(
        acting_user=acting_user(request), name=payload.name, expires_in_days=payload.expires_in_days
    )
    return Status(201, {**TokenOut.from_orm(token).dict(), "secret": secret})


@router.delete("/tokens/{token_id}", response=TokenOut, tags=["accounts"])
def revoke_token(request: HttpRequest, token_id: int) -> Any:
    return token_services.do_revoke_token(acting_user=acting_user(request), token_id=token_id)


@router.get("/audit/events", response=list[AuditEventOut], tags=["audit"])
@paginate(CursorPagination, ordering=("-seq",), page_size=100)
def list_audit_events(
    request: HttpRequest,
    action: str | None = None,
    object_type: str | None = None,
    object_id: str | None = None,
) -> Any:
    qs = selectors.audit_events_for(acting_user(request))
    if action:
        qs = qs.filter(action=action)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if object_id:
        qs = qs.filter(object_id=object_id)
    return qs
