"""The demo bureau loads from the repository's own Toronto data, once, with a user per role."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command

from zhian.core import audit, selectors
from zhian.core.models import Jurisdiction, Role, User
from zhian.demo.core import DEMO_PASSWORD
from zhian.demo.toronto import read_latest_offences
from zhian.dispatch.choices import ACTIVE_INCIDENT
from zhian.dispatch.models import Incident, Unit

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_load_demo_builds_the_bureau_and_users(
    capsys: Any, client: Any, settings: Any, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # Given a machine with the repository alone: the shared data directory is empty.
    monkeypatch.setenv("ZHIAN_SHARED_DATA", str(tmp_path))
    settings.ZHIAN_SHARED_DATA = tmp_path

    call_command("load_demo")

    out = capsys.readouterr().out
    n_jurisdictions = Jurisdiction.objects.count()
    assert f"已导入 {n_jurisdictions} 个辖区。\n已创建 48 个警力、15 起未结警情。\n" in out
    assert "zhian-demo-2026" in out
    assert "  patrol         巡逻民警@" in out
    kinds = {
        k: Jurisdiction.objects.filter(kind=k).count()
        for k in ("bureau", "station", "sector", "grid")
    }
    assert kinds["bureau"] == 1
    assert kinds["station"] == 12
    assert kinds["sector"] == 140
    assert kinds["grid"] >= 140 * 3
    held = set(User.objects.values_list("role_assignments__role", flat=True))
    assert held == {str(r) for r in Role}
    assert audit.verify_chain().ok
    assert Unit.objects.count() == 12 * 4
    # 15 open incidents from the Toronto records, and one raised by the grid demo's
    # high-risk dispute (公调对接 the other way).
    from_records = Incident.objects.filter(
        narrative="演示数据：地点与类别取自多伦多 2020 年真实记录"
    )
    assert from_records.filter(status__in=ACTIVE_INCIDENT).count() == 15
    assert Incident.objects.filter(status__in=ACTIVE_INCIDENT).count() == 16
    assert Unit.objects.exclude(status="available").count() == 5
    assert Incident.objects.values("jurisdiction__kind").distinct().get() == {
        "jurisdiction__kind": "grid"
    }
    places = [(lon, lat) for _, lon, lat in read_latest_offences()]
    assert [(i.lon, i.lat) for i in from_records.order_by("received_at")] == places

    patrol = User.objects.get(username="patrol")
    station = patrol.role_assignments.get().jurisdiction
    visible = selectors.jurisdictions_for(patrol)
    assert visible.count() == Jurisdiction.objects.filter(path__startswith=station.path).count()
    assert not visible.filter(kind="bureau").exists()

    assert (
        client.post("/login/", {"username": "patrol", "password": DEMO_PASSWORD}).status_code == 302
    )

    call_command("load_demo")  # a second run changes nothing
    assert "演示数据已加载" in capsys.readouterr().out
    assert Jurisdiction.objects.filter(kind="station").count() == 12
