"""``manage.py restore MANIFEST``: restore a backup into the configured **empty** database,
verify it against its manifest and the audit chain, and record the drill in the chain.
Exit 2 with the reason on any refusal or difference."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from zhian.core import audit
from zhian.core.backup import BackupError, restore_backup


class Command(BaseCommand):
    help = "把备份恢复到空数据库，核对清单（行数、审计链头、SHA-256）并校验审计链；记录恢复演练。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("manifest", type=Path, help="备份清单（*.manifest.json）")

    def handle(self, *args: Any, manifest: Path, **options: Any) -> None:
        try:
            restored = restore_backup(manifest)
        except BackupError as exc:
            self.stderr.write(f"拒绝恢复：{exc}")
            raise SystemExit(2) from exc
        with transaction.atomic():
            audit.record(
                actor=None,
                action="backup.restore_drill",
                data={
                    "job": "restore",
                    "file": restored["file"],
                    "sha256": restored["sha256"],
                    "backup_created_at": restored["created_at"],
                    "tables": len(restored["tables"]),
                    "rows": sum(restored["tables"].values()),
                    "audit_head_seq": restored["audit_head"]["seq"],
                },
            )
        self.stdout.write(
            f"OK: 已恢复 {restored['file']}，{len(restored['tables'])} 张表行数与清单一致，"
            f"审计链校验通过（链头 #{restored['audit_head']['seq']}），恢复演练已记入审计链"
        )
