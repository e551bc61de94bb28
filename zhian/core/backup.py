"""Backups with a manifest, and restores that prove themselves (备份与恢复演练).

A backup is one file plus ``<file>.manifest.json``: the row count of every table, the
audit chain head and the file's SHA-256, all taken from the same consistent view of the
database as the file itself, while the server keeps writing:

* PostgreSQL: a REPEATABLE READ transaction exports its snapshot; the counts and the head
  are read in it and ``pg_dump -Fc --snapshot`` dumps exactly that snapshot.
* SQLite: the online backup API copies the live database page by page into a new file;
  the counts and the head are then read from that copy.

A restore goes only into an **empty** database, checks the file's SHA-256 first, restores,
then compares every table's count and the audit head with the manifest and verifies the
whole chain up to that head. Any difference is refused (:class:`BackupError`).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import connection

from zhian.core.audit import verify_chain
from zhian.core.models.audit import AuditEvent

FORMAT = "zhian-backup-1"


class BackupError(Exception):
    """A backup or restore that must not be trusted; the message says why."""


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _pg_bin(name: str) -> str:
    return str(Path(getattr(settings, "ZHIAN_PG_BIN", "/usr/lib/postgresql/15/bin")) / name)


def _pg_env_and_args() -> tuple[dict[str, str], list[str]]:
    db = connection.settings_dict
    env = {**os.environ}
    if db.get("PASSWORD"):
        env["PGPASSWORD"] = db["PASSWORD"]
    args = ["-h", db.get("HOST") or "127.0.0.1", "-U", db.get("USER") or "postgres"]
    if db.get("PORT"):
        args += ["-p", str(db["PORT"])]
    return env, args


def _counts_and_head(cursor: Any, tables: list[str]) -> tuple[dict[str, int], dict[str, Any]]:
    counts = {}
    for table in sorted(tables):
        cursor.execute(f'SELECT COUNT(*) FROM "{table}"')
        counts[table] = int(cursor.fetchone()[0])
    audit = AuditEvent._meta.db_table
    cursor.execute(f'SELECT seq, hash FROM "{audit}" ORDER BY seq DESC LIMIT 1')
    row = cursor.fetchone()
    head = {"seq": int(row[0]), "hash": row[1]} if row else {"seq": 0, "hash": ""}
    return counts, head


def _backup_postgresql(path: Path) -> tuple[dict[str, int], dict[str, Any]]:
    import psycopg

    db = connection.settings_dict
    tables = connection.introspection.table_names()
    env, args = _pg_env_and_args()
    with psycopg.connect(
        dbname=db["NAME"],
        user=db.get("USER") or None,
        password=db.get("PASSWORD") or None,
        host=db.get("HOST") or None,
        port=db.get("PORT") or None,
    ) as conn:
        conn.isolation_level = psycopg.IsolationLevel.REPEATABLE_READ
        with conn.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            (snapshot,) = cursor.fetchone()  # type: ignore[misc]
            counts, head = _counts_and_head(cursor, tables)
            done = subprocess.run(
                [
                    _pg_bin("pg_dump"),
                    "-Fc",
                    "--snapshot",
                    snapshot,
                    "-f",
                    str(path),
                    *args,
                    db["NAME"],
                ],
                env=env,
                capture_output=True,
                text=True,
            )
        conn.rollback()
    if done.returncode != 0:
        raise BackupError(f"pg_dump 失败：{done.stderr.strip()[-500:]}")
    return counts, head


def _backup_sqlite(path: Path) -> tuple[dict[str, int], dict[str, Any]]:
    source = sqlite3.connect(str(connection.settings_dict["NAME"]), timeout=30)
    target = sqlite3.connect(str(path))
    try:
        source.backup(target, pages=1024)  # online: other writers proceed between steps
        tables = [
            r[0]
            for r in target.execute(
                "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return _counts_and_head(target.cursor(), tables)
    finally:
        target.close()
        source.close()


def make_backup(directory: Path) -> Path:
    """Write a backup and its manifest into ``directory``; the manifest's path."""
    directory.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    vendor = connection.vendor
    path = directory / f"zhian-{stamp}.{'dump' if vendor == 'postgresql' else 'sqlite3'}"
    if vendor == "postgresql":
        counts, head = _backup_postgresql(path)
    elif vendor == "sqlite":
        counts, head = _backup_sqlite(path)
    else:
        raise BackupError(f"不支持的数据库：{vendor}")
    manifest = {
        "format": FORMAT,
        "vendor": vendor,
        "created_at": datetime.now(UTC).isoformat(),
        "file": path.name,
        "sha256": sha256_of(path),
        "bytes": path.stat().st_size,
        "tables": counts,
        "audit_head": head,
    }
    manifest_path = path.with_name(path.name + ".manifest.json")
    manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False), encoding="utf-8")
    return manifest_path


def _target_tables() -> list[str]:
    return list(connection.introspection.table_names())


def restore_backup(manifest_path: Path) -> dict[str, Any]:
    """Restore into the configured, empty database and verify it against the manifest;
    the manifest. Raises :class:`BackupError` on any refusal or difference."""
    try:
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(f"无法读取清单 {manifest_path}：{exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(f"清单格式不是 {FORMAT}")
    if manifest.get("vendor") != connection.vendor:
        raise BackupError(f"备份来自 {manifest.get('vendor')}，目标数据库是 {connection.vendor}")
    dump = manifest_path.with_name(manifest["file"])
    if not dump.exists():
        raise BackupError(f"备份文件 {dump} 不存在")
    if sha256_of(dump) != manifest["sha256"]:
        raise BackupError("备份文件的 SHA-256 与清单不符：文件已损坏或被改动")
    if _target_tables():
        raise BackupError("目标数据库不是空库：恢复只写入新建的空数据库")
    if connection.vendor == "postgresql":
        env, args = _pg_env_and_args()
        done = subprocess.run(
            [
                _pg_bin("pg_restore"),
                "--no-owner",
                "--exit-on-error",
                *args,
                "-d",
                connection.settings_dict["NAME"],
                str(dump),
            ],
            env=env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise BackupError(f"pg_restore 失败：{done.stderr.strip()[-500:]}")
    else:
        connection.close()
        target = Path(connection.settings_dict["NAME"])
        shutil.copyfile(dump, target)
    connection.close()
    _verify_restored(manifest)
    return manifest


def _verify_restored(manifest: dict[str, Any]) -> None:
    with connection.cursor() as cursor:
        counts, head = _counts_and_head(cursor, _target_tables())
    expected = manifest["tables"]
    wrong = sorted(t for t in set(counts) | set(expected) if counts.get(t) != expected.get(t))
    if wrong:
        detail = "，".join(f"{t} {counts.get(t)}≠{expected.get(t)}" for t in wrong[:5])
        raise BackupError(f"恢复后的行数与清单不符：{detail}")
    if head != manifest["audit_head"]:
        raise BackupError(f"恢复后的审计链头 {head} 与清单 {manifest['audit_head']} 不符")
    report = verify_chain(manifest["audit_head"] if head["seq"] else None)
    if not report.ok:
        raise BackupError(f"恢复后的审计链校验失败：{report.reason}")
