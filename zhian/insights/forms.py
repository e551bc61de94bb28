"""Forms of the insights pages (研判)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhian.core.forms import DayField
from zhian.insights.choices import Shift
from zhian.insights.services.forecasts import METHODS


def _choices(form: forms.Form, name: str, values: list[tuple[str, Any]]) -> None:
    field = form.fields[name]
    assert isinstance(field, forms.ChoiceField)
    field.choices = values


def last_month() -> tuple[dt.date, dt.date]:
    """The previous calendar month: its first day and the first day of this month."""
    first = timezone.localdate().replace(day=1)
    return (first - dt.timedelta(days=1)).replace(day=1), first


class MapFilterForm(forms.Form):
    """The 三张图 filters: jurisdiction, period [since, until), category, layer."""

    j = forms.ChoiceField(label=_("辖区"))
    since = DayField(
        label=_("起"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    until = DayField(
        label=_("止（不含）"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    category = forms.ChoiceField(label=_("类别"), required=False)
    layer = forms.ChoiceField(
        label=_("图层"),
        required=False,
        choices=[
            ("incidents", _("警情发案图")),
            ("patrol", _("巡防图")),
            ("deployment", _("布防图")),
        ],
    )

    def __init__(self, data: Any, *, jurisdictions: list[Any], categories: list[Any]) -> None:
        since, until = last_month()
        initial = {"since": since, "until": until, "layer": "incidents"}
        if jurisdictions:
            initial["j"] = jurisdictions[0].code
        merged = {**{k: str(v) for k, v in initial.items()}, **{k: v for k, v in data.items() if v}}
        super().__init__(merged)
        _choices(self, "j", [(j.code, f"{j.name} · {j.get_kind_display()}") for j in jurisdictions])
        _choices(self, "category", [("", _("全部"))] + [(c.code, c.name) for c in categories])

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        since, until = data.get("since"), data.get("until")
        if since and until:
            if until <= since:
                self.add_error("until", _("止日期须晚于起日期"))
            elif (until - since).days > 366:
                self.add_error("until", _("时段最长一年"))
        return data


class ForecastForm(forms.Form):
    j = forms.ChoiceField(label=_("辖区"))
    category = forms.ChoiceField(label=_("类别"), required=False)
    method = forms.ChoiceField(
        label=_("方法"),
        choices=[(m, m) for m in METHODS],
        initial="best",
        help_text=_("best：按类别选用回测最优的方法"),
    )
    horizon_days = forms.IntegerField(label=_("预测天数"), min_value=1, max_value=28, initial=7)

    def __init__(
        self, *args: Any, jurisdictions: list[Any], categories: list[Any], **kw: Any
    ) -> None:
        super().__init__(*args, **kw)
        _choices(self, "j", [(j.code, f"{j.name} · {j.get_kind_display()}") for j in jurisdictions])
        _choices(self, "category", [("", _("全部"))] + [(c.code, c.name) for c in categories])


class PlanForm(forms.Form):
    j = forms.ChoiceField(label=_("辖区"))
    day = DayField(
        label=_("日期"), widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    shift = forms.ChoiceField(label=_("班次"), choices=Shift.choices, initial=Shift.DAY)
    cap_percent = forms.IntegerField(
        label=_("每片区每周上限（%）"),
        min_value=1,
        max_value=100,
        required=False,
        help_text=_("任何片区获得的巡逻时间不超过本周总巡逻时间的这一比例；留空用系统设置"),
    )
    dwell_minutes = forms.IntegerField(
        label=_("每格停留（分钟）"), min_value=5, max_value=60, initial=15
    )

    def __init__(self, *args: Any, jurisdictions: list[Any], **kw: Any) -> None:
        super().__init__(*args, **kw)
        _choices(self, "j", [(j.code, f"{j.name} · {j.get_kind_display()}") for j in jurisdictions])


class PatrolReportForm(forms.Form):
    """The public patrol report's week: any day of it (the page links Mondays)."""

    week = DayField(label=_("周（任一日）"), required=False)
