"""Weekly and monthly reports (周报/月报) as xlsx and PDF (Chinese text through
:mod:`zhian.core.exports`), on demand and by the daily task. Each report states its data
cut-off time and the definition of every indicator; its cells are the dashboard's own
numbers (the same :class:`~zhian.metrics.engine.IndicatorRow` objects)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit, exports
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import check_can
from zhian.metrics.choices import ReportKind
from zhian.metrics.counting import Counter
from zhian.metrics.engine import Change, IndicatorRow, indicator_row, row_months
from zhian.metrics.models import IndicatorDefinition, StoredReport
from zhian.metrics.periods import Period
from zhian.metrics.ranking import StationScore, rank_stations
from zhian.metrics.svg import sparkline_points

HEADERS = [
    "指标",
    "本期",
    "去年同期",
    "同比增减",
    "同比幅度（%）",
    "上期",
    "环比增减",
    "分子",
    "分母",
    "95% 置信区间",
    "提示",
]
PDF_HEADERS = ["指标", "本期", "去年同期", "同比", "上期", "环比", "提示"]


def last_complete(kind: str, today: date | None = None) -> Period:
    """The last whole week (Monday–Sunday) or month before ``today`` (local)."""
    today = today or timezone.localdate()
    if kind == ReportKind.WEEKLY:
        return Period.week(today - timedelta(days=7))
    before = today.replace(day=1) - timedelta(days=1)
    return Period.month(before.year, before.month)


def change_number(change: Change) -> float | int | str:
    """A change as a spreadsheet number: a count difference, or percentage points for a
    rate (one decimal); "—" when there is none. Numbers, not text such as "+1", which a
    spreadsheet would take for a formula."""
    if change.delta is None:
        return "—"
    return round(change.delta * 100, 1) if change.is_rate else int(change.delta)


def _notes(r: IndicatorRow) -> str:
    notes = [text for text in (r.current.reason, r.year_change.reason) if text]
    if r.current.small or r.year_change.small:
        notes.append(_("小样本，解读需谨慎"))
    return "；".join(notes)


def table_rows(rows: list[IndicatorRow]) -> list[list[Any]]:
    """The xlsx 指标 sheet: values as the dashboard shows them, changes as numbers."""
    return [
        [
            r.indicator.name,
            r.current.display,
            r.last_year.display if r.last_year else "—",
            change_number(r.year_change),
            "—" if r.year_change.percent is None else round(r.year_change.percent * 100, 1),
            r.previous.display,
            change_number(r.period_change),
            r.current.numerator,
            r.current.denominator,
            r.current.interval_display,
            _notes(r),
        ]
        for r in rows
    ]


def pdf_rows(rows: list[IndicatorRow]) -> list[list[Any]]:
    return [
        [
            r.indicator.name,
            r.current.display,
            r.last_year.display if r.last_year else "—",
            r.year_change.display,
            r.previous.display,
            r.period_change.display,
            _notes(r),
        ]
        for r in rows
    ]


def ranking_rows(table: list[StationScore]) -> list[list[Any]]:
    return [
        [row.rank, row.station.name, "—" if row.score is None else f"{row.score:.2f}"]
        + [
            "—" if c.score is None else f"{c.score:.1f}（{c.current.display}）"
            for c in row.components
        ]
        for row in table
    ]


def compute_rows(jurisdiction: Jurisdiction, period: Period) -> list[IndicatorRow]:
    counter = Counter(jurisdiction, row_months(period, 12))
    return [
        indicator_row(ind, jurisdiction, period, trend_months=12, counter=counter)
        for ind in IndicatorDefinition.objects.filter(active=True).order_by("order", "code")
    ]


def render_report(
    jurisdiction: Jurisdiction, period: Period, rows: list[IndicatorRow], cut_off: Any
) -> tuple[bytes, bytes]:
    """The xlsx and PDF bytes for computed dashboard rows."""
    kind_label = {"month": "月报", "week": "周报"}.get(period.kind, "报告")
    title = f"{jurisdiction.name} 六降两升{kind_label} {period.label}"
    zone = timezone.get_current_timezone_name()
    cut_text = f"数据截止：{timezone.localtime(cut_off):%Y-%m-%d %H:%M:%S}（{zone}）"
    stations = list(
        Jurisdiction.objects.filter(
            kind=JurisdictionKind.STATION, path__startswith=jurisdiction.path
        )
        .defer("boundary")
        .order_by("code")
    )
    table, weights = rank_stations(stations, period) if len(stations) > 1 else ([], [])
    rank_headers = ["名次", "派出所", "总分"] + [f"{w.indicator.name}×{w.weight}" for w in weights]
    definitions = [
        [r.indicator.name, r.indicator.get_direction_display(), r.indicator.definition]
        for r in rows
    ]
    sheets = [
        exports.Sheet("指标", HEADERS, table_rows(rows)),
        exports.Sheet(
            "趋势",
            ["指标"] + [p.label for p in period.months_back(12)],
            [[r.indicator.name] + [f.display for f in r.trend] for r in rows],
        ),
        exports.Sheet("口径", ["指标", "方向", "口径说明"], definitions),
        exports.Sheet("说明", ["项目", "内容"], [["报告", title], ["数据截止", cut_text]]),
    ]
    if table:
        sheets.insert(1, exports.Sheet("张榜", rank_headers, ranking_rows(table)))
    xlsx = exports.write_xlsx(sheets)
    story = [
        exports.pdf_paragraph(title, "title"),
        exports.pdf_paragraph(cut_text, "small"),
        exports.pdf_paragraph("指标", "heading"),
        exports.pdf_table(PDF_HEADERS, pdf_rows(rows)),
        exports.pdf_paragraph("近 12 个月趋势", "heading"),
    ]
    story += [_trend_drawing(r) for r in rows]
    if table:
        story += [
            exports.pdf_paragraph("张榜", "heading"),
            exports.pdf_table(rank_headers, ranking_rows(table)),
        ]
    story += [exports.pdf_paragraph("口径说明", "heading")]
    story += [exports.pdf_paragraph(f"{n}（{d}）：{text}", "small") for n, d, text in definitions]
    pdf = exports.pdf_document(story, title=title)
    return xlsx, pdf


def _trend_drawing(row: IndicatorRow) -> Any:
    """A small line chart of the row's monthly trend (reportlab graphics, no images)."""
    from reportlab.graphics.shapes import Drawing, PolyLine, String

    from zhian.core.exports import register_pdf_font

    width, height = 440, 36
    drawing = Drawing(width, height)
    drawing.add(String(0, 12, row.indicator.name[:12], fontName=register_pdf_font(), fontSize=8))
    for segment in sparkline_points([f.value for f in row.trend], 300, height - 6, left=130, top=3):
        flat = [v for point in segment for v in (point[0], height - point[1])]
        if len(flat) >= 4:
            drawing.add(PolyLine(flat, strokeWidth=1))
    return drawing


