"""``manage.py backup [--output DIR]``: a consistent backup of the running database and its
manifest (row counts, audit chain head, SHA-256); see :mod:`zhian.core.backup`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction

from zhian.core import audit
from zhian.core.backup import BackupError, make_backup


class Command(BaseCommand):
    help = (
        "备份数据库（PostgreSQL：pg_dump -Fc；SQLite：在线备份），"
        "并写出清单（各表行数、审计链头、SHA-256）。"
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--output",
            type=Path,
            default=None,
            help="备份目录（默认 ZHIAN_BACKUP_DIR）",
        )

    def handle(self, *args: Any, output: Path | None, **options: Any) -> None:
        directory = output or Path(settings.ZHIAN_BACKUP_DIR)
        try:
            manifest_path = make_backup(directory)
        except BackupError as exc:
            self.stderr.write(f"备份失败：{exc}")
            raise SystemExit(2) from exc
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        with transaction.atomic():
            audit.record(
                actor=None,
                action="backup.create",
                data={
                    "job": "backup",
                    "file": manifest["file"],
                    "sha256": manifest["sha256"],
                    "audit_head_seq": manifest["audit_head"]["seq"],
                },
            )
        self.stdout.write(
            f"OK: {manifest['file']}（{manifest['bytes']} 字节，{len(manifest['tables'])} 张表，"
            f"审计链头 #{manifest['audit_head']['seq']}）清单 {manifest_path}"
        )
