"""``manage.py export_jurisdictions [--root CODE] [FILE]``: the tree as importable GeoJSON."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhian.core.models.jurisdictions import Jurisdiction
from zhian.core.services.jurisdictions import feature_collection


class Command(BaseCommand):
    help = "导出辖区边界为 GeoJSON（可再次导入）。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", nargs="?", type=Path, help="输出文件；省略则写到标准输出")
        parser.add_argument("--root", help="只导出该编码及其下级")

    def handle(self, *args: Any, file: Path | None, root: str | None, **options: Any) -> None:
        qs = Jurisdiction.objects.all()
        if root:
            node = Jurisdiction.objects.filter(code=root).first()
            if node is None:
                raise CommandError(f"没有编码为 {root} 的辖区", returncode=2)
            qs = qs.filter(path__startswith=node.path)
        text = json.dumps(feature_collection(qs, with_cells=True), ensure_ascii=False)
        if file is None:
            sys.stdout.write(text + "\n")
        else:
            file.write_text(text, encoding="utf-8")
            self.stderr.write(f"已导出 {qs.count()} 个辖区到 {file}")
