"""Spreadsheets and PDFs (导出/导入).

* :func:`write_xlsx` / :func:`xlsx_response`: workbooks with a bold header row and sensible
  column widths; every text cell that a spreadsheet would run as a formula (starting with
  ``= + - @``, tab or CR) gets a leading apostrophe (CSV/formula injection).
* :func:`read_xlsx`: read-only parsing against :class:`Column` definitions, matched by header
  text, with a row cap; every fault is collected and raised together, named by the row and
  column letter Excel shows. Storing nothing when a row fails is the caller's transaction.
* :func:`pdf_document` and friends: reportlab with the built-in CID font ``STSong-Light``
  (no font file needed) so Chinese text renders in any PDF reader.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from typing import IO, Any
from urllib.parse import quote

from django.conf import settings
from django.http import HttpResponse
from django.utils.translation import gettext as _

from zhian.core.errors import ServiceError, ValidationFailed

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
MAX_COLUMN_WIDTH = 60

# --- Writing ---------------------------------------------------------------------------------


@dataclass
class Sheet:
    """One worksheet: ``title`` (≤ 31 characters), header texts and row values.
    ``widths`` (in characters) overrides the computed column widths."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[Any]]
    widths: Sequence[float] | None = None


def neutralise(value: Any) -> Any:
    """Prefix an apostrophe to text a spreadsheet would treat as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def _display_width(value: Any) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(c) > 0x2E7F else 1 for c in text)  # CJK characters are double width


def write_xlsx(sheets: Sequence[Sheet]) -> bytes:
    """The workbook's bytes. Values may be str, numbers, dates, datetimes (timezone-aware
    datetimes are written in local time without zone, as spreadsheets cannot hold one)."""
    from django.utils import timezone
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for sheet in sheets:
        ws = workbook.create_sheet(title=sheet.title[:31])
        widths = [_display_width(h) for h in sheet.headers]
        ws.append([neutralise(h) for h in sheet.headers])
        for cell in ws[1]:
            cell.font = bold
        for row in sheet.rows:
            values = []
            for i, value in enumerate(row):
                if isinstance(value, datetime) and value.tzinfo is not None:
                    value = timezone.localtime(value).replace(tzinfo=None)
                values.append(neutralise(value))
                if i < len(widths):
                    widths[i] = max(widths[i], _display_width(value))
            ws.append(values)
        for i, width in enumerate(sheet.widths or widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = min(width + 2, MAX_COLUMN_WIDTH)
        ws.freeze_panes = "A2"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _disposition(filename: str, inline: bool = False) -> str:
    ascii_name = filename.encode("ascii", "ignore").decode().replace('"', "") or "download"
    kind = "inline" if inline else "attachment"
    return f"{kind}; filename=\"{ascii_name}\"; filename*=utf-8''{quote(filename)}"


def xlsx_response(data: bytes, filename: str) -> HttpResponse:
    """A download response for :func:`write_xlsx` output (RFC 6266 file name, no caching)."""
    response = HttpResponse(data, content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _disposition(filename)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response


# --- Reading ---------------------------------------------------------------------------------


def _as_text(value: Any) -> Any:
    return value


def cell_text(value: Any) -> str:
    """A cell as text: whole numbers without ``.0`` (Excel stores typed phone numbers as
    numbers). Numbers of more than 15 digits are refused, because Excel has already
    rounded them (an ID number typed as a number is lost: it must be entered as text)."""
    if isinstance(value, bool):
        raise ValueError(_("应为文字，不是真/假值"))
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if isinstance(value, int):
        if len(str(abs(value))) > 15:
            raise ValueError(_("数字超过 15 位已被 Excel 截断，请把该列设为文本格式后重新填写"))
        return str(value)
    return str(value).strip()


def cell_int(value: Any) -> int:
    """A cell as a whole number (``3``, ``3.0`` or ``"3"``)."""
    if isinstance(value, bool):
        raise ValueError(_("应为整数"))
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, int):
        return value
    try:
        return int(str(value).strip())
    except ValueError:
        raise ValueError(_("应为整数")) from None


def cell_date(value: Any) -> date:
    """A cell as a date: an Excel date or text ``2026-10-01`` / ``2026/10/1``."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip().replace("/", "-").replace(".", "-")
    try:
        return date.fromisoformat("-".join(part.zfill(2) for part in text.split("-")))
    except ValueError:
        raise ValueError(_("应为日期，如 2026-10-01")) from None


@dataclass(frozen=True)
class Column:
    """An expected column: ``name`` is the key in each returned row, ``header`` the text in
    the first row, ``parse`` turns the cell value (str, number, datetime, never None) into
    the row value and raises ``ValidationFailed`` or ``ValueError`` with a message for
    people (:func:`cell_text`, :func:`cell_int`, :func:`cell_date` help; the default keeps
    the value as openpyxl read it). An empty cell is an error when ``required``, else
    ``None``."""

    name: str
    header: str
    parse: Callable[[Any], Any] = field(default=_as_text)
    required: bool = True


def _restore(value: Any) -> Any:
    """Undo :func:`neutralise` (so write → read round-trips) and strip text."""
    if isinstance(value, str):
        value = value.strip()
        if value[:1] == "'" and value[1:].startswith(FORMULA_PREFIXES):
            value = value[1:].strip()
        return value or None
    return value


