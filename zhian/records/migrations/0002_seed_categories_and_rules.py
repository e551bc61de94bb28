"""Seed case categories and the statutory deadline rules (法定期限规则).

Sources and how far each was checked (see docs/records.md):
* 治安管理处罚法 (2012 修正) 第九十九条: text confirmed from stored public pages.
* 治安管理处罚法 (2025 修订, 2026-01-01 施行): its handling-period article could not be
  confirmed; the row carries the 2012 periods and says so, for the bureau's legal office to
  check and edit.
* 刑事诉讼法 (2018 修正) 第九十一条、第一百五十六条 and 公安机关办理刑事案件程序规定: 拘留后
  三日内提请批捕, 特殊情况延长一至四日, 流窜/多次/结伙延长至三十日, 检察院七日内决定, 逮捕后
  侦查羁押二个月.
* 立案审查期限 3 / 7 / 30 日: confirmed as practice text on stored pages (公安部关于改革完善
  受案立案制度的意见); the exact article was not confirmed.
"""

from datetime import date

from django.db import migrations

CATEGORIES = [
    ("X01", "殴打他人", "Assault (administrative)", "administrative"),
    ("X02", "盗窃（治安）", "Theft (administrative)", "administrative"),
    ("X03", "寻衅滋事（治安）", "Provocation (administrative)", "administrative"),
    ("X04", "赌博", "Gambling", "administrative"),
    ("X05", "扰乱公共秩序", "Disturbing public order", "administrative"),
    ("A01", "盗窃", "Theft", "criminal"),
    ("A02", "诈骗", "Fraud", "criminal"),
    ("A03", "故意伤害", "Intentional injury", "criminal"),
    ("A04", "抢劫", "Robbery", "criminal"),
    ("A05", "寻衅滋事", "Provocation", "criminal"),
]

