"""Ledgers (十本账): xlsx export then import round-trips every row; one bad row stores
nothing and the error names its row and column."""

from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from zhian.core.errors import ValidationFailed
from zhian.core.exports import Sheet, write_xlsx
from zhian.grid import selectors
from zhian.grid.models import Place
from zhian.grid.services.ledgers import do_import_ledger, export_ledger

pytestmark = pytest.mark.django_db

FIELDS = (
    "name",
    "place_type",
    "address",
    "lon",
    "lat",
    "operator_name",
    "operator_phone",
    "attributes",
    "risk_tier",
    "jurisdiction_id",
)


def _snapshot(kind: str) -> list[tuple[Any, ...]]:
    return sorted(Place.objects.filter(place_type=kind).values_list(*FIELDS))


def test_export_then_import_round_trips_every_row(
    people: dict[str, Any], places: dict[str, Any]
) -> None:
    admin = people["admin"]
    before = _snapshot("school")
    data = export_ledger(selectors.places_for(admin, place_type="school"), "school")
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    assert [c.value for c in sheet[1]][:8] == [
        "名称",
        "地址",
        "经度",
        "纬度",
        "负责人",
        "联系电话",
        "在校学生数",
        "寄宿制",
    ]
    assert sheet.max_row == 1 + 3
    # Into an empty ledger: every row comes back as it was.
    Place.objects.filter(place_type="school").delete()
    result = do_import_ledger(data, "school", acting_user=admin)
    assert (result.created, result.updated) == (3, 0)
    assert _snapshot("school") == before
    # Imported again: matched by name and address and updated, nothing duplicated.
    again = do_import_ledger(data, "school", acting_user=admin)
    assert (again.created, again.updated) == (0, 3)
    assert _snapshot("school") == before


def _book(rows: list[list[Any]]) -> bytes:
    headers = ["名称", "地址", "经度", "纬度", "负责人", "联系电话", "客房数"]
    return write_xlsx([Sheet(title="旅馆", headers=headers, rows=rows)])


def test_an_import_with_one_bad_row_stores_nothing_and_names_row_and_column(
    people: dict[str, Any],
) -> None:
    good = ["锦江之星", "文一路 1 号", 120.012, 30.012, "张经理", "13800138000", 120]
    rows = [
        good,
        ["汉庭", "文二路 2 号", 120.013, 30.013, "李经理", "13900139000", 30],
        ["七天", "文三路 3 号", 120.014, 30.014, "王经理", "12345", 40],  # bad phone: row 4, F
        ["如家", "文四路 4 号", 120.015, 30.015, "赵经理", "13700137000", 60],
    ]
    with pytest.raises(ValidationFailed) as err:
        do_import_ledger(_book(rows), "hotel", acting_user=people["admin"])
    assert err.value.code == "import_rows"
    assert [(e["row"], e["column"], e["header"]) for e in err.value.extra["errors"]] == [
        (4, "F", "联系电话")
    ]
    assert "第 4 行 F 列（联系电话）" in err.value.message
    assert not Place.objects.exists()


def test_every_faulty_row_is_listed_with_its_column(people: dict[str, Any]) -> None:
    rows = [
        ["锦江之星", "文一路 1 号", "东经120", 30.012, "张经理", "13800138000", 120],
        ["汉庭", "文二路 2 号", 120.013, 30.013, "李经理", "13900139000", "很多"],
        ["格林", "西湖", 120.05, 30.01, "钱经理", "13600136000", 20],  # east: not the admin's?
        ["锦江之星", "文一路 1 号", 120.012, 30.012, "张经理", "13800138000", 120],
    ]
    with pytest.raises(ValidationFailed) as err:
        do_import_ledger(_book(rows), "hotel", acting_user=people["community"])
    found = [(e["row"], e["column"]) for e in err.value.extra["errors"]]
    # Row 2: longitude not a number (C); row 3: rooms not a number (G); row 4: the point is
    # outside the community officer's sector (C, the longitude).
    assert found[:3] == [(2, "C"), (3, "G"), (4, "C")]
    assert not Place.objects.exists()