def _store(kind: str, jurisdiction: Jurisdiction, period: Period, acting_user: Any) -> StoredReport:
    cut_off = timezone.now()
    xlsx, pdf = render_report(jurisdiction, period, compute_rows(jurisdiction, period), cut_off)
    try:
        with transaction.atomic():
            report = StoredReport.objects.create(
                kind=kind,
                jurisdiction=jurisdiction,
                start=period.start,
                end=period.end,
                cut_off=cut_off,
                xlsx=xlsx,
                pdf=pdf,
                created_by=acting_user,
            )
    except IntegrityError:
        return StoredReport.objects.get(kind=kind, jurisdiction=jurisdiction, start=period.start)
    audit.record(
        actor=acting_user,
        action="metrics.report_generate",
        obj=report,
        data={"kind": kind, "jurisdiction": jurisdiction.code, "period": period.label}
        | ({"job": "metrics.generate_due_reports"} if acting_user is None else {}),
    )
    return report


@transaction.atomic
def do_generate_report(
    kind: str, jurisdiction: Jurisdiction, period: Period, *, acting_user: Any
) -> StoredReport:
    """Generate and keep a report now (the period's report already kept is returned)."""
    check_can(acting_user, "metrics.view", jurisdiction)
    return _store(kind, jurisdiction, period, acting_user)


def generate_due_reports(today: date | None = None) -> int:
    """The scheduled job: last week's and last month's report for every bureau and
    station, unless already kept. Counts aggregates only (no rows); the number made."""
    made = 0
    places = Jurisdiction.objects.filter(
        kind__in=[JurisdictionKind.BUREAU, JurisdictionKind.STATION]
    ).defer("boundary")
    for kind in (ReportKind.WEEKLY, ReportKind.MONTHLY):
        period = last_complete(kind, today)
        kept = set(
            StoredReport.objects.filter(kind=kind, start=period.start).values_list(
                "jurisdiction_id", flat=True
            )
        )
        for place in places:
            if place.pk not in kept:
                with transaction.atomic():
                    _store(kind, place, period, None)
                made += 1
    return made
