"""What each role may do with KPIs (考核); registered with core from ``apps.py``.

局领导 (leader) holding the role on the bureau sees the bureau and every station; a leader
or analyst on a station sees that station. Monthly figures for indicators whose source app
does not exist yet are entered by analysts (统计/内勤) and administrators; indicator
definitions and ranking weights are configured by leaders and administrators."""

from __future__ import annotations

from zhian.core.models.accounts import Role

ACTIONS: dict[str, frozenset[Role]] = {
    "metrics.view": frozenset({Role.LEADER, Role.ANALYST, Role.SUPERVISOR, Role.ADMINISTRATOR}),
    "metrics.enter_figures": frozenset({Role.ANALYST, Role.ADMINISTRATOR}),
    "metrics.configure": frozenset({Role.LEADER, Role.ADMINISTRATOR}),
}
