"""The audit chain: appends, verification, tampering of each kind, concurrency."""

from __future__ import annotations

import json
import threading
from typing import Any

import pytest
from django.core.management import call_command
from django.db import DatabaseError, connection, connections, transaction

from tests.factories import UserFactory
from zhian.core import audit
from zhian.core.errors import ValidationFailed
from zhian.core.models import AuditEvent

pytestmark = pytest.mark.django_db

TRIGGERS = {
    "sqlite": (
        ["DROP TRIGGER core_auditevent_no_update", "DROP TRIGGER core_auditevent_no_delete"]
    ),
    "postgresql": ["ALTER TABLE core_auditevent DISABLE TRIGGER USER"],
}


def attacker_sql(*statements: str) -> None:
    """Run SQL as someone with owner rights who first disables the append-only triggers."""
    with connection.cursor() as cursor:
        for sql in TRIGGERS[connection.vendor]:
            cursor.execute(sql)
        for sql in statements:
            cursor.execute(sql)


def append(n: int) -> list[AuditEvent]:
    user = UserFactory()
    return [
        audit.record(actor=user, action="test.write", object_type="x", object_id=i, data={"i": i})
        for i in range(n)
    ]


def verify(capsys: Any, *args: str) -> tuple[int, str]:
    with pytest.raises(SystemExit) as exc:
        call_command("audit_verify", *args)
    captured = capsys.readouterr()
    return int(exc.value.code or 0), captured.out + captured.err


def test_chain_links_each_event_to_the_previous() -> None:
    events = append(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert audit.verify_chain().ok


def test_audit_verify_prints_count_when_intact(capsys: Any, settings: Any, tmp_path: Any) -> None:
    settings.ZHIAN_AUDIT_HEAD_FILE = tmp_path / "none.json"
    append(4)
    call_command("audit_verify")
    assert "共 4 条事件" in capsys.readouterr().out


def test_database_refuses_update_and_delete() -> None:
    append(2)
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=1).update(action="forged")
    with pytest.raises(DatabaseError), transaction.atomic():
        AuditEvent.objects.filter(seq=2).delete()
    assert AuditEvent.objects.count() == 2


@pytest.mark.parametrize(
    ("sql", "bad_seq", "words"),
    [
        ("UPDATE core_auditevent SET action = 'forged' WHERE seq = 3", 3, "内容已被修改"),
        ("UPDATE core_auditevent SET data = '{\"i\": 99}' WHERE seq = 2", 2, "内容已被修改"),
        ("DELETE FROM core_auditevent WHERE seq = 3", 3, "缺失"),
    ],
    ids=["modified-action", "modified-data", "deleted-middle"],
)
def test_tampering_is_detected_at_the_first_bad_event(
    sql: str, bad_seq: int, words: str, capsys: Any, settings: Any, tmp_path: Any
) -> None:
    settings.ZHIAN_AUDIT_HEAD_FILE = tmp_path / "none.json"
    append(5)
    attacker_sql(sql)
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_bad_seq == bad_seq
    assert words in report.reason
    code, out = verify(capsys)
    assert code == 1
    assert f"#{bad_seq}" in out


def test_reordering_is_detected() -> None:
    append(5)
    # Swap events 2 and 4 by renumbering (through a free number to dodge the unique index).
    attacker_sql(
        "UPDATE core_auditevent SET seq = 100 WHERE seq = 2",
        "UPDATE core_auditevent SET seq = 2 WHERE seq = 4",
        "UPDATE core_auditevent SET seq = 4 WHERE seq = 100",
    )
    report = audit.verify_chain()
    assert not report.ok
    assert report.first_bad_seq == 2


def test_truncated_tail_is_detected_only_against_the_exported_head(
    capsys: Any, tmp_path: Any, settings: Any
) -> None:
    head_file = tmp_path / "head.json"
    settings.ZHIAN_AUDIT_HEAD_FILE = head_file
    append(5)
    call_command("audit_export_head")
    assert json.loads(head_file.read_text())["seq"] == 5
    attacker_sql("DELETE FROM core_auditevent WHERE seq >= 4")
    assert audit.verify_chain().ok  # a shorter chain is self-consistent...
    code, out = verify(capsys)  # ...but not against the exported head
    assert code == 1
    assert "截断" in out


def test_personal_data_read_requires_a_purpose() -> None:
    user = UserFactory()
    with pytest.raises(ValidationFailed):
        audit.record_personal_data_read(actor=user, obj=user, purpose=" ", fields=["phone"])
    event = audit.record_personal_data_read(
        actor=user, obj=user, purpose="核实报警人身份", fields=["phone", "name"]
    )
    assert event.action == "personal_data.read"
    assert event.purpose == "核实报警人身份"
    assert event.data == {"fields": ["name", "phone"]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_appends_keep_one_chain() -> None:
    user = UserFactory()
    threads, per_thread = 6, 20
    errors: list[BaseException] = []
    start = threading.Barrier(threads)

    def writer(t: int) -> None:
        try:
            start.wait()
            for i in range(per_thread):
                with transaction.atomic():
                    audit.record(actor=user, action="test.concurrent", data={"t": t, "i": i})
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    pool = [threading.Thread(target=writer, args=(t,)) for t in range(threads)]
    for th in pool:
        th.start()
    for th in pool:
        th.join()
    assert errors == []
    assert AuditEvent.objects.count() == threads * per_thread
    report = audit.verify_chain()
    assert report.ok, report.reason
    assert report.count == threads * per_thread
