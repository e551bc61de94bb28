"""Station ranking (张榜) on a weighted score the bureau configures.

For each weighted indicator every station gets a *measure*:

* a count: its change on the same period last year in percent (lower is better for an
  indicator that should fall, higher for one that should rise); a zero base gives no
  measure ("—"), and a base under ``ZHIAN_METRICS_SMALL_COUNT`` is flagged;
* a rate: the conservative end of its Wilson 95 % interval — the lower bound for a rate
  that should rise, the upper bound for one that should fall — so a station with 3 of 3
  does not top the table on luck; fewer than ``ZHIAN_METRICS_SMALL_N`` trials is flagged.

Measures become *component scores* from 0 (worst station) to 100 (best), linearly; when
every station has the same measure each gets 100. The *score* is the weighted mean of the
components a station has, ``Σ wᵢ·sᵢ / Σ wᵢ`` (rounded to 0.01; a station with no component
has no score and comes last). Equal scores are ordered by more components with data first,
then by station code; stations with the same score and the same number of components share
a rank (1, 1, 3).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from zhian.core.models import Jurisdiction
from zhian.metrics.choices import Direction
from zhian.metrics.counting import Counter, months_of
from zhian.metrics.engine import Figure, compute
from zhian.metrics.models import IndicatorDefinition, RankingWeight
from zhian.metrics.periods import Period


@dataclass
class Component:
    indicator: IndicatorDefinition
    weight: Decimal
    current: Figure
    last_year: Figure | None
    measure: float | None
    score: float | None = None
    small: bool = False


@dataclass
class StationScore:
    station: Jurisdiction
    components: list[Component] = field(default_factory=list)
    score: float | None = None
    rank: int = 0

    @property
    def with_data(self) -> int:
        return sum(1 for c in self.components if c.score is not None)

    @property
    def flagged(self) -> bool:
        return any(c.small for c in self.components)


def measure(
    indicator: IndicatorDefinition, current: Figure, last_year: Figure | None
) -> float | None:
    """Higher is always better (the sign is turned for indicators that should fall)."""
    sign = 1.0 if indicator.direction == Direction.RISE else -1.0
    if indicator.is_rate:
        if current.interval is None:
            return None
        lo, hi = current.interval
        return lo if sign > 0 else -hi
    if current.value is None or last_year is None or not last_year.value:
        return None
    return sign * (current.value - last_year.value) / last_year.value


def scale(values: list[float | None]) -> list[float | None]:
    """Min–max to 0–100 (best 100); all equal: 100 each; None stays None."""
    present = [v for v in values if v is not None]
    if not present:
        return [None] * len(values)
    low, high = min(present), max(present)
    if high == low:
        return [None if v is None else 100.0 for v in values]
    return [None if v is None else 100.0 * (v - low) / (high - low) for v in values]


def rank_stations(
    stations: list[Jurisdiction], period: Period
) -> tuple[list[StationScore], list[RankingWeight]]:
    from zhian.metrics.engine import small_count

    weights = list(RankingWeight.objects.filter(indicator__active=True).select_related("indicator"))
    base_period = period.last_year()
    table = [StationScore(s) for s in stations]
    hint = months_of([period, base_period])
    counters = {s.pk: Counter(s, hint) for s in stations}
    for w in weights:
        ind = w.indicator
        for row in table:
            counter = counters[row.station.pk]
            current = compute(ind, row.station, period, counter)
            last = compute(ind, row.station, base_period, counter) if base_period else None
            small = (
                current.small
                if ind.is_rate
                else bool(
                    last is not None and last.value is not None and last.value < small_count()
                )
            )
            row.components.append(
                Component(ind, w.weight, current, last, measure(ind, current, last), small=small)
            )
    for i in range(len(weights)):
        scores = scale([row.components[i].measure for row in table])
        for row, s in zip(table, scores, strict=True):
            row.components[i].score = s
    for row in table:
        used = [(float(c.weight), c.score) for c in row.components if c.score is not None]
        total = sum(w for w, _s in used)
        row.score = round(sum(w * s for w, s in used) / total, 2) if total else None
    table.sort(
        key=lambda r: (-(r.score if r.score is not None else -1.0), -r.with_data, r.station.code)
    )
    previous_key: tuple[float | None, int] | None = None
    for position, row in enumerate(table, start=1):
        key = (row.score, row.with_data)
        row.rank = table[position - 2].rank if key == previous_key else position
        previous_key = key
    return table, weights
