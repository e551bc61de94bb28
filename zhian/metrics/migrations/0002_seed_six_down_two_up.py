"""Seed the eight 六降两升 indicators and equal ranking weights.

违法犯罪警情 counts from dispatch now; the other seven are entered monthly (source
``manual``) until records, grid and services land, when each switches to its app's source
(see docs/metrics.md)."""

from django.db import migrations

# code, name, English, kind, source, params, denominator source, date basis, direction,
# definition
INDICATORS = [
    ("crime_incidents", "违法犯罪警情", "Crime and disorder incidents", "count",
     "dispatch.incidents", {"top_categories": ["01", "02"]}, "", "received_at", "fall",
     "接处警系统中类别属于“刑事”（01）或“治安”（02）大类的警情数，按接警时间（分局时区）"
     "计入统计周期；已合并（重复报警）和已撤销的警情不计。"),
    ("cases", "案件", "Cases", "count", "manual", {}, "", "month", "fall",
     "当月受理立案的刑事、行政案件数（案件模块接入前按月人工填报）。"),
    ("accidents", "事故", "Accidents", "count", "manual", {}, "", "month", "fall",
     "当月发生的道路交通、火灾等责任事故起数（按月人工填报）。"),
    ("petitions", "涉法涉诉信访案件", "Law-related petitions", "count", "manual", {}, "",
     "month", "fall", "当月登记的涉及公安执法的涉法涉诉信访案件数（按月人工填报）。"),
    ("complaints", "警务工作有效投诉", "Upheld complaints about policing", "count", "manual",
     {}, "", "month", "fall",
     "当月办结并认定属实（有效）的警务工作投诉数（便民服务模块接入前按月人工填报）。"),
    ("misconduct", "民警违法违纪案件", "Officer misconduct cases", "count", "manual", {}, "",
     "month", "fall", "当月立案查处的民警违法违纪案件数（按月人工填报）。"),
    ("clearance_rate", "现行案件破案率", "Clearance of current cases", "rate", "manual", {},
     "manual", "month", "rise",
     "当月立案的现行刑事案件中已破案件所占比例：分子为已破现行案件数，分母为现行案件立案数"
     "（按月人工填报）。"),
    ("satisfaction", "公安队伍满意度", "Public satisfaction with the police", "rate",
     "manual", {}, "manual", "month", "rise",
     "当月回访或问卷中表示“满意”“基本满意”的人数占有效答复人数的比例（按月人工填报）。"),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Indicator = apps.get_model("metrics", "IndicatorDefinition")
    Weight = apps.get_model("metrics", "RankingWeight")
    for order, row in enumerate(INDICATORS, start=1):
        code, name, en, kind, source, params, den, basis, direction, definition = row
        indicator = Indicator.objects.create(
            code=code, name=name, name_en=en, kind=kind, source=source, params=params,
            denominator_source=den, date_basis=basis, direction=direction,
            definition=definition, order=order * 10,
        )
        Weight.objects.create(indicator=indicator, weight=1)


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    codes = [row[0] for row in INDICATORS]
    apps.get_model("metrics", "RankingWeight").objects.filter(indicator__code__in=codes).delete()
    apps.get_model("metrics", "IndicatorDefinition").objects.filter(code__in=codes).delete()


class Migration(migrations.Migration):
    dependencies = [("metrics", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
