"""Ledgers (十本账): one xlsx book per place type, written and read back.

Export writes the filtered places the user sees; import reads the bureau's own book (the
same headers, any column order), checks every row (types, the type's attributes, the
phone, that the point lies in the user's jurisdictions) and stores nothing unless every
row passes: one transaction, all or none. Errors name the row and column as Excel shows
them. Rows are matched to existing places by type, name and address (updated), the rest
are created."""

from __future__ import annotations

import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import IO, Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import ServiceError, ValidationFailed
from zhian.core.exports import Column, Sheet, read_xlsx, write_xlsx
from zhian.core.scoping import check_can, scope_paths
from zhian.grid.choices import PlaceType, RiskTier
from zhian.grid.models import Place
from zhian.grid.services import place_rules
from zhian.grid.services.places import PlaceInput, build_place

BASE_COLUMNS = [
    ("name", "名称"),
    ("address", "地址"),
    ("lon", "经度"),
    ("lat", "纬度"),
    ("operator_name", "负责人"),
    ("operator_phone", "联系电话"),
]
EXPORT_ONLY = [("jurisdiction", "所属辖区"), ("risk_tier", "风险等级")]


def _is_number(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _bool_text(value: bool) -> str:
    return "是" if value else "否"


def headers_for(place_type: str) -> list[tuple[str, str]]:
    """``(key, header)`` of a type's ledger: the place's fields, then its attributes."""
    attrs = [(f"attr:{a.key}", str(a.label)) for a in place_rules.ATTRIBUTES[place_type]]
    return BASE_COLUMNS + attrs


def export_ledger(places: Iterable[Place], place_type: str) -> bytes:
    columns = headers_for(place_type)
    tiers = dict(RiskTier.choices)
    rows = []
    for p in places:
        row: list[Any] = []
        for key, _header in columns:
            if key.startswith("attr:"):
                value = p.attributes.get(key[5:])
                row.append(_bool_text(value) if isinstance(value, bool) else value)
            else:
                row.append(getattr(p, key))
        row += [p.jurisdiction.name, str(tiers[p.risk_tier])]
        rows.append(row)
    headers = [h for _k, h in columns] + [h for _k, h in EXPORT_ONLY]
    title = str(PlaceType(place_type).label)
    return write_xlsx([Sheet(title=title, headers=headers, rows=rows)])


@dataclass(frozen=True)
class Imported:
    created: int
    updated: int


def _letters(data: bytes) -> dict[str, str]:
    """Header text → its column letter in the file (for naming columns in errors)."""
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    try:
        first = next(workbook.worksheets[0].iter_rows(min_row=1, max_row=1, values_only=True), ())
    finally:
        workbook.close()
    return {
        " ".join(str(h).split()): get_column_letter(i + 1)
        for i, h in enumerate(first)
        if h is not None
    }


@transaction.atomic
def do_import_ledger(file: IO[bytes] | bytes, place_type: str, *, acting_user: Any) -> Imported:
    """Import a type's ledger. Raises ``ValidationFailed(code="import_rows")`` with
    ``errors = [{"row", "column", "header", "message"}]`` when any row is wrong; then
    nothing is stored."""
    if place_type not in PlaceType.values:
        raise ValidationFailed(_("场所类型无效"), code="invalid_place_type")
    paths = scope_paths(acting_user, "place.manage")
    if paths == []:
        raise ValidationFailed(_("您没有登记场所的权限"), code="forbidden_action")
    data = file if isinstance(file, bytes) else file.read()
    spec = headers_for(place_type)
    # Every cell is read as it is and checked here, so that all faults of all rows are
    # listed together (read_xlsx would stop at the first kind of fault).
    rows = read_xlsx(data, [Column(key, header, required=False) for key, header in spec])
    letters = _letters(data)
    header_of = dict(spec)
    errors: list[dict[str, Any]] = []
    built: list[tuple[Place, dict[str, Any]]] = []
    seen: dict[tuple[str, str], int] = {}

    def fault(row: dict[str, Any], key: str, message: str) -> None:
        header = header_of.get(key, header_of["lon"])
        errors.append(
            {
                "row": row["_row"],
                "column": letters.get(header, "?"),
                "header": header,
                "message": message,
            }
        )

    for row in rows:
        missing = [k for k, _h in BASE_COLUMNS if row[k] is None]
        if missing:
            fault(row, missing[0], _("必填"))
            continue
        bad = [k for k in ("lon", "lat") if not _is_number(row[k])]
        if bad:
            fault(row, bad[0], _("须为数字"))
            continue
        attrs = {k[5:]: row[k] for k, _h in spec if k.startswith("attr:") and row[k] is not None}
        try:
            place = build_place(
                PlaceInput(
                    name=str(row["name"]),
                    place_type=place_type,
                    address=str(row["address"]),
                    lon=float(row["lon"]),
                    lat=float(row["lat"]),
                    operator_name=str(row["operator_name"]),
                    operator_phone=str(row["operator_phone"]),
                    attributes=attrs,
                ),
                acting_user=acting_user,
            )
        except ServiceError as error:
            field = error.extra.get("field") or next(iter(error.extra.get("fields", {})), "lon")
            fault(row, field if field in header_of else f"attr:{field}", error.message)
            continue
        identity = (place.name, place.address)
        if identity in seen:
            errors.append(
                {
                    "row": row["_row"],
                    "column": letters.get("名称", "?"),
                    "header": "名称",
                    "message": _("与第 %(row)d 行重复") % {"row": seen[identity]},
                }
            )
            continue
        seen[identity] = row["_row"]
        built.append((place, row))
    if errors:
        first = errors[0]
        raise ValidationFailed(
            _(
                "表格有 %(n)d 处错误，未导入任何数据；"
                "第一处：第 %(row)d 行 %(col)s 列（%(header)s）：%(msg)s"
            )
            % {
                "n": len(errors),
                "row": first["row"],
                "col": first["column"],
                "header": first["header"],
                "msg": first["message"],
            },
            code="import_rows",
            errors=errors,
        )
    existing = {
        (p.name, p.address): p
        for p in Place.objects.filter(place_type=place_type, name__in=[b.name for b, _r in built])
    }
    created = updated = 0
    fields = [
        "address",
        "lon",
        "lat",
        "h3_cell",
        "operator_name",
        "operator_phone",
        "attributes",
        "risk_tier",
        "risk_reasons",
        "jurisdiction",
    ]
    for place, _row in built:
        old = existing.get((place.name, place.address))
        if old is None:
            place.save(force_insert=True)
            created += 1
            continue
        check_can(acting_user, "place.manage", old.jurisdiction)
        Place.objects.filter(pk=old.pk).update(
            **{f: getattr(place, f) for f in fields},
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
        updated += 1
    audit.record(
        actor=acting_user,
        action="place.import",
        data={"type": place_type, "created": created, "updated": updated},
    )
    return Imported(created=created, updated=updated)
