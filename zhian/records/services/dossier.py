"""The case dossier (卷宗) as PDF: cover, masked party list, timeline, deadlines met or
missed, and the quality review. Parties stay masked: the dossier is not a reveal."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.exports import Sheet, pdf_document, pdf_paragraph, pdf_table, write_xlsx
from zhian.core.scoping import check_can
from zhian.records.models import Case
from zhian.records.services.reviews import CHECKLIST


def _t(value: Any) -> str:
    return timezone.localtime(value).strftime("%Y-%m-%d %H:%M") if value else ""


@transaction.atomic
def do_export_dossier(case: Case, *, acting_user: Any) -> bytes:
    from zhian.records.selectors import case_deadlines, case_timeline

    check_can(acting_user, "case.export", case.jurisdiction)
    story: list[Any] = [
        pdf_paragraph(_("案 件 卷 宗"), "title"),
        pdf_table(
            [_("项目"), _("内容")],
            [
                [_("案件编号"), case.number],
                [_("案件名称"), case.title],
                [_("案件类型"), case.get_case_type_display()],
                [_("案件类别"), f"{case.category.code} {case.category.name}"],
                [_("主办单位"), case.jurisdiction.name],
                [_("主办民警"), str(case.officer or "")],
                [_("受案时间"), _t(case.accepted_at)],
                [_("当前阶段"), case.get_stage_display()],
                [_("办结时间"), _t(case.closed_at)],
                [_("法律依据"), case.legal_basis],
                [_("处理决定"), case.decision],
            ],
            col_widths=[90, 380],
        ),
        pdf_paragraph(_("简要案情"), "heading"),
        pdf_paragraph(case.summary or _("（未填写）")),
        pdf_paragraph(_("当事人（已脱敏）"), "heading"),
    ]
    parties = [
        [
            p.get_role_display(),
            p.masked_name,
            p.masked_id_number,
            p.masked_phone,
            p.get_legal_basis_display(),
        ]
        for p in case.parties.all()
    ]
    story.append(
        pdf_table([_("身份"), _("姓名"), _("身份证号"), _("电话"), _("法律依据")], parties)
        if parties
        else pdf_paragraph(_("无"))
    )
    story.append(pdf_paragraph(_("办案时间线"), "heading"))
    story.append(
        pdf_table(
            [_("时间"), _("来源"), _("事项"), _("经办人"), _("说明")],
            [
                [_t(i.at), i.source, i.label, i.actor, i.note]
                for i in case_timeline(acting_user, case)
            ],
            col_widths=[75, 95, 90, 60, 150],
        )
    )
    story.append(pdf_paragraph(_("法定期限"), "heading"))
    rows = []
    now = timezone.now()
    for d in case_deadlines(case):
        if d.status == "met":
            result = _("按期完成")
        elif d.status == "late" or (d.status == "open" and d.due_at <= now):
            result = _("超期")
        elif d.status == "lapsed":
            result = _("已失效")
        else:
            result = _("进行中")
        ext = "；".join(
            f"+{e.amount} {e.get_unit_display()}（{e.approved_by}：{e.reason}）"
            for e in d.extension_rows.all()
        )
        rows.append(
            [
                d.rule.name,
                f"{d.rule.law} {d.rule.article}",
                _t(d.started_at),
                _t(d.due_at),
                _t(d.met_at),
                ext,
                result,
            ]
        )
    story.append(
        pdf_table(
            [_("期限"), _("依据"), _("起算"), _("届满"), _("完成"), _("延长"), _("结果")], rows
        )
        if rows
        else pdf_paragraph(_("无"))
    )
    story.append(pdf_paragraph(_("执法质量考评"), "heading"))
    review = getattr(case, "review", None)
    if review is None:
        story.append(pdf_paragraph(_("尚未考评")))
    else:
        story.append(
            pdf_table(
                [_("考评项"), _("分值"), _("结果")],
                [
                    [str(label), points, "✓" if review.items.get(code) else "✗"]
                    for code, label, points in CHECKLIST
                ]
                + [[_("总分"), review.score, f"{review.reviewer} {_t(review.reviewed_at)}"]],
            )
        )
    data = pdf_document(story, title=case.number, author=str(acting_user))
    audit.record(actor=acting_user, action="case.export", obj=case, data={"format": "pdf"})
    return data


def cases_to_xlsx(cases: Any) -> bytes:
    """The case list as a worksheet (cells neutralised by core.exports)."""
    headers = [
        _("案件编号"),
        _("案件类型"),
        _("案件类别"),
        _("案件名称"),
        _("主办单位"),
        _("主办民警"),
        _("阶段"),
        _("受案时间"),
        _("最近到期"),
    ]
    rows = [
        [
            c.number,
            c.get_case_type_display(),
            c.category.name,
            c.title,
            c.jurisdiction.name,
            str(c.officer or ""),
            c.get_stage_display(),
            timezone.localtime(c.accepted_at).strftime("%Y-%m-%d %H:%M"),
            timezone.localtime(c.next_due).strftime("%Y-%m-%d %H:%M") if c.next_due else "",
        ]
        for c in cases
    ]
    return write_xlsx([Sheet(title=_("案件"), headers=headers, rows=rows)])
