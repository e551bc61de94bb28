"""Spreadsheet writing/reading and PDFs with Chinese text."""

from __future__ import annotations

import io
import shutil
import subprocess
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
from openpyxl import Workbook, load_workbook

from zhian.core.errors import ValidationFailed
from zhian.core.exports import (
    XLSX_CONTENT_TYPE,
    Column,
    Sheet,
    cell_date,
    cell_int,
    cell_text,
    pdf_document,
    pdf_paragraph,
    pdf_response,
    pdf_table,
    read_xlsx,
    write_xlsx,
    xlsx_response,
)
from zhian.core.parties import validate_phone

HEADERS = ["姓名", "电话", "人数", "备注"]
ROWS: list[list[Any]] = [
    ["张三", "13812345678", 3, '=HYPERLINK("http://evil")'],
    ["李四", "0571-88886666", 1, "+1 正常"],
    ["王五", "13900001111", 12, "-负号开头"],
    ["赵六", "13700002222", 2, "@SUM(A1)"],
    ["钱七", "13600003333", 4, "\t制表符"],
    ["孙八", "13500004444", 5, "普通备注"],
]


def columns() -> list[Column]:
    return [
        Column("name", "姓名"),
        Column("phone", "电话", parse=lambda v: validate_phone(str(v))),
        Column("count", "人数", parse=int),
        Column("note", "备注", required=False),
    ]


def test_header_is_bold_widths_set_and_formulas_neutralised() -> None:
    data = write_xlsx([Sheet("名单", HEADERS, ROWS)])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert [c.value for c in ws[1]] == HEADERS
    assert all(c.font.b for c in ws[1])
    assert ws.column_dimensions["A"].width >= 6
    notes = [ws.cell(row=r, column=4).value for r in range(2, 8)]
    assert notes[:5] == [
        '\'=HYPERLINK("http://evil")',
        "'+1 正常",
        "'-负号开头",
        "'@SUM(A1)",
        "'\t制表符",
    ]
    assert notes[5] == "普通备注"
    assert all(ws.cell(row=r, column=4).data_type == "s" for r in range(2, 8))


def test_round_trip_returns_every_row() -> None:
    data = write_xlsx([Sheet("名单", HEADERS, ROWS)])
    rows = read_xlsx(data, columns())
    assert [r["_row"] for r in rows] == [2, 3, 4, 5, 6, 7]
    assert [r["name"] for r in rows] == [r[0] for r in ROWS]
    assert [r["phone"] for r in rows] == [r[1] for r in ROWS]
    assert [r["count"] for r in rows] == [r[2] for r in ROWS]
    assert [r["note"] for r in rows] == [r[3].strip() for r in ROWS]


def test_every_bad_cell_is_named_by_row_and_column() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["备注", "人数", "姓名", "电话", "无关列"])  # any order, extra column ignored
    ws.append(["ok", 1, "甲", "13812345678", "x"])
    ws.append([None, None, None, None, None])  # blank row skipped
    ws.append(["", "三", "乙", "12345", "x"])  # row 4: bad count (B) and bad phone (D)
    ws.append(["", 2, None, "13812345678", "x"])  # row 5: name missing (C)
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(ValidationFailed) as caught:
        read_xlsx(out.getvalue(), columns())
    error = caught.value
    assert error.code == "import_rows"
    faults = [(e["row"], e["column"], e["header"]) for e in error.extra["errors"]]
    assert faults == [(4, "D", "电话"), (4, "B", "人数"), (5, "C", "姓名")]
    assert "第 4 行 D 列（电话）" in error.message
    assert "3 处错误" in error.message


def test_missing_headers_listed() -> None:
    data = write_xlsx([Sheet("s", ["姓名", "其他"], [["甲", 1]])])
    with pytest.raises(ValidationFailed) as caught:
        read_xlsx(data, columns())
    assert caught.value.code == "import_headers"
    assert caught.value.extra["missing"] == ["电话", "人数"]


def test_row_cap(settings: Any) -> None:
    settings.ZHIAN_IMPORT_MAX_ROWS = 5
    data = write_xlsx([Sheet("名单", HEADERS, ROWS)])
    with pytest.raises(ValidationFailed) as caught:
        read_xlsx(data, columns())
    assert caught.value.code == "import_too_many_rows"
    assert len(read_xlsx(data, columns(), max_rows=6)) == 6


def test_not_a_workbook() -> None:
    with pytest.raises(ValidationFailed) as caught:
        read_xlsx(b"%PDF-1.4 not a workbook", columns())
    assert caught.value.code == "import_file"


def test_aware_datetimes_written_in_local_time() -> None:
    moment = datetime(2026, 9, 30, 17, 0, tzinfo=UTC)
    data = write_xlsx([Sheet("t", ["时间", "日期"], [[moment, date(2026, 10, 1)]])])
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert ws["A2"].value == datetime(2026, 10, 1, 1, 0)


def test_xlsx_response_headers() -> None:
    response = xlsx_response(b"data", "警情统计 2026.xlsx")
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert response["Content-Disposition"] == (
        'attachment; filename=" 2026.xlsx"; '
        "filename*=utf-8''%E8%AD%A6%E6%83%85%E7%BB%9F%E8%AE%A1%202026.xlsx"
    )
    assert response["Cache-Control"] == "private, no-store"


def test_pdf_with_chinese_text(tmp_path: Path) -> None:
    data = pdf_document(
        [
            pdf_paragraph("受案回执", "title"),
            pdf_paragraph("报案人：张三\n<b>不是标记</b>"),
            pdf_table(["序号", "事项"], [[1, "现场勘查"], [2, "询问证人"]]),
        ],
        title="受案回执",
    )
    assert data.startswith(b"%PDF")
    assert b"STSong-Light" in data
    assert b"UniGB-UCS2-H" in data  # the Unicode CMap for Chinese text
    if shutil.which("pdftotext"):
        path = tmp_path / "a.pdf"
        path.write_bytes(data)
        text = subprocess.run(
            ["pdftotext", str(path), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "受案回执" in text and "询问证人" in text
    response = pdf_response(data, "回执.pdf", inline=True)
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline;")


def test_cell_helpers() -> None:
    assert cell_text(13812345678.0) == "13812345678"
    assert cell_text(" 张三 ") == "张三"
    with pytest.raises(ValueError, match="15"):
        cell_text(110105194912310020)
    assert cell_int(3.0) == 3 and cell_int(" 4 ") == 4
    with pytest.raises(ValueError):
        cell_int("三")
    with pytest.raises(ValueError):
        cell_int(True)
    assert cell_date("2026/10/1") == date(2026, 10, 1)
    assert cell_date(datetime(2026, 10, 1, 8, 0)) == date(2026, 10, 1)
    with pytest.raises(ValueError):
        cell_date("十月一日")


def test_numbers_typed_into_text_columns_import_cleanly() -> None:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["姓名", "电话", "人数"])
    ws.append(["甲", 13812345678, "2"])
    out = io.BytesIO()
    wb.save(out)
    cols = [
        Column("name", "姓名", parse=cell_text),
        Column("phone", "电话", parse=lambda v: validate_phone(cell_text(v))),
        Column("count", "人数", parse=cell_int),
    ]
    assert read_xlsx(out.getvalue(), cols) == [
        {"_row": 2, "name": "甲", "phone": "13812345678", "count": 2}
    ]
