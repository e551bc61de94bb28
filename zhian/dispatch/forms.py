"""Forms of the dispatch pages: they parse and type-check; the services validate meaning."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhian.dispatch.choices import AssignmentStep, Channel, Disposition, Priority, UnitStatus
from zhian.dispatch.models import Incident, IncidentCategory
from zhian.dispatch.services.incidents import IncidentInput

CRS_CHOICES = [("wgs84", "WGS84"), ("gcj02", _("GCJ-02（高德/腾讯）"))]


def category_groups(categories: Sequence[IncidentCategory]) -> list[dict[str, Any]]:
    """Active categories as optgroups: each top category first, then its sub-types."""
    tops = [c for c in categories if c.parent_id is None]
    children: dict[int, list[IncidentCategory]] = {}
    for c in categories:
        if c.parent_id is not None:
            children.setdefault(c.parent_id, []).append(c)
    return [{"top": t, "children": children.get(t.pk, [])} for t in tops]


class IncidentForm(forms.Form):
    channel = forms.ChoiceField(
        label=_("报警方式"), choices=Channel.choices, initial=Channel.CALL_110
    )
    caller_name = forms.CharField(label=_("报警人姓名"), max_length=64, required=False)
    caller_phone = forms.CharField(label=_("报警人电话"), max_length=32, required=False)
    address = forms.CharField(
        label=_("事发地址"), max_length=200, error_messages={"required": _("请填写事发地址")}
    )
    lon = forms.FloatField(
        label=_("经度"),
        min_value=-180,
        max_value=180,
        error_messages={"required": _("请填写经度或在地图上点选"), "invalid": _("经度须为数字")},
    )
    lat = forms.FloatField(
        label=_("纬度"),
        min_value=-90,
        max_value=90,
        error_messages={"required": _("请填写纬度或在地图上点选"), "invalid": _("纬度须为数字")},
    )
    crs = forms.ChoiceField(label=_("坐标系"), choices=CRS_CHOICES, initial="wgs84")
    category = forms.ChoiceField(
        label=_("警情类别"), error_messages={"required": _("请选择警情类别")}
    )
    priority = forms.TypedChoiceField(
        label=_("优先级"),
        coerce=int,
        empty_value=None,
        required=False,
        choices=[("", _("按类别建议")), *Priority.choices],
    )
    narrative = forms.CharField(
        label=_("简要案情"), widget=forms.Textarea, max_length=4000, required=False
    )

    def __init__(self, *args: Any, categories: Sequence[IncidentCategory] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        category_field: Any = self.fields["category"]
        category_field.choices = [(c.code, c.name) for c in categories]

    def to_input(self) -> IncidentInput:
        d = self.cleaned_data
        return IncidentInput(
            channel=d["channel"],
            category_code=d["category"],
            address=d["address"],
            lon=d["lon"],
            lat=d["lat"],
            crs=d["crs"],
            priority=d["priority"],
            narrative=d["narrative"],
            caller_name=d["caller_name"],
            caller_phone=d["caller_phone"],
        )


class EditIncidentForm(forms.Form):
    category = forms.ChoiceField(label=_("警情类别"))
    priority = forms.TypedChoiceField(label=_("优先级"), coerce=int, choices=Priority.choices)
    address = forms.CharField(label=_("事发地址"), max_length=200)
    narrative = forms.CharField(
        label=_("简要案情"), widget=forms.Textarea, max_length=4000, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)

    def __init__(self, *args: Any, categories: Sequence[IncidentCategory] = (), **kwargs: Any):
        super().__init__(*args, **kwargs)
        category_field: Any = self.fields["category"]
        category_field.choices = [(c.code, c.name) for c in categories]

    @classmethod
    def for_incident(
        cls, incident: Incident, categories: Sequence[IncidentCategory]
    ) -> EditIncidentForm:
        """A blank form holding the incident's current values and version."""
        fields = ("priority", "address", "narrative", "version")
        initial = {"category": incident.category.code} | {k: getattr(incident, k) for k in fields}
        return cls(initial=initial, categories=categories)


class CloseForm(forms.Form):
    disposition = forms.ChoiceField(
        label=_("处理结果"),
        choices=[("", "—"), *Disposition.choices],
        error_messages={"required": _("请选择处理结果")},
    )
    note = forms.CharField(
        label=_("处理情况"), widget=forms.Textarea, max_length=2000, required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class RevealForm(forms.Form):
    purpose = forms.CharField(
        label=_("查询事由"),
        min_length=2,
        max_length=200,
        error_messages={
            "required": _("查看报警人信息必须填写事由"),
            "min_length": _("事由至少 2 个字"),
        },
    )


class UnitIdsField(forms.Field):
    """One or several unit ids (checkboxes named ``unit``)."""

    widget = forms.MultipleHiddenInput
    default_error_messages = {
        "required": _("请选择要派出的警力"),
        "invalid": _("警力编号无效"),
    }

    def to_python(self, value: Any) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        try:
            return [int(v) for v in values if str(v).strip()]
        except (TypeError, ValueError):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid") from None


class DispatchForm(forms.Form):
    unit = UnitIdsField()


class StepForm(forms.Form):
    step = forms.ChoiceField(choices=AssignmentStep.choices)


class ReassignForm(forms.Form):
    unit = forms.IntegerField(error_messages={"required": _("请选择改派的警力")})


class PlanStepForm(forms.Form):
    plan = forms.IntegerField()
    step = forms.IntegerField(min_value=0)


class MergeForm(forms.Form):
    other = forms.IntegerField()
    direction = forms.ChoiceField(
        choices=[("into_other", "into_other"), ("into_this", "into_this")]
    )


class UnitAvailabilityForm(forms.Form):
    status = forms.ChoiceField(
        choices=[
            (UnitStatus.AVAILABLE, UnitStatus.AVAILABLE.label),
            (UnitStatus.UNAVAILABLE, UnitStatus.UNAVAILABLE.label),
        ]
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)
