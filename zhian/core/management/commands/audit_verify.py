"""``manage.py audit_verify``: exit 0 with the count, or 1 naming the first broken event."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from zhian.core.audit import verify_chain


class Command(BaseCommand):
    help = "校验审计哈希链；若有导出的链头文件，同时检查链尾是否被截断。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--head",
            type=Path,
            default=None,
            help="导出的链头文件（默认 ZHIAN_AUDIT_HEAD_FILE，存在时使用）",
        )

    def handle(self, *args: Any, head: Path | None, **options: Any) -> None:
        head_file = head or settings.ZHIAN_AUDIT_HEAD_FILE
        expected = None
        if head_file.exists():
            expected = json.loads(head_file.read_text(encoding="utf-8"))
        elif head is not None:
            self.stderr.write(f"链头文件 {head} 不存在")
            raise SystemExit(2)
        report = verify_chain(expected)
        if report.ok:
            self.stdout.write(
                f"OK: 审计链完整，共 {report.count} 条事件，链头 {report.head_hash[:16]}…"
            )
            return
        self.stderr.write(f"BROKEN: 第一个异常事件 #{report.first_bad_seq}：{report.reason}")
        raise SystemExit(1)
