"""update_if_version: the database decides which of two racing writers wins."""

from __future__ import annotations

from typing import Any

import pytest

from zhian.core.concurrency import check_version, update_if_version
from zhian.core.errors import PreconditionFailed
from zhian.core.models import Jurisdiction

pytestmark = pytest.mark.django_db


def test_second_writer_with_the_same_version_is_refused(tree: dict[str, Any]) -> None:
    first = Jurisdiction.objects.get(code="S1")
    second = Jurisdiction.objects.get(code="S1")  # both read version 1
    update_if_version(first, 1, name="甲")
    assert first.version == 2
    with pytest.raises(PreconditionFailed) as exc:
        update_if_version(second, 1, name="乙")
    assert exc.value.extra["current_version"] == 2
    stored = Jurisdiction.objects.get(code="S1")
    assert (stored.name, stored.version) == ("甲", 2)
    assert stored.updated_at >= first.created_at


def test_check_version_refuses_a_stale_expectation_without_writing(tree: dict[str, Any]) -> None:
    unit = Jurisdiction.objects.get(code="S1")
    check_version(unit.version, 1)
    with pytest.raises(PreconditionFailed) as exc:
        check_version(unit.version, 3)
    assert exc.value.extra["current_version"] == 1
    assert Jurisdiction.objects.get(code="S1").version == 1
