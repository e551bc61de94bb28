"""Station ranking (张榜): weights, components, small numbers and the tie order."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

import pytest

from tests.factories import feature, rect
from tests.metrics.conftest import indicator, manual_rate
from zhian.core.services.jurisdictions import do_import_jurisdictions
from zhian.metrics.models import RankingWeight
from zhian.metrics.periods import Period
from zhian.metrics.ranking import rank_stations, scale
from zhian.metrics.services.figures import do_enter_monthly_figure
from zhian.metrics.services.indicators import do_set_ranking_weight

MARCH = Period.month(2026, 3)


@pytest.fixture
def only(tree: dict[str, Any], people: dict[str, Any]) -> Any:
    """Keep only the named indicators in the ranking, with the given weights."""

    def keep(**weights: int) -> None:
        RankingWeight.objects.exclude(indicator__code__in=weights).delete()
        for code, weight in weights.items():
            do_set_ranking_weight(
                indicator(code), Decimal(weight), bureau=tree["B"], acting_user=people["leader"]
            )

    return keep


def enter(
    tree: dict[str, Any],
    user: Any,
    code: str,
    station: str,
    month: date,
    value: int,
    den: int | None = None,
) -> None:
    do_enter_monthly_figure(
        indicator(code), tree[station], month, value, denominator=den, acting_user=user
    )


def test_scale_maps_best_to_100_worst_to_0_and_equal_to_100() -> None:
    assert scale([1.0, 3.0, 2.0]) == [0.0, 100.0, 50.0]
    assert scale([2.0, 2.0]) == [100.0, 100.0]
    assert scale([None, 1.0]) == [None, 100.0]


def test_weighted_score_shows_each_component(
    tree: dict[str, Any], people: dict[str, Any], only: Any
) -> None:
    # Given cases (weight 3) and complaints (weight 1), last March and this March
    only(accidents=3, petitions=1)
    a = people["analyst"]
    for station, (cases_ly, cases_now, compl_ly, compl_now) in {
        "S1": (20, 10, 10, 12),  # cases −50 %, complaints +20 %
        "S2": (20, 18, 10, 5),  # cases −10 %, complaints −50 %
    }.items():
        enter(tree, a, "accidents", station, date(2025, 3, 1), cases_ly)
        enter(tree, a, "accidents", station, date(2026, 3, 1), cases_now)
        enter(tree, a, "petitions", station, date(2025, 3, 1), compl_ly)
        enter(tree, a, "petitions", station, date(2026, 3, 1), compl_now)
    table, weights = rank_stations([tree["S1"], tree["S2"]], MARCH)
    assert [w.indicator.code for w in weights] == ["accidents", "petitions"]
    s1, s2 = table
    # S1: cases best (100) × 3 + complaints worst (0) × 1 → 75; S2: 0 × 3 + 100 × 1 → 25
    assert (s1.station.code, s1.score, s1.rank) == ("S1", 75.0, 1)
    assert (s2.station.code, s2.score, s2.rank) == ("S2", 25.0, 2)
    assert [c.score for c in s1.components] == [100.0, 0.0]
    assert s1.components[0].measure == pytest.approx(0.5)  # −50 %, turned: higher is better


def test_changing_a_weight_changes_the_order(
    tree: dict[str, Any], people: dict[str, Any], only: Any
) -> None:
    only(accidents=1, petitions=3)
    a = people["analyst"]
    for station, values in {"S1": (20, 10, 10, 12), "S2": (20, 18, 10, 5)}.items():
        enter(tree, a, "accidents", station, date(2025, 3, 1), values[0])
        enter(tree, a, "accidents", station, date(2026, 3, 1), values[1])
        enter(tree, a, "petitions", station, date(2025, 3, 1), values[2])
        enter(tree, a, "petitions", station, date(2026, 3, 1), values[3])
    table, _w = rank_stations([tree["S1"], tree["S2"]], MARCH)
    assert [(r.station.code, r.score) for r in table] == [("S2", 75.0), ("S1", 25.0)]


def test_a_perfect_rate_on_three_cases_does_not_top_a_large_good_one(
    tree: dict[str, Any], people: dict[str, Any], only: Any
) -> None:
    manual_rate()
    only(manual_rate=1)
    a = people["analyst"]
    enter(tree, a, "manual_rate", "S1", date(2026, 3, 1), 3, 3)  # 100 %, Wilson low 43.9 %
    enter(tree, a, "manual_rate", "S2", date(2026, 3, 1), 160, 200)  # 80 %, low 73.9 %
    table, _w = rank_stations([tree["S1"], tree["S2"]], MARCH)
    assert [r.station.code for r in table] == ["S2", "S1"]
    s1 = table[1]
    assert s1.components[0].small and s1.flagged


def test_ties_share_a_rank_and_are_ordered_by_code(
    tree: dict[str, Any], people: dict[str, Any], only: Any
) -> None:
    # Given a third station and identical figures everywhere
    do_import_jurisdictions(
        {
            "type": "FeatureCollection",
            "features": [feature("S0", "station", "B", rect(120.0, 30.04, 120.04, 30.06))],
        },
        acting_user=None,
    )
    from zhian.core.models import Jurisdiction

    s0 = Jurisdiction.objects.get(code="S0")
    only(accidents=1)
    a = people["analyst"]
    for station in ("S0", "S1", "S2"):
        tree.setdefault("S0", s0)
        enter(tree, a, "accidents", station, date(2025, 3, 1), 10)
        enter(tree, a, "accidents", station, date(2026, 3, 1), 8 if station != "S2" else 12)
    table, _w = rank_stations([tree["S2"], tree["S1"], s0], MARCH)
    assert [(r.station.code, r.rank, r.score) for r in table] == [
        ("S0", 1, 100.0),
        ("S1", 1, 100.0),
        ("S2", 3, 0.0),
    ]


def test_a_station_without_data_scores_dash_and_ranks_last(
    tree: dict[str, Any], people: dict[str, Any], only: Any
) -> None:
    only(accidents=1)
    enter(tree, people["analyst"], "accidents", "S2", date(2025, 3, 1), 10)
    enter(tree, people["analyst"], "accidents", "S2", date(2026, 3, 1), 9)
    table, _w = rank_stations([tree["S1"], tree["S2"]], MARCH)
    assert [(r.station.code, r.score) for r in table] == [("S2", 100.0), ("S1", None)]
    assert table[1].components[0].current.display == "—"
