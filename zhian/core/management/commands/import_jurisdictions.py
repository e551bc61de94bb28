"""``manage.py import_jurisdictions FILE.geojson``: all of it or nothing (exit 2 on faults)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhian.core.services.jurisdictions import JurisdictionImportError, do_import_jurisdictions


class Command(BaseCommand):
    help = "导入辖区边界（GeoJSON FeatureCollection，WGS84）。任何一处错误都会使整个文件不被导入。"

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)

    def handle(self, *args: Any, file: Path, **options: Any) -> None:
        try:
            data = json.loads(file.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise CommandError(f"{file}: 文件不存在", returncode=2) from None
        except json.JSONDecodeError as exc:
            raise CommandError(
                f"{file}:{exc.lineno}:{exc.colno}: 不是有效的 JSON：{exc.msg}", returncode=2
            ) from None
        try:
            summary = do_import_jurisdictions(data, acting_user=None)
        except JurisdictionImportError as exc:
            for fault in exc.faults:
                self.stderr.write(f"{file}: {fault}")
            raise CommandError(exc.message, returncode=2) from None
        self.stdout.write(f"已导入：新建 {summary.created}，更新 {summary.updated}")
