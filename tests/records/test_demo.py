"""The demo cases: the supervisor's board is populated on first run."""

from __future__ import annotations

from typing import Any

from tests.factories import Role, UserFactory
from tests.records.factories import make_incident
from zhian.demo.records import create_demo_records
from zhian.records.selectors import board_for


def test_demo_fills_the_board(tree: dict[str, Any]) -> None:
    # Given the demo users on a bureau (the small test tree's "B") and two incidents in S1
    UserFactory(username="patrol", roles=[(Role.PATROL_OFFICER, tree["S1"])])
    supervisor = UserFactory(username="supervisor", roles=[(Role.SUPERVISOR, tree["B"])])
    dispatcher = UserFactory(username="dispatcher", roles=[(Role.DISPATCHER, tree["B"])])
    make_incident(dispatcher)
    make_incident(dispatcher, lon=120.011)
    # When the demo cases are created
    summary = create_demo_records(bureau_code="B")
    # Then the board shows every kind of attention item
    board = board_for(supervisor)
    assert "6" in summary
    assert board["overdue"] and board["due_soon"] and board["stale"]
    assert board["pending"] and board["returned"] and board["load"]
    # custody periods never move, so the detention period is due within 24 h on any day
    assert "A_DETENTION_ARREST_REQUEST" in {d.rule.code for d in board["due_soon"]}
    assert create_demo_records(bureau_code="B") == "案件演示数据已存在。"
