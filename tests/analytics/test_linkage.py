"""Case linkage (zhian.analytics.linkage) and its synthetic-series evaluation."""

from __future__ import annotations

import numpy as np
import pytest

from zhian.analytics.datasets import toronto_mci_path
from zhian.analytics.linkage import COMPONENTS, CaseLinker, CaseSet, LinkageWeights
from zhian.analytics.linkage_eval import (
    evaluate_linkage,
    load_background,
    synthetic_series,
)

DAY = 86_400


def small_set() -> CaseSet:
    """Three earlier records and a later one that resembles the first in every way."""
    return CaseSet.build(
        ids=["a", "b", "c", "new"],
        category=["入室盗窃", "入室盗窃", "抢劫", "入室盗窃"],
        t=[0, 2 * DAY, 3 * DAY, 5 * DAY],
        x=[0.0, 3000.0, 50.0, 100.0],
        y=[0.0, 0.0, 0.0, 0.0],
        mo={
            "entry": ["撬窗", "技术开锁", "撬窗", "撬窗"],
            "tool": ["一字螺丝刀", "撬棍", "", "螺丝刀"],
        },
        text=[
            "凌晨嫌疑人撬窗进入住宅，翻动抽屉，盗走现金",
            "上午商铺被技术开锁，丢失香烟",
            "夜间路边持刀抢劫手机",
            "凌晨嫌疑人撬窗进入居民楼，翻动抽屉，盗走首饰",
        ],
    )


def test_the_most_similar_earlier_record_ranks_first_with_its_reasons() -> None:
    cases = small_set()
    linker = CaseLinker(cases, fuzzy_fields=("tool",))
    out = linker.suggest(cases, 3, k=5)
    # only earlier records, the look-alike first
    assert out[0].id == "a" and {s.id for s in out} == {"a", "b", "c"}
    top = out[0]
    assert {r.name for r in top.reasons} == set(COMPONENTS)
    assert sum(r.weight for r in top.reasons) == pytest.approx(1.0)
    assert top.score == pytest.approx(sum(r.contribution for r in top.reasons))
    reasons = {r.name: r for r in top.reasons}
    # "螺丝刀" is found inside "一字螺丝刀": the fuzzy MO field agrees fully
    assert reasons["modus_operandi"].similarity == pytest.approx(1.0)
    assert "entry=撬窗" in reasons["modus_operandi"].detail
    assert reasons["space"].detail == "100 m apart"
    assert reasons["time"].detail == "5.0 days earlier"
    assert 0.3 < reasons["narrative"].similarity < 1.0


def test_a_new_record_outside_the_set_is_compared_with_earlier_ones() -> None:
    cases = small_set()
    linker = CaseLinker(cases, fuzzy_fields=("tool",))
    new = CaseSet.build(
        ids=["q"],
        category=["抢劫"],
        t=[4 * DAY],
        x=[60.0],
        y=[0.0],
        mo={"entry": [""]},
        text=["夜间路边持刀抢劫钱包"],
    )
    out = linker.suggest(new, 0, k=2)
    assert out[0].id == "c"  # robbery, 10 m away, similar narrative
    assert "new" not in {s.id for s in out}  # later records are never suggested


def test_exact_mo_fields_do_not_match_partially() -> None:
    cases = small_set()
    exact = CaseLinker(cases)  # tool compared exactly
    comp = exact.components(cases, 3, np.array([0]))
    # entry agrees, tool "螺丝刀" != "一字螺丝刀": mean 0.5
    assert comp[0, 1] == pytest.approx(0.5)


def test_weights_and_records_are_validated() -> None:
    with pytest.raises(ValueError, match="not all zero"):
        LinkageWeights(category=0, modus_operandi=0, narrative=0, space=0, time=0)
    with pytest.raises(ValueError, match="unique"):
        CaseSet.build(["a", "a"], ["x", "x"], [0, 1], [0, 0], [0, 0])
    with pytest.raises(ValueError, match="MO field"):
        CaseSet.build(["a"], ["x"], [0], [0], [0], mo={"entry": ["1", "2"]})


def test_the_generator_is_seeded() -> None:
    from zhian.analytics.datasets import synthetic_events

    bg = synthetic_events(
        np.random.default_rng(0),
        days=60,
        per_day=30,
        categories=("Break and Enter", "Robbery", "Theft Over", "Auto Theft"),
    )
    bg = bg.replace(extra={**bg.extra, "premises_type": np.full(len(bg), "House")})
    a = synthetic_series(bg, np.random.default_rng(5), n_series=5)
    b = synthetic_series(bg, np.random.default_rng(5), n_series=5)
    assert np.array_equal(a.cases.text, b.cases.text) and np.array_equal(a.cases.x, b.cases.x)
    sizes = np.bincount(a.series[a.series >= 0])
    assert sizes.size == 5 and sizes.min() >= 6 and sizes.max() <= 12


def test_precision_on_synthetic_series_in_toronto_is_above_the_floor() -> None:
    path = toronto_mci_path()
    if not path.exists():
        pytest.skip(f"shared data not found at {path}")
    # given 40 planted series in the real first half of 2019 (about 16,000 offences)
    bg = load_background(path, "2019-01-01", "2019-07-01")
    data = synthetic_series(bg, np.random.default_rng(3), n_series=40)
    result = evaluate_linkage(data)
    # then the series are found far above chance (a random top 5 holds ~0 series members)
    assert result.queries_p5 >= 100
    assert result.precision_at_5 >= 0.75  # measured 0.839
    assert result.recall_at_10 >= 0.80  # measured 0.902
    # and space-time closeness alone does much worse than all the evidence together
    st_only = evaluate_linkage(
        data, LinkageWeights(category=0, modus_operandi=0, narrative=0, space=1, time=1)
    )
    assert st_only.precision_at_5 < result.precision_at_5 - 0.4  # measured 0.152
