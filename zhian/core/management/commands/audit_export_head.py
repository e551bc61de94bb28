"""``manage.py audit_export_head [FILE]``: save the chain head so truncation is detectable.

Run it periodically (cron or the task worker) and copy the file off the machine."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from zhian.core.audit import export_head


class Command(BaseCommand):
    help = "导出审计链头（序号与哈希），用于发现链尾被截断。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, default=None)

    def handle(self, *args: Any, file: Path | None, **options: Any) -> None:
        target = file or settings.ZHIAN_AUDIT_HEAD_FILE
        head = export_head(target)
        self.stdout.write(f"链头 #{head['seq']} 已写入 {target}")
