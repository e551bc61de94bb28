"""串并案 for incidents: earlier incidents that look like the same series, with reasons
(``zhian.analytics.linkage``), and analysts' decisions on them.

Incidents carry no coded MO fields yet, so the evidence is category, narrative (简要案情,
character n-gram TF-IDF), distance and time; a case app with MO fields can add them.
Only incidents the analyst may view are compared; no person's data is read.
"""

from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

import numpy as np
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
#: At most this many earlier incidents are read and compared per request. The ranking
#: fits a character n-gram TF-IDF over every candidate's narrative, so its cost grows with
#: the candidates (measured 0.7 s for 5,000 and 2.1 s for 20,000 synthetic narratives);
#: 5,000 keeps a request well under a second while holding months of a busy bureau's
#: incidents of one category around one place.
MAX_CANDIDATES = 5000
#: Incidents of another category are candidates only within this distance (metres):
#: twice the scorer's space scale (``LinkageWeights.space_scale_m``, 2,500 m), where the
#: space similarity has fallen to exp(-2) = 0.14.
NEAR_RADIUS_M = 5000.0


def link_candidates(
    incident: Incident,
    *,
    acting_user: Any,
    limit: int = MAX_CANDIDATES,
    radius_m: float = NEAR_RADIUS_M,
) -> dict[str, Any]:
    """The earlier incidents ``suggest_links`` ranks, as ``incident_arrays`` arrays: those
    of the past ``LOOK_BACK_DAYS`` the user may view that share the incident's category or
    lie within ``radius_m`` of it, the latest ``limit`` of them (the query itself left
    out). Narrowed in the database: two reads of at most ``limit`` rows each (same
    category; nearby), merged and cut to the latest ``limit``, which is exactly the
    latest ``limit`` of the union.

    Why this set: the scorer's evidence is category, narrative, distance and time
    (``docs/linkage.md``). A series is one category, so its members are in the set
    however far apart; an incident of another category beyond ``radius_m`` scores at most
    0.41 of the 0.75 reachable without MO fields, and only on its text. The latest first,
    since the time similarity falls with age. With more than ``limit`` such incidents in
    the year, the oldest are not compared."""
    common: dict[str, Any] = {
        "since": incident.received_at - timedelta(days=LOOK_BACK_DAYS),
        "until": incident.received_at + timedelta(seconds=1),
        "user": acting_user,
        "with_narrative": True,
        "limit": limit + 1,  # the query itself may be among them
        "newest_first": True,
    }
    dlat = radius_m / 111_000
    dlon = dlat / max(0.05, abs(math.cos(math.radians(incident.lat))))
    box = (incident.lon - dlon, incident.lat - dlat, incident.lon + dlon, incident.lat + dlat)
    same = incident_arrays(category_codes=[incident.category.code], **common)
    near = incident_arrays(bbox=box, **common)
    ids = np.concatenate([same["id"], near["id"]])
    t = np.concatenate([same["t"], near["t"]])
    keep = np.unique(ids, return_index=True)[1]
    keep = keep[ids[keep] != incident.pk]
    # the latest ``limit`` of the union, then back in time order
    keep = keep[np.lexsort((-ids[keep], -t[keep]))][:limit]
    keep = keep[np.lexsort((ids[keep], t[keep]))]
    return {key: np.concatenate([same[key], near[key]])[keep] for key in same}


def suggest_links(incident: Incident, *, acting_user: Any, k: int = 10) -> list[dict[str, Any]]:
    """The ``k`` most similar earlier incidents in the user's view (among
    ``link_candidates``: at most ``MAX_CANDIDATES``), each with its score, its reasons
    and the latest decision on the pair."""
    check_can(acting_user, "insights.link", incident.jurisdiction)
    if incident.merged_into_id is not None:
        return []  # a merged duplicate is not compared; its surviving incident is
    arr = link_candidates(
        incident, acting_user=acting_user, limit=MAX_CANDIDATES, radius_m=NEAR_RADIUS_M
    )
    if len(arr["id"]) == 0:
        return []
    ev = EventSet.from_arrays(
        np.append(arr["t"], int(incident.received_at.timestamp())),
        np.append(arr["lon"], incident.lon),
        np.append(arr["lat"], incident.lat),
        np.append(arr["category"], incident.category.code),
        extra={
            "id": np.append(arr["id"], incident.pk),
            "text": np.append(arr["narrative"], incident.narrative),
        },
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
    """Record whether ``candidate`` belongs to ``incident``'s series, with the score the
    analyst saw (the suggestion's, in [0, 1]: anything else is refused, nothing stored)."""
    check_can(acting_user, "insights.link", incident.jurisdiction)
    check_can(acting_user, "insights.link", candidate.jurisdiction)
    if verdict not in LinkVerdict.values:
        raise ValidationFailed(
            _("请选择确认串并或排除"), code="invalid_verdict", fields={"verdict": _("必填")}
        )
    if candidate.pk == incident.pk:
        raise ValidationFailed(_("不能与自身串并"), code="self_link")
    if not (isinstance(score, int | float) and math.isfinite(score) and 0.0 <= score <= 1.0):
        raise ValidationFailed(
            _("相似度须为 0 到 1 之间的数"),
            code="invalid_score",
            fields={"score": _("须为 0 到 1 之间的数")},
        )
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