PSAPL = "中华人民共和国治安管理处罚法"
CPL = "中华人民共和国刑事诉讼法（2018 修正）"
HANDLING_TEXT = (
    "公安机关办理治安案件的期限，自受理之日起不得超过三十日；案情重大、复杂的，经上一级公安机关"
    "批准，可以延长三十日。为了查明案情进行鉴定的期间，不计入办理治安案件的期限。"
)
RULES = [
    dict(
        code="X_HANDLING",
        name="治安案件办案期限",
        case_type="administrative",
        start_event="accepted",
        end_events=["decided", "transferred", "not_filed", "revoked"],
        amount=30,
        unit="days",
        moves_on_holiday=True,
        custody=False,
        extensions=[
            {"label": "案情重大、复杂，经上一级公安机关批准延长三十日", "amount": 30, "approver": "leader"}
        ],
        max_extensions=1,
        law=f"{PSAPL}（2012 修正）",
        article="第九十九条",
        legal_text=HANDLING_TEXT,
        effective_date=date(2013, 1, 1),
        valid_from=date(2006, 3, 1),
    ),
    dict(
        code="X_HANDLING",
        name="治安案件办案期限（2025 修订）",
        case_type="administrative",
        start_event="accepted",
        end_events=["decided", "transferred", "not_filed", "revoked"],
        amount=30,
        unit="days",
        moves_on_holiday=True,
        custody=False,
        extensions=[
            {"label": "案情重大、复杂，经上一级公安机关批准延长三十日", "amount": 30, "approver": "leader"}
        ],
        max_extensions=1,
        law=f"{PSAPL}（2025 修订）",
        article="办案期限条款（条号待法制部门核实）",
        legal_text=(
            "本行按 2012 修正本第九十九条的期限录入（三十日，经上一级公安机关批准可延长三十日）。"
            "2025 年修订本（2026 年 1 月 1 日起施行）的条号、起算点及是否增设再次延长，未能在可查资料中"
            "核实，请法制部门对照公布文本核对后修改本行。"
        ),
        effective_date=date(2026, 1, 1),
        valid_from=date(2026, 1, 1),
    ),
    dict(
        code="A_FILING_REVIEW",
        name="刑事案件立案审查期限",
        case_type="criminal",
        start_event="accepted",
        end_events=["filed", "not_filed", "transferred", "revoked"],
        amount=3,
        unit="days",
        moves_on_holiday=True,
        custody=False,
        extensions=[
            {
                "label": "涉嫌犯罪线索需要查证的，延长至七日",
                "amount": 4,
                "max_total": 4,
                "approver": "supervisor",
            },
            {
                "label": "重大疑难复杂案件，经县级以上公安机关负责人批准延长至三十日",
                "amount": 27,
                "max_total": 27,
                "approver": "leader",
            },
        ],
        max_extensions=2,
        law="公安部关于改革完善受案立案制度的意见",
        article="立案审查期限（条目待核实）",
        legal_text=(
            "刑事案件立案审查期限原则上不超过三日；涉嫌犯罪线索需要查证的，立案审查期限不超过七日；"
            "重大疑难复杂案件，经县级以上公安机关负责人批准，立案审查期限可以延长至三十日。"
        ),
        effective_date=date(2015, 11, 1),
        valid_from=date(2015, 11, 1),
    ),
    dict(
        code="A_DETENTION_ARREST_REQUEST",
        name="拘留后提请批准逮捕期限",
        case_type="criminal",
        start_event="detained",
        end_events=["arrest_requested", "released", "transferred", "revoked"],
        amount=3,
        unit="days",
        moves_on_holiday=False,
        custody=True,
        extensions=[
            {
                "label": "特殊情况，经县级以上公安机关负责人批准延长一日至四日",
                "amount": 4,
                "max_total": 4,
                "approver": "leader",
            },
            {
                "label": "流窜作案、多次作案、结伙作案的重大嫌疑分子，经县级以上公安机关负责人批准延长至三十日",
                "amount": 27,
                "max_total": 27,
                "approver": "leader",
            },
        ],
        max_extensions=1,
        law=f"{CPL}；公安机关办理刑事案件程序规定",
        article="刑事诉讼法第九十一条第一、二款",
        legal_text=(
            "公安机关对被拘留的人，认为需要逮捕的，应当在拘留后的三日以内，提请人民检察院审查批准。"
            "在特殊情况下，提请审查批准的时间可以延长一日至四日。对于流窜作案、多次作案、结伙作案的"
            "重大嫌疑分子，提请审查批准的时间可以延长至三十日。"
        ),
        effective_date=date(2018, 10, 26),
        valid_from=date(2018, 10, 26),
    ),
    dict(
        code="A_PROCURATORATE_DECISION",
        name="检察院审查批准逮捕期限",
        case_type="criminal",
        start_event="arrest_requested",
        end_events=["arrest_decided", "arrested", "released"],
        amount=7,
        unit="days",
        moves_on_holiday=False,
        custody=True,
        extensions=[],
        max_extensions=0,
        law=CPL,
        article="第九十一条第三款",
        legal_text=(
            "人民检察院应当自接到公安机关提请批准逮捕书后的七日以内，作出批准逮捕或者不批准逮捕的决定。"
            "人民检察院不批准逮捕的，公安机关应当在接到通知后立即释放，并且将执行情况及时通知人民检察院。"
        ),
        effective_date=date(2018, 10, 26),
        valid_from=date(2018, 10, 26),
    ),
    dict(
        code="A_CUSTODY_AFTER_ARREST",
        name="逮捕后侦查羁押期限",
        case_type="criminal",
        start_event="arrested",
        end_events=["transferred", "released", "revoked"],
        amount=2,
        unit="months",
        moves_on_holiday=False,
        custody=True,
        extensions=[
            {
                "label": "案情复杂、期限届满不能终结的，经上一级人民检察院批准延长一个月",
                "amount": 1,
                "max_total": 1,
                "approver": "leader",
            }
        ],
        max_extensions=1,
        law=CPL,
        article="第一百五十六条",
        legal_text=(
            "对犯罪嫌疑人逮捕后的侦查羁押期限不得超过二个月。案情复杂、期限届满不能终结的案件，"
            "可以经上一级人民检察院批准延长一个月。"
        ),
        effective_date=date(2018, 10, 26),
        valid_from=date(2018, 10, 26),
    ),
]


def seed(apps, schema_editor):
    CaseCategory = apps.get_model("records", "CaseCategory")
    DeadlineRule = apps.get_model("records", "DeadlineRule")
    for code, name, name_en, case_type in CATEGORIES:
        CaseCategory.objects.get_or_create(
            code=code, defaults={"name": name, "name_en": name_en, "case_type": case_type}
        )
    for row in RULES:
        DeadlineRule.objects.get_or_create(code=row["code"], valid_from=row["valid_from"], defaults=row)


class Migration(migrations.Migration):
    dependencies = [("records", "0001_initial")]
    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
