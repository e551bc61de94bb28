"""Contingency plans (预案): the checklist for an incident's category."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import audit
from zhian.core.errors import Conflict, NotFound, ValidationFailed
from zhian.core.scoping import check_can
from zhian.dispatch.choices import TimelineKind
from zhian.dispatch.models import ContingencyPlan, Incident, PlanStepDone
from zhian.dispatch.services.changes import mark_changed
from zhian.dispatch.services.timeline import add_timeline


def plans_for(incident: Incident) -> list[ContingencyPlan]:
    """Active plans of the incident's category and of its top-level category."""
    categories = {incident.category_id, incident.category.top.pk}
    return list(ContingencyPlan.objects.filter(category_id__in=categories, active=True))


def checklist(incident: Incident) -> list[dict[str, Any]]:
    done = {(d.plan_id, d.step): d for d in incident.plan_steps.select_related("done_by")}
    return [
        {
            "plan_id": plan.pk,
            "plan": plan.name,
            "steps": [
                {
                    "step": i,
                    "text": text,
                    "done_at": done[(plan.pk, i)].done_at if (plan.pk, i) in done else None,
                    "done_by": str(done[(plan.pk, i)].done_by) if (plan.pk, i) in done else None,
                }
                for i, text in enumerate(plan.steps)
            ],
        }
        for plan in plans_for(incident)
    ]


@transaction.atomic
def do_complete_plan_step(
    incident: Incident, plan_id: int, step: int, *, acting_user: Any
) -> PlanStepDone:
    check_can(acting_user, "incident.dispatch", incident.jurisdiction)
    plan = next((p for p in plans_for(incident) if p.pk == plan_id), None)
    if plan is None:
        raise NotFound(_("该警情没有这个预案"))
    if not 0 <= step < len(plan.steps):
        raise ValidationFailed(_("预案步骤不存在"), code="invalid_step")
    try:
        with transaction.atomic():
            done = PlanStepDone.objects.create(
                incident=incident, plan=plan, step=step, done_at=timezone.now(), done_by=acting_user
            )
    except IntegrityError:
        raise Conflict(_("该步骤已完成"), code="step_done") from None
    add_timeline(
        incident, TimelineKind.PLAN_STEP, actor=acting_user, note=f"{plan.name}：{plan.steps[step]}"
    )
    audit.record(
        actor=acting_user, action="plan.step", obj=incident, data={"plan": plan.pk, "step": step}
    )
    mark_changed(incidents=[incident])
    return done
