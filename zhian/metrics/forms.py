"""Forms of the KPI pages; they parse and bound input, services decide."""

from __future__ import annotations

import json
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhian.metrics.choices import Direction, IndicatorKind
from zhian.metrics.services.indicators import IndicatorInput
from zhian.metrics.sources import source_choices


class FigureForm(forms.Form):
    indicator = forms.CharField(label=_("指标"), max_length=40)
    jurisdiction = forms.CharField(label=_("辖区"), max_length=32)
    month = forms.DateField(
        label=_("月份"), input_formats=["%Y-%m"], widget=forms.DateInput(attrs={"type": "month"})
    )
    value = forms.IntegerField(label=_("数值（比率为分子）"), min_value=0, max_value=10_000_000)
    denominator = forms.IntegerField(
        label=_("分母（仅比率）"), min_value=0, max_value=10_000_000, required=False
    )
    note = forms.CharField(label=_("备注"), max_length=500, required=False)
    version = forms.IntegerField(required=False, widget=forms.HiddenInput, min_value=1)


class JsonField(forms.CharField):
    def to_python(self, value: Any) -> Any:
        text = (super().to_python(value) or "").strip()
        if not text:
            return {}
        try:
            data = json.loads(text)
        except ValueError:
            raise forms.ValidationError(
                _('须为 JSON 对象，如 {"top_categories": ["01"]}')
            ) from None
        if not isinstance(data, dict):
            raise forms.ValidationError(_("须为 JSON 对象"))
        return data


class IndicatorForm(forms.Form):
    code = forms.SlugField(label=_("编码"), max_length=40)
    name = forms.CharField(label=_("名称"), max_length=60)
    name_en = forms.CharField(label=_("英文名称"), max_length=80, required=False)
    definition = forms.CharField(
        label=_("口径说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )
    kind = forms.ChoiceField(label=_("类型"), choices=IndicatorKind.choices)
    direction = forms.ChoiceField(label=_("方向"), choices=Direction.choices)
    source = forms.ChoiceField(label=_("数据来源（比率为分子）"), choices=())
    params = JsonField(label=_("筛选条件（JSON）"), required=False, max_length=2000)
    denominator_source = forms.ChoiceField(label=_("分母来源"), choices=(), required=False)
    denominator_params = JsonField(label=_("分母筛选条件（JSON）"), required=False, max_length=2000)
    order = forms.IntegerField(label=_("排序"), min_value=0, max_value=32767, initial=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"].choices = source_choices()  # type: ignore[attr-defined]
        den = self.fields["denominator_source"]
        den.choices = [("", "—"), *source_choices()]  # type: ignore[attr-defined]

    def to_input(self) -> IndicatorInput:
        d = self.cleaned_data
        return IndicatorInput(
            code=d["code"],
            name=d["name"],
            name_en=d["name_en"],
            definition=d["definition"],
            kind=d["kind"],
            source=d["source"],
            direction=d["direction"],
            params=d["params"],
            denominator_source=d["denominator_source"],
            denominator_params=d["denominator_params"],
            order=d["order"] if d["order"] is not None else 100,
        )


class WeightForm(forms.Form):
    indicator = forms.CharField(max_length=40)
    weight = forms.DecimalField(label=_("权重"), min_value=0, max_value=100, decimal_places=2)
