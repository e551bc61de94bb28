"""Switch four seeded indicators from monthly figures to the sources that now exist:
案件 and 现行案件破案率 from records, 警务工作有效投诉 and 公安队伍满意度 from services.

Only an indicator still on ``manual`` is switched (a bureau that already re-defined one
keeps its own definition). Entered monthly figures stay for reference. 事故, 涉法涉诉信访案件
and 民警违法违纪案件 stay on audited monthly figures: no module records them."""

from django.db import migrations

WIRED = {
    "cases": dict(
        source="records.cases",
        params={},
        denominator_source="",
        denominator_params={},
        date_basis="accepted_at",
        definition=(
            "案件模块中受案时间（分局时区）在统计周期内的刑事、行政（治安）案件数，按主办单位计入"
            "辖区；后来不予立案或撤销的不计（按数据截止时的状态）。"
        ),
    ),
    "clearance_rate": dict(
        source="records.solved_cases",
        params={"case_types": ["criminal"]},
        denominator_source="records.filed_cases",
        denominator_params={"case_types": ["criminal"]},
        date_basis="filed_at",
        definition=(
            "现行案件破案率 = 期内立案且在期末前破案的刑事案件数 ÷ 期内立案的刑事案件数。立案时间为"
            "立案审批通过记录的“立案”事项时间；破案指案件已作出处理决定（调查 → 处理决定，其后结案"
            "或移送），未经处理决定即移送他机关的不算破案；已撤销的案件分子分母均不计。"
        ),
    ),
    "complaints": dict(
        source="services.complaints",
        params={"findings": ["partly_upheld", "upheld"]},
        denominator_source="",
        denominator_params={},
        date_basis="concluded_at",
        definition=(
            "便民服务模块中作出结论时间在统计周期内、结论为“属实”或“部分属实”的警务投诉数，"
            "按被投诉单位计入辖区。"
        ),
    ),
    "satisfaction": dict(
        source="services.surveys",
        params={"ratings": ["fairly_satisfied", "satisfied"]},
        denominator_source="services.surveys",
        denominator_params={},
        date_basis="answered_at",
        definition=(
            "回访答复中“满意”“基本满意”所占比例：分子为答复为满意或基本满意的份数，分母为统计周期内"
            "（按答复时间）收到的全部回访答复，按被评价的派出所计入辖区。"
        ),
    ),
}


def wire(apps, schema_editor):  # type: ignore[no-untyped-def]
    Indicator = apps.get_model("metrics", "IndicatorDefinition")
    for code, fields in WIRED.items():
        Indicator.objects.filter(code=code, source="manual").update(**fields)


def unwire(apps, schema_editor):  # type: ignore[no-untyped-def]
    Indicator = apps.get_model("metrics", "IndicatorDefinition")
    for code, fields in WIRED.items():
        rate = bool(fields["denominator_source"])
        Indicator.objects.filter(code=code, source=fields["source"]).update(
            source="manual",
            params={},
            denominator_source="manual" if rate else "",
            denominator_params={},
            date_basis="month",
        )


class Migration(migrations.Migration):
    dependencies = [
        ("metrics", "0002_seed_six_down_two_up"),
        ("records", "0001_initial"),
        ("grid", "0001_initial"),
        ("services", "0001_initial"),
    ]
    operations = [migrations.RunPython(wire, unwire)]
