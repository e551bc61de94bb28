from datetime import date
from typing import Any

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator
from django.utils.translation import gettext_lazy as _

from zhian.core.models.accounts import Role
from zhian.core.models.jurisdictions import Jurisdiction
from zhian.core.schema_types import day_bounds, validate_name


class DayField(forms.DateField):
    """A day inside the window every API day field accepts (``schema_types.day_bounds``):
    a year-9999 date is refused on the form with the bounds, not a 500 further down."""

    def validate(self, value: date | None) -> None:
        super().validate(value)
        if value is None:
            return
        earliest, latest = day_bounds()
        if not earliest <= value <= latest:
            raise ValidationError(
                _("日期须在 %(earliest)s 至 %(latest)s 之间"),
                code="day_out_of_range",
                params={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
            )


class LoginForm(forms.Form):
    username = forms.CharField(label=_("用户名"), max_length=150)
    password = forms.CharField(label=_("密码"), widget=forms.PasswordInput)


class RenameForm(forms.Form):
    name = forms.CharField(label=_("名称"), max_length=100, validators=[validate_name])
    name_en = forms.CharField(
        label=_("英文名称"), max_length=100, required=False, validators=[validate_name]
    )
    version = forms.IntegerField(widget=forms.HiddenInput)


class TokenForm(forms.Form):
    name = forms.CharField(
        label=_("用途"),
        max_length=100,
        help_text=_("例如：车载定位接口"),
        validators=[validate_name],
    )
    expires_in_days = forms.IntegerField(label=_("有效期（天）"), min_value=1, initial=90)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["expires_in_days"]
        field.max_value = settings.ZHIAN_TOKEN_MAX_DAYS  # type: ignore[attr-defined]
        field.validators.append(MaxValueValidator(settings.ZHIAN_TOKEN_MAX_DAYS))
        field.widget.attrs["max"] = settings.ZHIAN_TOKEN_MAX_DAYS


class MfaCodeForm(forms.Form):
    code = forms.CharField(
        label=_("验证码"),
        max_length=24,  # a 16-character recovery code, typed in groups of four with spaces
        help_text=_("验证器应用显示的 6 位数字，或一个恢复码"),
    )


class RoleAssignForm(forms.Form):
    """Give an account a role on a jurisdiction (the choices: what the caller may assign)."""

    role = forms.ChoiceField(label=_("角色"), choices=Role.choices)
    jurisdiction = forms.ModelChoiceField(
        label=_("辖区"),
        queryset=Jurisdiction.objects.none(),
        to_field_name="code",
        help_text=_("角色在该辖区及其下级辖区内有效"),
    )

    def __init__(self, *args: Any, jurisdictions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["jurisdiction"].queryset = jurisdictions  # type: ignore[attr-defined]
