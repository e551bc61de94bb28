"""Case numbers (案件编号): type letter, 6-digit bureau code, year, 6-digit sequence.

The sequence is taken by one statement, an upsert that returns the new value, the same
pattern dispatch uses for incident numbers per day; the counter row stays locked until
the transaction commits, so numbers are gapless and unique under concurrency on SQLite
and PostgreSQL. :func:`take_next` is written for any counter model and could move to core.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, models
from django.utils import timezone

from zhian.core.models import Jurisdiction
from zhian.records.choices import CASE_TYPE_LETTER, CaseType
from zhian.records.models import CaseCounter


def take_next(model: type[models.Model], **key: Any) -> int:
    """Increment ``model.last`` for the row identified by ``key`` (creating it at 1) and
    return the new value, in one INSERT … ON CONFLICT … RETURNING statement."""
    table = connection.ops.quote_name(model._meta.db_table)
    columns = []
    for name in key:
        field = model._meta.get_field(name)
        assert isinstance(field, models.Field)
        columns.append(str(field.column))
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    placeholders = ", ".join(["%s"] * len(columns))
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} ({names}, last) VALUES ({placeholders}, 1) "
            f"ON CONFLICT ({names}) DO UPDATE SET last = {table}.last + 1 RETURNING last",
            [getattr(value, "pk", value) for value in key.values()],
        )
        (last,) = cursor.fetchone()
    return int(last)


def bureau_number_code(bureau: Jurisdiction) -> str:
    """The bureau's 6-digit code for case numbers: ``ZHIAN_CASE_BUREAU_CODES[bureau.code]``
    or ``ZHIAN_CASE_BUREAU_CODE``."""
    codes: dict[str, str] = getattr(settings, "ZHIAN_CASE_BUREAU_CODES", {})
    return codes.get(bureau.code, settings.ZHIAN_CASE_BUREAU_CODE)


def next_case_number(bureau: Jurisdiction, case_type: str, at: datetime) -> str:
    year = timezone.localtime(at).year
    sequence = take_next(CaseCounter, bureau=bureau, case_type=case_type, year=year)
    letter = CASE_TYPE_LETTER[CaseType(case_type)]
    return f"{letter}{bureau_number_code(bureau)}{year:04d}{sequence:06d}"
