"""Department scorecard (部门考评) and scoping of grid reads."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from tests.grid.conftest import IN_S2_1_1
from tests.grid.factories import photo, submit
from zhian.core.errors import NotFound
from zhian.grid import selectors
from zhian.grid.models import Referral
from zhian.grid.services.reports import (
    do_reopen_referral,
    do_resolve_referral,
    do_sign_referral,
    do_verify_referral,
)

pytestmark = pytest.mark.django_db


def _cg(report: Any) -> Referral:
    return Referral.objects.select_related("report__jurisdiction", "department").get(
        report=report, department__code="CG"
    )


def test_scorecard_counts_on_time_sign_and_resolve_reopens_and_ratings(
    people: dict[str, Any], rules: Any
) -> None:
    worker, liaison = people["worker"], people["liaison"]
    now = timezone.now()
    # A: signed and resolved in time, verified 5 stars.
    a = _cg(submit(worker, "assistance"))
    do_sign_referral(a, acting_user=liaison, expected_version=1)
    do_resolve_referral(
        a,
        acting_user=liaison,
        expected_version=2,
        resolution="好",
        photos=[photo()],
    )
    do_verify_referral(a, acting_user=worker, expected_version=3, rating=5)
    # B: filed 3 h ago, signed late (1 h clock), resolved in time, reopened, rated 1.
    b = _cg(submit(worker, "assistance", at=now - timedelta(hours=3)))
    do_sign_referral(b, acting_user=liaison, expected_version=1)
    do_resolve_referral(
        b,
        acting_user=liaison,
        expected_version=2,
        resolution="好",
        photos=[photo()],
    )
    do_reopen_referral(b, acting_user=worker, expected_version=3, reason="未好", rating=1)
    # C: filed 2 days ago, never signed: both clocks ran out unmet.
    _cg(submit(worker, "assistance", at=now - timedelta(days=2)))
    # D: just filed, clocks still running: left out of the rates.
    _cg(submit(worker, "assistance"))

    today = timezone.localdate()
    rows = {
        r.department: r
        for r in selectors.scorecard(people["leader"], today - timedelta(days=3), today)
    }
    cg = rows["城管执法中队"]
    assert cg.referrals == 4
    assert cg.sign_rate == pytest.approx(1 / 3)  # A on time; B late; C expired; D running
    assert cg.resolve_rate == pytest.approx(1 / 2)  # A on time; C expired; B reopened, D running
    assert cg.reopen_rate == pytest.approx(1 / 2)  # of A and B, which were resolved, B reopened
    assert cg.average_rating == 3.0
    assert cg.open_now == 3
    # A period before any of it is empty.
    assert (
        selectors.scorecard(
            people["leader"], today - timedelta(days=30), today - timedelta(days=20)
        )
        == []
    )


def test_reports_are_scoped_to_the_viewers_jurisdictions(
    people: dict[str, Any], rules: Any
) -> None:
    west = submit(people["worker"])
    east = submit(people["east_worker"], point=IN_S2_1_1)
    assert list(selectors.reports_for(people["community"])) == [west]
    with pytest.raises(NotFound):
        selectors.access_report(people["community"], east.pk)
    assert {r.pk for r in selectors.reports_for(people["leader"])} == {west.pk, east.pk}
    inbox = selectors.inbox_for(people["liaison"])
    assert {r.report_id for r in inbox} == {west.pk, east.pk}
    assert {r.department.code for r in selectors.inbox_for(people["liaison_sj"])} == {"SJ"}
    assert {d.code for d in selectors.departments_for(people["community"])} == {"CG", "SJ", "TW"}
