"""The case stage machine as data (办案流程): for each step, the action (and so the roles)
allowed to take it, the case fields it requires, and whether it goes through an approval.

受案 → 立案 (by approval) / 不予立案 → 调查（侦查） → 处理决定 → 结案 / 移送 / 撤销.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from zhian.records.choices import EventKind, Stage


@dataclass(frozen=True)
class Transition:
    source: str
    target: str
    action: str
    required: tuple[str, ...] = ()
    via_approval: bool = False
    event: str = ""


TRANSITIONS: tuple[Transition, ...] = (
    Transition(
        Stage.ACCEPTED,
        Stage.FILED,
        "case.approve",
        ("summary", "legal_basis"),
        via_approval=True,
        event=EventKind.FILED,
    ),
    Transition(
        Stage.ACCEPTED,
        Stage.NOT_FILED,
        "case.approve",
        ("outcome_note",),
        event=EventKind.NOT_FILED,
    ),
    Transition(Stage.FILED, Stage.INVESTIGATING, "case.work"),
    Transition(
        Stage.INVESTIGATING,
        Stage.DECIDED,
        "case.work",
        ("decision", "legal_basis"),
        event=EventKind.DECIDED,
    ),
    Transition(
        Stage.INVESTIGATING,
        Stage.TRANSFERRED,
        "case.work",
        ("transfer_to", "outcome_note"),
        event=EventKind.TRANSFERRED,
    ),
    Transition(Stage.DECIDED, Stage.CLOSED, "case.work", ("outcome_note",), event=EventKind.CLOSED),
    Transition(
        Stage.DECIDED,
        Stage.TRANSFERRED,
        "case.work",
        ("transfer_to", "outcome_note"),
        event=EventKind.TRANSFERRED,
    ),
    Transition(
        Stage.FILED, Stage.REVOKED, "case.approve", ("outcome_note",), event=EventKind.REVOKED
    ),
    Transition(
        Stage.INVESTIGATING,
        Stage.REVOKED,
        "case.approve",
        ("outcome_note",),
        event=EventKind.REVOKED,
    ),
    Transition(
        Stage.DECIDED, Stage.REVOKED, "case.approve", ("outcome_note",), event=EventKind.REVOKED
    ),
)

BY_STEP: dict[tuple[str, str], Transition] = {(t.source, t.target): t for t in TRANSITIONS}

FIELD_LABELS = {
    "summary": _("简要案情"),
    "legal_basis": _("法律依据"),
    "decision": _("处理决定"),
    "transfer_to": _("移送单位"),
    "outcome_note": _("结案/撤销说明"),
}


def next_stages(stage: str) -> list[str]:
    return [t.target for t in TRANSITIONS if t.source == stage]
