"""Forms of the portal and of the staff pages. Labels are what screen readers announce."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhian.core.errors import ValidationFailed
from zhian.grid.choices import ReportType as GridReportType
from zhian.services.choices import Finding, Rating, ReportCategory


class ServiceErrorsMixin:
    """Put a service's field errors on the matching fields, the rest on the form."""

    def add_service_error(self, exc: ValidationFailed) -> None:
        fields = exc.extra.get("fields") or {}
        placed = False
        for name, message in fields.items():
            if name in self.fields:  # type: ignore[attr-defined]
                self.add_error(name, message)  # type: ignore[attr-defined]
                placed = True
        if not placed:
            self.add_error(None, exc.message)  # type: ignore[attr-defined]


class HoneypotMixin(forms.Form):
    """A field people never see or fill (hidden by CSS and from screen readers); software
    filling every field fills it too, and the request is refused without storing."""

    website = forms.CharField(
        required=False,
        label=_("请勿填写此项"),
        widget=forms.TextInput(attrs={"autocomplete": "off", "tabindex": "-1"}),
    )

    def is_bot(self) -> bool:
        return bool(self.data.get("website"))


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one input; the service checks their count, type and size."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> Any:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


_PHONE = forms.CharField(
    label=_("手机号码"),
    max_length=20,
    help_text=_("仅用于查询进度、提醒和回访，办结后按期删除"),
    widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
)


class ReportForm(ServiceErrorsMixin, HoneypotMixin):
    category = forms.ChoiceField(label=_("报警类别"), choices=ReportCategory.choices)
    description = forms.CharField(
        label=_("情况描述"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("发生了什么、涉及的物品或车辆特征等"),
    )
    address = forms.CharField(
        label=_("地点（地址）"),
        max_length=200,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "street-address"}),
    )
    lon = forms.FloatField(label=_("经度（可选）"), required=False, min_value=-180, max_value=180)
    lat = forms.FloatField(label=_("纬度（可选）"), required=False, min_value=-90, max_value=90)
    occurred_at = forms.DateTimeField(
        label=_("发生时间（可选）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    phone = _PHONE
    photos = MultipleFileField(
        label=_("照片（可选，最多 3 张，每张不超过 5 MB，JPEG/PNG）"),
        required=False,
        widget=MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}),
    )


class BookForm(ServiceErrorsMixin, HoneypotMixin):
    slot = forms.IntegerField(widget=forms.HiddenInput)
    phone = _PHONE


class TrackForm(forms.Form):
    code = forms.CharField(
        label=_("受理编号"),
        max_length=16,
        widget=forms.TextInput(attrs={"autocapitalize": "characters", "autocomplete": "off"}),
        help_text=_("提交后页面显示的 10 位编号，如 ABCDE-FGHJK"),
    )
    last4 = forms.CharField(
        label=_("手机号码后四位"),
        min_length=4,
        max_length=4,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}),
    )


class ConsultationForm(ServiceErrorsMixin, HoneypotMixin):
    topic = forms.CharField(
        label=_("主题"), max_length=100, help_text=_("如：户口迁移、居住证办理")
    )
    question = forms.CharField(
        label=_("您的问题"), max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )
    station = forms.ChoiceField(label=_("咨询单位（可选）"), required=False)
    phone = _PHONE

    def __init__(self, *args: Any, stations: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        station_field: Any = self.fields["station"]
        station_field.choices = [("", _("不限（分局统一答复）")), *stations]


class ComplaintForm(ServiceErrorsMixin, HoneypotMixin):
    unit = forms.ChoiceField(label=_("被投诉单位"))
    officer_reference = forms.CharField(
        label=_("涉及民警（警号或外貌特征，可选）"), max_length=100, required=False
    )
    occurred_at = forms.DateTimeField(
        label=_("发生时间（可选）"),
        required=False,
        widget=forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"),
        input_formats=["%Y-%m-%dT%H:%M"],
    )
    description = forms.CharField(
        label=_("投诉内容"),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("请写明时间、地点、经过和您的诉求"),
    )
    complainant_name = forms.CharField(label=_("您的姓名（可选）"), max_length=64, required=False)
    phone = _PHONE

    def __init__(self, *args: Any, units: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_field: Any = self.fields["unit"]
        unit_field.choices = [("", "—"), *units]


class SurveyForm(ServiceErrorsMixin, forms.Form):
    rating = forms.ChoiceField(
        label=_("您对本次服务的评价"), choices=Rating.choices, widget=forms.RadioSelect
    )
    reason = forms.CharField(
        label=_("原因或建议（不满意时必填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


# ---- staff forms ---------------------------------------------------------------------


class VersionForm(ServiceErrorsMixin, forms.Form):
    version = forms.IntegerField(widget=forms.HiddenInput)


class PublicNoteForm(VersionForm):
    public_note = forms.CharField(
        label=_("给群众的说明（公开）"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ForwardForm(VersionForm):
    incident_category_code = forms.CharField(label=_("警情类别编码"), max_length=16, required=False)
    lon = forms.FloatField(label=_("经度"), required=False)
    lat = forms.FloatField(label=_("纬度"), required=False)


class GridForm(VersionForm):
    report_type = forms.ChoiceField(
        label=_("网格事件类型"),
        choices=[("", _("按报警类别默认")), *GridReportType.choices],
        required=False,
        help_text=_("网格的吹哨规则按类型把事件派给对应部门；报警人的电话不会转出"),
    )


class NoteForm(forms.Form):
    text = forms.CharField(
        label=_("内部备注（不公开）"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2})
    )


class AnswerForm(VersionForm):
    answer = forms.CharField(
        label=_("答复（公开给咨询人）"), widget=forms.Textarea(attrs={"rows": 4})
    )
    publish = forms.BooleanField(label=_("匿名发布到常见问题"), required=False)
    faq_question = forms.CharField(
        label=_("发布用的问题（去除个人信息）"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class AssignForm(VersionForm):
    handler = forms.ChoiceField(label=_("承办人（被投诉单位以外的法制监督员）"))

    def __init__(self, *args: Any, handlers: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        handler_field: Any = self.fields["handler"]
        handler_field.choices = handlers


class ConcludeForm(VersionForm):
    finding = forms.ChoiceField(label=_("结论"), choices=Finding.choices)
    reasons = forms.CharField(label=_("理由"), widget=forms.Textarea(attrs={"rows": 4}))


class ReplyForm(VersionForm):
    reply = forms.CharField(label=_("答复投诉人（公开）"), widget=forms.Textarea(attrs={"rows": 4}))


class VisitForm(VersionForm):
    outcome = forms.ChoiceField(
        label=_("办理结果"), choices=[("done", _("已办理")), ("no_show", _("未到"))]
    )


class RevealForm(forms.Form):
    purpose = forms.CharField(label=_("查看事由"), max_length=200)