def read_xlsx(
    file: IO[bytes] | bytes, columns: Sequence[Column], *, max_rows: int | None = None
) -> list[dict[str, Any]]:
    """Parse the first worksheet into one dict per non-empty row (keys: the columns' names,
    plus ``"_row"``: the row number Excel shows). Headers are matched by text, in any order;
    other columns are ignored, and an optional column may be absent (its values are None).

    Raises ``ValidationFailed`` with code ``import_file`` (not an xlsx workbook),
    ``import_headers`` (missing headers, listed), ``import_too_many_rows`` (more than
    ``max_rows``, default ``settings.ZHIAN_IMPORT_MAX_ROWS``) or ``import_rows`` with
    ``extra["errors"] = [{"row", "column", "header", "message"}, ...]`` for every fault.
    """
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    limit = settings.ZHIAN_IMPORT_MAX_ROWS if max_rows is None else max_rows
    source = io.BytesIO(file) if isinstance(file, bytes) else file
    try:
        workbook = load_workbook(source, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise ValidationFailed(
            _("无法读取文件：请上传 .xlsx 格式的表格"), code="import_file"
        ) from exc
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        header_row = next(rows, ())
        positions = {" ".join(str(h).split()): i for i, h in enumerate(header_row) if h is not None}
        missing = [c.header for c in columns if c.required and c.header not in positions]
        if missing:
            raise ValidationFailed(
                _("表头缺少以下列：%(headers)s") % {"headers": "、".join(missing)},
                code="import_headers",
                missing=missing,
            )
        parsed: list[dict[str, Any]] = []
        errors: list[dict[str, Any]] = []
        for number, raw in enumerate(rows, start=2):
            if all(v is None or (isinstance(v, str) and not v.strip()) for v in raw):
                continue
            if len(parsed) >= limit:
                raise ValidationFailed(
                    _("表格超过 %(n)d 行的导入上限，请分批导入") % {"n": limit},
                    code="import_too_many_rows",
                    max_rows=limit,
                )
            record: dict[str, Any] = {"_row": number}
            for column in columns:
                index = positions.get(column.header, -1)
                value = _restore(raw[index]) if 0 <= index < len(raw) else None
                message = ""
                if value is None:
                    record[column.name] = None
                    message = _("必填") if column.required else ""
                else:
                    try:
                        record[column.name] = column.parse(value)
                    except (ServiceError, ValueError) as exc:
                        message = getattr(exc, "message", "") or str(exc)
                if message:
                    errors.append(
                        {
                            "row": number,
                            "column": get_column_letter(index + 1),
                            "header": column.header,
                            "message": message,
                        }
                    )
            parsed.append(record)
    finally:
        workbook.close()
    if errors:
        first = errors[0]
        where = _("第 %(row)d 行 %(col)s 列（%(header)s）") % {
            "row": first["row"],
            "col": first["column"],
            "header": first["header"],
        }
        raise ValidationFailed(
            _("表格有 %(n)d 处错误，未导入任何数据；第一处：%(where)s：%(msg)s")
            % {"n": len(errors), "where": where, "msg": first["message"]},
            code="import_rows",
            errors=errors,
        )
    return parsed


# --- PDF -------------------------------------------------------------------------------------

PDF_FONT = "STSong-Light"


@cache
def register_pdf_font() -> str:
    """Register the CID font once per process and return its name."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(PDF_FONT))
    return PDF_FONT


def pdf_styles() -> dict[str, Any]:
    """Paragraph styles for Chinese text: ``title``, ``heading``, ``body``, ``small``, ``cell``
    (CJK word wrap on)."""
    from reportlab.lib.styles import ParagraphStyle

    font = register_pdf_font()
    base = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=26, spaceAfter=12),
        "heading": ParagraphStyle("heading", parent=base, fontSize=13, leading=20, spaceBefore=8),
        "body": base,
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=12),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9, leading=13),
    }


def pdf_table(
    headers: Sequence[str], rows: Iterable[Sequence[Any]], col_widths: Sequence[float] | None = None
) -> Any:
    """A reportlab ``Table`` with a bold-shaded header row repeated on every page; cells are
    wrapped paragraphs (text is escaped, so markup in data is shown, not interpreted)."""
    from xml.sax.saxutils import escape

    from reportlab.lib import colors
    from reportlab.platypus import Paragraph, Table, TableStyle

    cell = pdf_styles()["cell"]
    data = [[Paragraph(escape(str(h)), cell) for h in headers]]
    data += [[Paragraph(escape("" if v is None else str(v)), cell) for v in row] for row in rows]
    table = Table(data, colWidths=col_widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8edf3")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    return table


def pdf_paragraph(text: str, style: str = "body") -> Any:
    """A paragraph of plain text (escaped) in one of :func:`pdf_styles`."""
    from xml.sax.saxutils import escape

    from reportlab.platypus import Paragraph

    return Paragraph(escape(text).replace("\n", "<br/>"), pdf_styles()[style])


def pdf_document(story: Sequence[Any], *, title: str, author: str = "") -> bytes:
    """Render flowables (from :func:`pdf_paragraph`, :func:`pdf_table`, reportlab) into an
    A4 PDF with page numbers and return its bytes."""
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import SimpleDocTemplate

    font = register_pdf_font()

    def footer(canvas: Any, doc: Any) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 10 * mm, f"{title} · {doc.page}")
        canvas.restoreState()

    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        title=title,
        author=author,
        leftMargin=18 * mm,
        rightMargin=18 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
    )
    doc.build(list(story), onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()


def pdf_response(data: bytes, filename: str, *, inline: bool = False) -> HttpResponse:
    """A response for :func:`pdf_document` output (download unless ``inline``)."""
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = _disposition(filename, inline)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    return response
