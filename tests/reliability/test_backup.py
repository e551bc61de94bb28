"""Restore drill: back up while call-takers keep writing, restore into an empty database,
and prove it: the manifest's counts and audit head match, the chain verifies, the drill
is recorded. A non-empty target, a damaged file and a manifest that does not match what
was restored are each refused with exit 2 (so a restore that skipped verification would
fail this test)."""

from __future__ import annotations

import json
import threading
import uuid
from pathlib import Path
from typing import Any

import pytest

from tests.reliability._load import Load
from tests.reliability._site import Site, manage, pg_execute, pg_server_url, run_python

pytestmark = pytest.mark.slow


def empty_target(site: Site, tmp_path: Path, name: str) -> Site:
    var = tmp_path / name
    var.mkdir()
    if site.database_url:
        db = f"zhian_restore_{uuid.uuid4().hex[:8]}"
        pg_execute(site.database_url, f"CREATE DATABASE {db}")
        return Site(var, pg_server_url(site.database_url, db))
    return Site(var)


def test_restore_drill_with_writes_during_the_backup(make_site: Any, tmp_path: Path) -> None:
    site = make_site()
    site.start()
    load = Load(site, creators=3, kill_after=10)
    backups = tmp_path / "backups"
    result: dict[str, Any] = {}

    def backup_while_writing() -> None:
        result["backup"] = manage(site.env, "backup", "--output", str(backups))

    writer = threading.Thread(target=lambda: load.run_until_acks(backup_while_writing))
    writer.start()
    writer.join(timeout=300)
    done = result["backup"]
    assert done.returncode == 0, done.stderr
    (manifest_path,) = backups.glob("*.manifest.json")
    manifest = json.loads(manifest_path.read_text())
    assert manifest["tables"]["dispatch_incident"] >= 10
    assert manifest["audit_head"]["seq"] > 0 and len(manifest["sha256"]) == 64

    target = empty_target(site, tmp_path, "target")
    restored = manage(target.env, "restore", str(manifest_path))
    assert restored.returncode == 0, restored.stderr
    state = target.check()
    assert state["chain_ok"] and len(state["incidents"]) == manifest["tables"]["dispatch_incident"]
    drill = run_python(
        target.env,
        "from zhian.core.models import AuditEvent\n"
        "print(AuditEvent.objects.filter(action='backup.restore_drill').count())",
    )
    assert drill.strip().splitlines()[-1] == "1"

    # The same restore again: the target is no longer empty.
    again = manage(target.env, "restore", str(manifest_path))
    assert again.returncode == 2 and "不是空库" in again.stderr

    # A manifest that does not describe the file's contents.
    wrong = dict(manifest, tables={**manifest["tables"], "dispatch_incident": 1})
    wrong_path = manifest_path.with_name("wrong.manifest.json")
    wrong_path.write_text(json.dumps(wrong))
    refused = manage(empty_target(site, tmp_path, "t2").env, "restore", str(wrong_path))
    assert refused.returncode == 2 and "行数与清单不符" in refused.stderr

    # A damaged file.
    damaged = backups / ("damaged-" + manifest["file"])
    data = bytearray((backups / manifest["file"]).read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    damaged_manifest = manifest_path.with_name("damaged.manifest.json")
    damaged_manifest.write_text(json.dumps(dict(manifest, file=damaged.name)))
    refused = manage(empty_target(site, tmp_path, "t3").env, "restore", str(damaged_manifest))
    assert refused.returncode == 2 and "SHA-256" in refused.stderr
