"""串并案 for incidents: earlier incidents that look like the same series, with reasons
(``zhian.analytics.linkage``), and analysts' decisions on them.

Incidents carry no coded MO fields yet, so the evidence is category, narrative (简要案情,
character n-gram TF-IDF), distance and time; a case app with MO fields can add them.
Only incidents the analyst may view are compared; no person's data is read.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from zhian.analytics.events import EventSet
from zhian.analytics.linkage import CaseLinker, CaseSet, Suggestion
from zhian.core import audit
from zhian.core.errors import ValidationFailed
from zhian.core.scoping import check_can
from zhian.dispatch.models import Incident
from zhian.dispatch.selectors import incident_arrays
from zhian.insights.choices import LinkVerdict
from zhian.insights.models import LinkDecision

LOOK_BACK_DAYS = 365


def suggest_links(incident: Incident, *, acting_user: Any, k: int = 10) -> list[dict[str, Any]]:
    """The ``k`` most similar earlier incidents in the user's view, each with its score,
    its reasons and the latest decision on the pair."""
    check_can(acting_user, "insights.link", incident.jurisdiction)
    arr = incident_arrays(
        since=incident.received_at - timedelta(days=LOOK_BACK_DAYS),
        until=incident.received_at + timedelta(seconds=1),
        user=acting_user,
        with_narrative=True,
    )
    if incident.pk not in set(arr["id"].tolist()) or len(arr["id"]) < 2:
        return []
    ev = EventSet.from_arrays(
        arr["t"],
        arr["lon"],
        arr["lat"],
        arr["category"],
        extra={"id": arr["id"], "text": arr["narrative"]},
    )
    cases = CaseSet.build(
        ids=ev.extra["id"].astype(str),
        category=ev.category,
        t=ev.t,
        x=ev.x,
        y=ev.y,
        text=ev.extra["text"],
    )
    q = int((ev.extra["id"] == incident.pk).nonzero()[0][0])
    found: list[Suggestion] = CaseLinker(cases).suggest(cases, q, k=k)
    ids = [int(s.id) for s in found]
    others = {i.pk: i for i in Incident.objects.filter(pk__in=ids).select_related("category")}
    latest: dict[int, LinkDecision] = {}
    for d in LinkDecision.objects.filter(incident=incident, candidate_id__in=ids).select_related(
        "decided_by"
    ):
        latest.setdefault(d.candidate_id, d)  # ordered newest first
    return [
        {
            "incident": others[int(s.id)],
            "score": s.score,
            "reasons": s.reasons,
            "decision": latest.get(int(s.id)),
        }
        for s in found
        if int(s.id) in others
    ]


@transaction.atomic
def do_decide_link(
    incident: Incident, candidate: Incident, *, verdict: str, score: float, acting_user: Any
) -> LinkDecision:
    """Record whether ``candidate`` belongs to ``incident``'s series."""
    check_can(acting_user, "insights.link", incident.jurisdiction)
    check_can(acting_user, "insights.link", candidate.jurisdiction)
    if verdict not in LinkVerdict.values:
        raise ValidationFailed(
            _("请选择确认串并或排除"), code="invalid_verdict", fields={"verdict": _("必填")}
        )
    if candidate.pk == incident.pk:
        raise ValidationFailed(_("不能与自身串并"), code="self_link")
    decision = LinkDecision.objects.create(
        incident=incident,
        candidate=candidate,
        verdict=verdict,
        score=score,
        decided_by=acting_user,
    )
    audit.record(
        actor=acting_user,
        action="insights.link",
        obj=decision,
        data={"incident": incident.number, "candidate": candidate.number, "verdict": verdict},
    )
    return decision
