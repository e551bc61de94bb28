"""Seed the editable code table with common 警情 categories and a few 预案.

A bureau replaces or extends these in the admin; codes are internal and map onto the
provincial 警综 codes there."""

from django.db import migrations

# code, name, English, default priority (1 urgent … 4 low), children
CATEGORIES = [
    ("01", "刑事", "Criminal", 2, [
        ("0101", "盗窃", "Theft", 3), ("0102", "抢劫抢夺", "Robbery", 1),
        ("0103", "诈骗", "Fraud", 3), ("0104", "故意伤害", "Assault", 1),
        ("0105", "入室盗窃", "Burglary", 2), ("0106", "机动车盗窃", "Vehicle theft", 3),
    ]),
    ("02", "治安", "Public order", 2, [
        ("0201", "打架斗殴", "Fighting", 1), ("0202", "寻衅滋事", "Provocation", 2),
        ("0203", "扰乱秩序", "Disturbance", 3), ("0204", "噪声扰民", "Noise", 4),
    ]),
    ("03", "交通", "Traffic", 2, [
        ("0301", "交通事故（有人伤）", "Collision with injury", 1),
        ("0302", "交通事故（无人伤）", "Collision, no injury", 3),
        ("0303", "交通堵塞", "Congestion", 4), ("0304", "疑似酒驾", "Suspected drink-driving", 2),
    ]),
    ("04", "火灾", "Fire", 1, [
        ("0401", "火灾", "Fire", 1), ("0402", "爆炸", "Explosion", 1),
    ]),
    ("05", "纠纷", "Dispute", 3, [
        ("0501", "家庭纠纷", "Domestic dispute", 2), ("0502", "邻里纠纷", "Neighbour dispute", 3),
        ("0503", "经济纠纷", "Money dispute", 3), ("0504", "消费纠纷", "Consumer dispute", 4),
    ]),
    ("06", "求助", "Assistance", 3, [
        ("0601", "走失", "Missing person", 2), ("0602", "紧急救助", "Emergency help", 1),
        ("0603", "开锁求助", "Locked out", 4), ("0604", "其他求助", "Other help", 4),
    ]),
    ("99", "其他", "Other", 3, [("9901", "其他警情", "Other incident", 3)]),
]

# Categories callers mix up for the same event (the same top category is related anyway).
RELATED = [("0104", "0201"), ("0102", "0101"), ("0301", "0602")]

PLANS = [
    ("04", "火灾处置预案", [
        "通知 119 并确认消防出动", "疏散周边人员、设置警戒区", "查明有无被困人员并报告",
        "维护现场交通秩序，保障消防通道", "保护现场，配合火因调查",
    ]),
    ("0102", "抢劫警情处置预案", [
        "询问嫌疑人特征、逃跑方向和交通工具", "通报周边巡逻警力堵截", "救治受伤人员",
        "保护现场、固定视频证据", "录取报警人与目击者笔录",
    ]),
    ("0301", "伤人交通事故处置预案", [
        "通知 120 救护", "设置事故警示区，防止二次事故", "控制肇事车辆和驾驶人",
        "疏导交通", "移交交警事故处理",
    ]),
    ("0501", "家庭纠纷处置预案", [
        "分开当事人，确认有无人身伤害", "了解是否存在家庭暴力及告诫书情况",
        "依法出具家庭暴力告诫书或调解", "登记处理结果并回访",
    ]),
]


def seed(apps, schema_editor):  # type: ignore[no-untyped-def]
    Category = apps.get_model("dispatch", "IncidentCategory")
    Plan = apps.get_model("dispatch", "ContingencyPlan")
    for code, name, name_en, priority, children in CATEGORIES:
        parent = Category.objects.create(code=code, name=name, name_en=name_en,
                                         default_priority=priority)
        for c_code, c_name, c_en, c_priority in children:
            Category.objects.create(code=c_code, name=c_name, name_en=c_en,
                                    default_priority=c_priority, parent=parent)
    for a, b in RELATED:
        Category.objects.get(code=a).related.add(Category.objects.get(code=b))
    for code, name, steps in PLANS:
        Plan.objects.create(category=Category.objects.get(code=code), name=name, steps=steps)


def unseed(apps, schema_editor):  # type: ignore[no-untyped-def]
    apps.get_model("dispatch", "ContingencyPlan").objects.all().delete()
    Category = apps.get_model("dispatch", "IncidentCategory")
    Category.objects.filter(parent__isnull=False).delete()
    Category.objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("dispatch", "0001_initial")]
    operations = [migrations.RunPython(seed, unseed)]
