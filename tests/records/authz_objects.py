"""Records' objects for the authorisation matrix (tests/core/security/test_authz_matrix.py):
a case with a party, an evidence item with a file, an open approval and a running deadline
in station S1 ("in") and S2 ("out"); the statutory rule table is one for the bureau."""

from __future__ import annotations

import importlib
from typing import Any

from django.apps import apps as django_apps
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.factories import Role, UserFactory

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 100


def authz_objects(tree: dict[str, Any]) -> dict[str, dict[str, str]]:
    from tests.records.factories import fill, open_case
    from zhian.records.choices import Stage
    from zhian.records.models import CaseCategory, Deadline, DeadlineRule
    from zhian.records.services.approvals import do_submit_for_approval
    from zhian.records.services.parties import (
        do_add_party,
        do_attach_evidence_file,
        do_register_evidence,
    )

    if not CaseCategory.objects.exists():
        importlib.import_module("zhian.records.migrations.0002_seed_categories_and_rules").seed(
            django_apps, None
        )
    rule = DeadlineRule.objects.order_by("pk").first()
    assert rule is not None
    out: dict[str, dict[str, str]] = {}
    for scope, station in (("in", "S1"), ("out", "S2")):
        officer = UserFactory(
            username=f"authz_records_{station}", roles=[(Role.CASE_OFFICER, tree[station])]
        )
        case = fill(
            open_case(officer, station=station),
            officer,
            summary="简要",
            legal_basis="治安管理处罚法",
        )
        party = do_add_party(
            case,
            acting_user=officer,
            role="suspect",
            name="张三丰",
            legal_basis="public_security_administration",
            phone="13812345678",
        )
        evidence = do_register_evidence(
            case,
            acting_user=officer,
            kind="physical",
            name="折叠刀",
            holder="王某",
            reason="现场提取",
        )
        upload = SimpleUploadedFile("现场.png", PNG, content_type="image/png")
        evidence_file = do_attach_evidence_file(evidence, acting_user=officer, upload=upload)
        deadline = Deadline.objects.filter(case=case).order_by("pk").first()
        assert deadline is not None
        case.refresh_from_db()
        approval = do_submit_for_approval(
            case, acting_user=officer, target=Stage.FILED, expected_version=case.version
        )
        out[scope] = {
            "case_id": str(case.pk),
            "party_id": str(party.pk),
            "evidence_id": str(evidence.pk),
            "file_id": str(evidence_file.pk),
            "deadline_id": str(deadline.pk),
            "approval_id": str(approval.pk),
            "decision": "approve",
            "rule_id": str(rule.pk),
        }
    return out
