"""The bureau's statutory rule table: a law's revision is a new row (新增修订), never an edit
of the row running periods were computed under."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import IntegrityError, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import Conflict, PermissionDenied, ValidationFailed
from zhian.core.scoping import scope_paths
from zhian.records.choices import EventKind, PeriodUnit
from zhian.records.models import DeadlineRule


def rule_errors(rule: DeadlineRule) -> dict[str, str]:
    """What is wrong with a rule row's completing events, unit and extension options."""
    errors: dict[str, str] = {}
    bad = [e for e in rule.end_events or [] if e not in EventKind.values]
    if not isinstance(rule.end_events, list) or bad:
        errors["end_events"] = _("完成事项须为事项代码列表：%(codes)s") % {
            "codes": ", ".join(EventKind.values)
        }
    if rule.unit not in PeriodUnit.values:
        errors["unit"] = _("单位无效")
    if rule.amount < 1:
        errors["amount"] = _("期间须为正整数")
    if rule.custody and rule.moves_on_holiday:
        errors["moves_on_holiday"] = _("羁押期间不得因节假日顺延")
    for option in rule.extensions or []:
        if (
            not isinstance(option, dict)
            or not isinstance(option.get("amount"), int)
            or option["amount"] < 1
            or option.get("approver") not in ("supervisor", "leader")
            or option.get("unit", rule.unit) != rule.unit
        ):
            errors["extensions"] = _(
                '每项延长须为 {"label": …, "amount": 正整数, '
                '"approver": "supervisor"/"leader"}，单位与期间相同'
            )
    return errors


def check_can_manage_rules(user: Any) -> None:
    if scope_paths(user, "deadline_rule.manage") == []:
        raise PermissionDenied(_("您的角色无权修改期限规则"), code="forbidden_action")


@transaction.atomic
def do_add_rule_revision(
    base: DeadlineRule,
    *,
    acting_user: Any,
    valid_from: date,
    effective_date: date,
    amount: int,
    article: str,
    legal_text: str,
    law: str = "",
) -> DeadlineRule:
    """A new version of ``base``'s rule from ``valid_from``; periods that started earlier
    keep the row they were computed under."""
    check_can_manage_rules(acting_user)
    revision = DeadlineRule(
        **{
            **model_to_dict(base, exclude=["id"]),
            "valid_from": valid_from,
            "effective_date": effective_date,
            "amount": amount,
            "article": article.strip()[:60],
            "legal_text": legal_text.strip(),
            "law": (law.strip() or base.law)[:120],
        }
    )
    errors = rule_errors(revision)
    if not revision.article:
        errors["article"] = _("请填写条款")
    if errors:
        raise ValidationFailed("；".join(errors.values()), code="invalid_rule", fields=errors)
    try:
        with transaction.atomic():
            revision.save()
    except IntegrityError:
        raise Conflict(
            _("规则 %(code)s 在 %(day)s 已有版本") % {"code": base.code, "day": valid_from},
            code="rule_version_exists",
        ) from None
    audit.record(
        actor=acting_user,
        action="deadline_rule.revise",
        obj=revision,
        data={"code": base.code, "valid_from": valid_from.isoformat(), "amount": amount},
    )
    return revision
