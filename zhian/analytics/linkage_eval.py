"""Synthetic crime series (系列案) mixed into real recorded crime, and how well
``zhian.analytics.linkage`` finds them.

No open data set says which offences one offender committed, so linkage is evaluated on
planted series. The **background** is real: every Toronto MCI offence of the chosen year
(``zhian.analytics.datasets.toronto_mci_path``) keeps its category, time, position and
premises type. Toronto publishes no narratives or MO fields, so those are generated for
every record, background and series alike, from the same vocabularies, with skewed
frequencies (a few entry methods, targets and tools are common, as in real records) so
that a shared common MO is weak evidence.

A **series** (``synthetic_series``) is one offender's run of ``min_length``–``max_length``
offences of one category: an anchor at a real offence of that category, positions
Gaussian around it (standard deviation 200–800 m), times from a start in the year with
exponential gaps (mean 3–14 days), hours in the offender's preferred band. The offender
has habits drawn once from the same skewed vocabularies (entry method, target, tool,
premises, narrative template, one or two signature phrases); each offence keeps each habit
with probability ``keep`` (default 0.7), otherwise draws afresh, and a tool is written as a
variant ("螺丝刀" for "一字螺丝刀") three times in ten. Everything is seeded.

**Evaluation** (``evaluate_linkage``): each series offence that has earlier offences of its
series is a query against every record of the previous ``max_days``; precision@5 is the
share of the top 5 that belong to the query's series, over queries with at least five
earlier members (so a perfect ranking scores 1); recall@10 is the share of the earlier
members found in the top 10, over all queries.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from zhian.analytics.datasets import toronto_mci_path
from zhian.analytics.events import EventSet, load_events, to_instant
from zhian.analytics.linkage import CaseLinker, CaseSet, LinkageWeights

__all__ = [
    "FUZZY_FIELDS",
    "LinkageEvaluation",
    "SeriesData",
    "evaluate_linkage",
    "synthetic_series",
]

ENTRY = ["撬门锁", "技术开锁", "撬窗", "攀爬阳台", "翻墙", "砸玻璃", "尾随入户", "未锁门窗"]
TARGET = ["现金", "手机", "首饰", "笔记本电脑", "电动车", "香烟", "名表", "快递包裹"]
TOOL = ["一字螺丝刀", "撬棍", "万能钥匙", "液压钳", "锡纸", "铁锤", "老虎钳", "无"]
TOOL_VARIANT = {"一字螺丝刀": "螺丝刀", "撬棍": "铁撬棍", "万能钥匙": "钥匙", "液压钳": "剪钳"}
SIGNATURES = [
    "翻动抽屉",
    "现场留有烟头",
    "只拿现金不拿物品",
    "戴手套作案",
    "破坏监控探头",
    "现场留有鞋印",
    "骑电动车逃离",
    "用胶带遮挡猫眼",
    "翻找衣柜",
    "饮用屋内饮料",
]
TEMPLATES = [
    "{band}，嫌疑人采用{entry}方式进入{premises}，盗走{target}。{sig}",
    "报警人称{band}发现{premises}被人{entry}，丢失{target}，{sig}。",
    "{premises}内{target}被盗，嫌疑人疑似{entry}进入，使用{tool}，{sig}。",
    "{band}接报{premises}发生警情，对方{entry}后拿走{target}，现场{sig}。",
    "经查，嫌疑人于{band}在{premises}{entry}，窃得{target}，{sig}，随后离开。",
    "事主反映{premises}{target}不见，门窗有{entry}痕迹，工具为{tool}。{sig}",
]
PREMISES_ZH = {
    "Apartment": "居民楼",
    "House": "住宅",
    "Commercial": "商铺",
    "Outside": "室外",
    "Transit": "公交场站",
    "Educational": "学校",
    "Other": "其他场所",
}
BANDS = ["凌晨", "上午", "下午", "夜间"]
FUZZY_FIELDS = ("tool",)


def _skewed(n: int) -> NDArray[np.float64]:
    p = 1.0 / np.arange(1, n + 1)
    return np.asarray(p / p.sum())


def _band(hour: NDArray[np.int64]) -> NDArray[np.str_]:
    return np.asarray(np.array(BANDS)[np.clip(hour // 6, 0, 3)], dtype=str)


@dataclass(frozen=True, eq=False)
class SeriesData:
    """Background plus planted series: the records and, per record, its series (-1 for
    the background)."""

    cases: CaseSet
    series: NDArray[np.int64]


def _narratives(
    rng: np.random.Generator,
    template: NDArray[np.int64],
    fields: dict[str, NDArray[np.str_]],
    signature: NDArray[np.str_],
) -> NDArray[np.str_]:
    out = []
    for i in range(template.shape[0]):
        out.append(
            TEMPLATES[int(template[i])].format(
                band=fields["band"][i],
                entry=fields["entry"][i],
                premises=fields["premises"][i],
                target=fields["target"][i],
                tool=fields["tool"][i],
                sig=signature[i],
            )
        )
    return np.asarray(out, dtype=str)


def synthetic_series(
    background: EventSet,
    rng: np.random.Generator,
    *,
    n_series: int = 60,
    min_length: int = 6,
    max_length: int = 12,
    keep: float = 0.7,
    categories: tuple[str, ...] = ("Break and Enter", "Robbery", "Theft Over", "Auto Theft"),
) -> SeriesData:
    """Background records with generated MO and narratives, plus planted series (see the
    module docstring). ``background`` needs a ``premises_type`` column."""
    if not 0 <= keep <= 1:
        raise ValueError("keep is a probability")
    if not 2 <= min_length <= max_length:
        raise ValueError("series need 2 <= min_length <= max_length")
    n = len(background)
    hours = ((background.t // 3600) % 24).astype(np.int64)  # UTC hour is enough for bands
    prem = np.array([PREMISES_ZH.get(p, "其他场所") for p in background.extra["premises_type"]])
    bg = {
        "entry": rng.choice(ENTRY, size=n, p=_skewed(len(ENTRY))),
        "target": rng.choice(TARGET, size=n, p=_skewed(len(TARGET))),
        "tool": rng.choice(TOOL, size=n, p=_skewed(len(TOOL))),
        "premises": prem,
        "band": _band(hours),
    }
    bg_sig = np.where(rng.random(n) < 0.5, rng.choice(SIGNATURES, size=n), "")
    bg_text = _narratives(rng, rng.integers(0, len(TEMPLATES), n), bg, bg_sig)

    t0, t1 = int(background.t.min()), int(background.t.max())
    rows: dict[str, list[object]] = {
        k: [] for k in ("t", "x", "y", "cat", "series", "entry", "target", "tool", "premises")
    }
    rows.update(band=[], text=[])
    for s in range(n_series):
        cat = str(rng.choice(categories))
        pool = np.flatnonzero(background.category == cat)
        if pool.size == 0:
            raise ValueError(f"the background has no {cat!r} records")
        anchor = int(rng.choice(pool))
        size = int(rng.integers(min_length, max_length + 1))
        sd = rng.uniform(200.0, 800.0)
        gap = rng.uniform(3.0, 14.0) * 86_400
        start = rng.uniform(t0, max(t0 + 1, t1 - size * gap * 1.5))
        times = start + np.cumsum(np.concatenate([[0.0], rng.exponential(gap, size - 1)]))
        habit = {
            "entry": rng.choice(ENTRY, p=_skewed(len(ENTRY))),
            "target": rng.choice(TARGET, p=_skewed(len(TARGET))),
            "tool": rng.choice(TOOL, p=_skewed(len(TOOL))),
            "premises": rng.choice(list(PREMISES_ZH.values())),
            "band": int(rng.integers(0, 4)),
        }
        template = int(rng.integers(0, len(TEMPLATES)))
        sigs = rng.choice(SIGNATURES, size=int(rng.integers(1, 3)), replace=False)
        for j in range(size):
            ev: dict[str, str] = {}
            for k, vocab in (("entry", ENTRY), ("target", TARGET), ("tool", TOOL)):
                keep_it = rng.random() < keep
                ev[k] = str(habit[k]) if keep_it else str(rng.choice(vocab, p=_skewed(len(vocab))))
            if ev["tool"] in TOOL_VARIANT and rng.random() < 0.3:
                ev["tool"] = TOOL_VARIANT[ev["tool"]]
            ev["premises"] = (
                str(habit["premises"])
                if rng.random() < keep
                else str(rng.choice(list(PREMISES_ZH.values())))
            )
            b = int(habit["band"]) if rng.random() < keep else int(rng.integers(0, 4))
            hour = 6 * b + int(rng.integers(0, 6))
            t = int(times[j]) // 86_400 * 86_400 + hour * 3600
            ev["band"] = BANDS[b]
            sig = str(rng.choice(sigs)) if rng.random() < keep else ""
            tpl = template if rng.random() < keep else int(rng.integers(0, len(TEMPLATES)))
            text = _narratives(
                rng, np.array([tpl]), {k: np.array([v]) for k, v in ev.items()}, np.array([sig])
            )[0]
            xy = np.array([background.x[anchor], background.y[anchor]]) + rng.normal(0, sd, 2)
            for k in ("entry", "target", "tool", "premises", "band"):
                rows[k].append(ev[k])
            rows["t"].append(t)
            rows["x"].append(float(xy[0]))
            rows["y"].append(float(xy[1]))
            rows["cat"].append(cat)
            rows["series"].append(s)
            rows["text"].append(text)
    m = len(rows["t"])
    cases = CaseSet.build(
        ids=[f"bg{i}" for i in range(n)] + [f"s{rows['series'][j]}-{j}" for j in range(m)],
        category=np.concatenate([background.category, np.array(rows["cat"], dtype=str)]),
        t=np.concatenate([background.t, np.array(rows["t"], dtype=np.int64)]),
        x=np.concatenate([background.x, np.array(rows["x"])]),
        y=np.concatenate([background.y, np.array(rows["y"])]),
        mo={
            k: np.concatenate([bg[k], np.array(rows[k], dtype=str)])
            for k in ("entry", "target", "tool", "premises", "band")
        },
        text=np.concatenate([bg_text, np.array(rows["text"], dtype=str)]),
    )
    series = np.concatenate([np.full(n, -1), np.array(rows["series"], dtype=np.int64)])
    return SeriesData(cases=cases, series=series)


@dataclass(frozen=True)
class LinkageEvaluation:
    precision_at_5: float
    recall_at_10: float
    queries_p5: int
    queries_r10: int
    records: int
    series: int
    weights: LinkageWeights

    def describe(self) -> str:
        return (
            f"linkage: {self.records:,} records ({self.series} planted series); "
            f"precision@5 {self.precision_at_5:.3f} over {self.queries_p5} queries with >= 5 "
            f"earlier members; recall@10 {self.recall_at_10:.3f} over {self.queries_r10} queries"
        )


def load_background(
    path: Path | None = None, start: str = "2019-01-01", end: str = "2020-01-01"
) -> EventSet:
    """The real background: Toronto MCI offences in [start, end)."""
    ev = load_events(path or toronto_mci_path())
    return ev.between(to_instant(start, ev.timezone), to_instant(end, ev.timezone))


def evaluate_linkage(
    data: SeriesData | None = None,
    weights: LinkageWeights | None = None,
    *,
    seed: int = 2,
    background: EventSet | None = None,
) -> LinkageEvaluation:
    """Precision@5 and recall@10 of ``CaseLinker`` on planted series (module docstring).

    Without ``data``, series are generated with ``seed`` into ``background`` (default:
    Toronto 2019).
    """
    if data is None:
        bg = background if background is not None else load_background()
        data = synthetic_series(bg, np.random.default_rng(seed))
    w = weights or LinkageWeights()
    linker = CaseLinker(data.cases, w, fuzzy_fields=FUZZY_FIELDS)
    p5: list[float] = []
    r10: list[float] = []
    cases = data.cases
    for q in np.flatnonzero(data.series >= 0).tolist():
        s = data.series[q]
        window = (cases.t < cases.t[q]) & (cases.t >= cases.t[q] - w.max_days * 86_400)
        earlier = int(np.sum(window & (data.series == s)))
        if earlier == 0:
            continue
        idx, _, _ = linker.rank(cases, q, k=10)
        hit = data.series[idx] == s
        r10.append(float(hit.sum()) / earlier)
        if earlier >= 5:
            p5.append(float(hit[:5].sum()) / 5.0)
    return LinkageEvaluation(
        precision_at_5=float(np.mean(p5)) if p5 else 0.0,
        recall_at_10=float(np.mean(r10)) if r10 else 0.0,
        queries_p5=len(p5),
        queries_r10=len(r10),
        records=len(cases),
        series=int(data.series.max()) + 1,
        weights=w,
    )


def ablation(data: SeriesData) -> dict[str, LinkageEvaluation]:
    """The evaluation with each similarity alone and with all (for docs/linkage.md)."""
    base = LinkageWeights()
    zero = {c: 0.0 for c in ("category", "modus_operandi", "narrative", "space", "time")}
    out = {"all": evaluate_linkage(data, base)}
    for c in zero:
        out[f"{c} only"] = evaluate_linkage(data, replace(base, **{**zero, c: 1.0}))
    return out
