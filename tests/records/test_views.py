"""Pages: list, open from an incident, case page, board, scores, rules, dossier, files."""

from __future__ import annotations

from io import BytesIO
from typing import Any

import pytest
from django.core.files.storage import default_storage
from django.test import Client
from django.urls import reverse

from tests.records.factories import make_incident, open_case
from tests.records.test_stages import reach
from zhian.records.choices import Stage
from zhian.records.models import Evidence, EvidenceFile
from zhian.records.services.parties import do_register_evidence

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 100


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_incident_page_offers_open_case_and_the_form_opens_it(people: dict[str, Any]) -> None:
    incident = make_incident(people["dispatcher"])
    officer = client_for(people["officer"])
    page = officer.get(reverse("dispatch:incident", args=[incident.pk]))
    url = reverse("records:open") + f"?incident={incident.pk}"
    assert url in page.content.decode()
    form = officer.get(url)
    assert incident.number in form.content.decode()
    bad = officer.post(
        reverse("records:open"),
        {"incident": incident.pk, "case_type": "administrative", "category": "", "title": ""},
    )
    assert bad.status_code == 422
    done = officer.post(
        reverse("records:open"),
        {
            "incident": incident.pk,
            "case_type": "administrative",
            "category": "X01",
            "title": "殴打他人案",
        },
    )
    assert done.status_code == 302
    case_page = officer.get(done["Location"])
    assert incident.number in case_page.content.decode()
    # the dispatcher (no case roles) is not offered the link
    assert (
        url
        not in client_for(people["dispatcher"])
        .get(reverse("dispatch:incident", args=[incident.pk]))
        .content.decode()
    )


def test_list_board_scores_rules_render_with_empty_states(people: dict[str, Any]) -> None:
    supervisor = client_for(people["supervisor"])
    assert "没有符合条件的案件" in supervisor.get(reverse("records:cases")).content.decode()
    assert "没有超期的期限" in supervisor.get(reverse("records:board")).content.decode()
    assert "该期间没有考评" in supervisor.get(reverse("records:scores")).content.decode()
    assert "X_HANDLING" in supervisor.get(reverse("records:rules")).content.decode()
    open_case(people["officer"])
    listed = supervisor.get(reverse("records:cases") + "?stage=accepted")
    assert "X330203" in listed.content.decode()
    xlsx = supervisor.get(reverse("records:cases") + "?format=xlsx")
    assert xlsx["Content-Type"].startswith("application/vnd.openxmlformats")


def test_case_page_and_dossier(people: dict[str, Any]) -> None:
    case = reach(Stage.INVESTIGATING, people)
    officer = client_for(people["officer"])
    page = officer.get(reverse("records:case", args=[case.pk])).content.decode()
    assert case.number in page and "治安案件办案期限" in page
    pdf = officer.get(reverse("records:dossier", args=[case.pk]))
    assert pdf.status_code == 200 and pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF") and case.number.encode() in pdf.content
    assert (
        client_for(people["officer_s2"]).get(reverse("records:case", args=[case.pk])).status_code
        == 404
    )
    assert (
        client_for(people["officer_s2"]).get(reverse("records:dossier", args=[case.pk])).status_code
        == 404
    )


@pytest.fixture
def media_root(settings: Any, tmp_path: Any) -> Any:
    settings.MEDIA_ROOT = tmp_path
    settings.ZHIAN_EVIDENCE_MAX_BYTES = 1000
    return tmp_path


def _upload(client: Client, evidence: Evidence, name: str, data: bytes) -> Any:
    f = BytesIO(data)
    f.name = name
    return client.post(
        reverse("records:evidence_upload", args=[evidence.pk]), {"file": f}, follow=True
    )


def test_evidence_file_limits_and_checksum_on_serve(
    people: dict[str, Any], media_root: Any, django_capture_on_commit_callbacks: Any
) -> None:
    case = open_case(people["officer"])
    evidence = do_register_evidence(
        case,
        acting_user=people["officer"],
        kind="physical",
        name="手机",
        holder="民警",
        reason="提取",
    )
    officer = client_for(people["officer"])
    assert (
        "超过大小上限"
        in _upload(officer, evidence, "big.png", PNG + b"\x00" * 2000).content.decode()
    )
    assert (
        "不接受此类文件"
        in _upload(officer, evidence, "photo.png", b"MZ\x90\x00 not an image" * 5).content.decode()
    )
    assert not EvidenceFile.objects.exists() and not any(media_root.rglob("*.*"))
    with django_capture_on_commit_callbacks(execute=True):
        _upload(officer, evidence, "现场.png", PNG)
    row = EvidenceFile.objects.get()
    url = reverse("records:evidence_file", args=[row.pk])
    assert officer.get(url).status_code == 200
    assert client_for(people["officer_s2"]).get(url).status_code == 404
    with default_storage.open(row.attachment.storage_name, "wb") as handle:
        handle.write(PNG[:-1] + b"\x01")
    tampered = officer.get(url)
    assert tampered.status_code == 409


def test_rule_revision_from_the_page_applies_to_later_periods_only(people: dict[str, Any]) -> None:
    from datetime import date

    from tests.records.conftest import local
    from zhian.records.models import Deadline, DeadlineRule

    before = open_case(people["officer"], accepted_at=local(2026, 3, 2, 9))
    rule = DeadlineRule.objects.filter(code="X_HANDLING").order_by("-valid_from").first()
    assert rule is not None
    url = reverse("records:rule_revise", args=[rule.pk])
    # an officer may not revise rules
    assert client_for(people["officer"]).post(url, {}).status_code == 403
    supervisor = client_for(people["supervisor"])
    page = supervisor.get(reverse("records:rules")).content.decode()
    assert url in page
    bad = supervisor.post(
        url, {"valid_from": "2026-04-01", "amount": "0", "article": "第一条"}, follow=True
    )
    assert "期间须为正整数" in bad.content.decode()
    done = supervisor.post(
        url,
        {
            "valid_from": "2026-04-01",
            "amount": "20",
            "article": "第一百一十七条",
            "legal_text": "…",
        },
    )
    assert done.status_code == 302
    assert DeadlineRule.objects.filter(
        code="X_HANDLING", valid_from=date(2026, 4, 1), amount=20
    ).exists()
    after = open_case(people["officer"], accepted_at=local(2026, 4, 7, 9))
    assert Deadline.objects.get(case=before).rule.amount == 30
    assert Deadline.objects.get(case=after).due_at == local(2026, 4, 28)
    duplicate = supervisor.post(
        url, {"valid_from": "2026-04-01", "amount": "20", "article": "x"}, follow=True
    )
    assert "已有版本" in duplicate.content.decode()
