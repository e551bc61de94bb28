"""What each role may do in insights (研判); registered with core from ``apps.py``."""

from __future__ import annotations

from zhian.core.models.accounts import Role

_VIEWERS = frozenset({Role.ANALYST, Role.LEADER, Role.SUPERVISOR, Role.ADMINISTRATOR})

ACTIONS: dict[str, frozenset[Role]] = {
    # the 三张图 maps, stored forecasts, alerts and plans
    "insights.view": _VIEWERS,
    # run a forecast on demand, make a patrol plan, recompute near-repeat bands
    "insights.forecast": frozenset({Role.ANALYST}),
    "insights.plan": frozenset({Role.ANALYST}),
    # 串并: see suggestions for an incident and record a decision on them
    "insights.link": frozenset({Role.ANALYST}),
    # a patrol officer sees the plans of the stations they serve (not the analysis maps)
    "insights.plan.view": _VIEWERS | {Role.PATROL_OFFICER},
    # 巡逻措施登记: record the tactics used at a plan's stops (the patrol officers who
    # went there; 法制监督员 oversee cases, not patrols)
    "insights.plan.log": frozenset({Role.PATROL_OFFICER}),
}
