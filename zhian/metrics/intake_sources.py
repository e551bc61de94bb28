"""Sources wired to the intake apps (records 案件, grid 网格, services 便民服务).

One counting function per source, reading through the owning app's selectors (the intake
apps never import metrics), and one ``register_source`` line each. Imported at the end of
:mod:`zhian.metrics.sources`, so every source is registered wherever the registry is read.

Counts are taken as of the moment they are read (the report's cut-off): a case accepted in
March and annulled in May leaves March's count in May, as the written definitions say.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction
from zhian.grid import selectors as grid_selectors
from zhian.grid.choices import DisputeStatus
from zhian.metrics import summary
from zhian.metrics.periods import bureau_zone, local_midnight
from zhian.metrics.sources import Source, register_source
from zhian.records import selectors as records_selectors
from zhian.records.choices import CaseType
from zhian.services import selectors as services_selectors
from zhian.services.choices import Finding, Rating


def _month_bounds(start: datetime, end: datetime) -> list[tuple[date, datetime, datetime]]:
    """The local months in ``[start, end)`` (local month boundaries) with their bounds."""
    out = []
    first = timezone.localtime(start, bureau_zone()).date().replace(day=1)
    while local_midnight(first) < end:
        after = (first + timedelta(days=32)).replace(day=1)
        out.append((first, local_midnight(first), local_midnight(after)))
        first = after
    return out


def by_local_month(
    qs: QuerySet[Any],
    field: str,
    start: datetime,
    end: datetime,
    also: Callable[[datetime], Q] | None = None,
) -> dict[date, int]:
    """Rows of ``qs`` per local month of ``field`` in ``[start, end)``, in one scan: one
    filtered count per month (comparisons on the indexed column, no time-zone arithmetic
    per row). ``also(month_end)`` adds a per-month condition (e.g. decided before it)."""
    aggregates = {}
    for i, (_first, lo, hi) in enumerate(_month_bounds(start, end)):
        condition = Q(**{f"{field}__gte": lo, f"{field}__lt": hi})
        if also is not None:
            condition &= also(hi)
        aggregates[f"m{i}"] = Count("pk", filter=condition, distinct=also is not None)
    if not aggregates:
        return {}
    counts = qs.aggregate(**aggregates)
    return {first: counts[f"m{i}"] for i, (first, _lo, _hi) in enumerate(_month_bounds(start, end))}


class Params:
    """Validates a source's JSON filter: lists of allowed codes and true/false flags."""

    def __init__(
        self,
        label: str | Promise,
        lists: dict[str, list[str]] | None = None,
        flags: tuple[str, ...] = (),
        clocks: tuple[str, ...] = (),
    ) -> None:
        self.label = label
        self.lists = lists or {}
        self.flags = flags
        self.clocks = clocks

    def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        if not isinstance(params, dict):
            raise ValidationFailed(_("筛选条件须为 JSON 对象"), code="invalid_params")
        known = set(self.lists) | set(self.flags) | set(self.clocks)
        unknown = sorted(set(params) - known)
        if unknown:
            raise ValidationFailed(
                _("%(source)s不支持筛选条件：%(keys)s")
                % {"source": self.label, "keys": "、".join(unknown)},
                code="invalid_params",
            )
        clean: dict[str, Any] = {}
        for key, allowed in self.lists.items():
            values = params.get(key, [])
            if not isinstance(values, list) or not all(isinstance(v, str) for v in values):
                raise ValidationFailed(
                    _("%(key)s 须为编码列表") % {"key": key}, code="invalid_params"
                )
            bad = [v for v in values if v not in allowed]
            if bad:
                raise ValidationFailed(
                    _("%(key)s 只能取：%(allowed)s（不认识 %(bad)s）")
                    % {"key": key, "allowed": "、".join(allowed), "bad": "、".join(bad)},
                    code="invalid_params",
                )
            if values:
                clean[key] = sorted(set(values))
        for key in self.flags:
            if params.get(key) not in (None, True, False):
                raise ValidationFailed(
                    _("%(key)s 须为 true 或 false") % {"key": key}, code="invalid_params"
                )
            if params.get(key):
                clean[key] = True
        for key in self.clocks:
            value = params.get(key)
            if value not in (None, "", *grid_selectors.CLOCKS):
                raise ValidationFailed(
                    _("%(key)s 须为 sign（签收）或 resolve（办结）") % {"key": key},
                    code="invalid_params",
                )
            if value:
                clean[key] = value
        return clean


# --- records (案件) ---------------------------------------------------------------------

_CASE_TYPES = {"case_types": list(CaseType.values)}


def _cases(
    within: Jurisdiction, start: datetime, end: datetime, params: dict[str, Any], user: Any = None
) -> QuerySet[Any]:
    return records_selectors.counted_cases(
        within, start, end, case_types=params.get("case_types", ()), user=user
    )


def _filings(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    params: dict[str, Any],
    solved: bool = False,
) -> QuerySet[Any]:
    return records_selectors.counted_filings(
        within, start, end, case_types=params.get("case_types", ()), solved_within=solved
    )


def _filed(
    within: Jurisdiction,
    start: datetime,
    end: datetime,
    params: dict[str, Any],
    user: Any = None,
    *,
    solved: bool = False,
) -> QuerySet[Any]:
    return records_selectors.counted_filed_cases(
        within, start, end, case_types=params.get("case_types", ()), solved_within=solved, user=user
    )


def _case_rows(qs: QuerySet[Any], order: str) -> QuerySet[Any]:
    return (
        qs.select_related("category", "jurisdiction")
        .defer(*records_selectors.HEAVY_JURISDICTION)
        .order_by(order, "pk")
    )


register_source(
    Source(
        "records.cases",
        gettext_lazy("案件（受案，不含不予立案、撤销）"),
        ("accepted_at",),
        validate=Params(gettext_lazy("案件来源"), _CASE_TYPES),
        count=lambda w, s, e, p: _cases(w, s, e, p).count(),
        count_by_month=lambda w, s, e, p: summary.case_counts_by_month(
            w,
            s,
            e,
            p.get("case_types", ()),
            "accepted",
            live=lambda s2, e2: by_local_month(_cases(w, s2, e2, p), "accepted_at", s2, e2),
        ),
        rows=lambda u, w, s, e, p: _case_rows(_cases(w, s, e, p, u), "accepted_at"),
        row_template="metrics/_rows_cases.html",
    )
)

register_source(
    Source(
        "records.filed_cases",
        gettext_lazy("立案的现行案件（按立案时间，不含撤销）"),
        ("filed_at",),
        validate=Params(gettext_lazy("立案来源"), _CASE_TYPES),
        count=lambda w, s, e, p: _filings(w, s, e, p).count(),
        count_by_month=lambda w, s, e, p: summary.case_counts_by_month(
            w,
            s,
            e,
            p.get("case_types", ()),
            "filed",
            live=lambda s2, e2: by_local_month(_filings(w, s2, e2, p), "at", s2, e2),
        ),
        rows=lambda u, w, s, e, p: _case_rows(_filed(w, s, e, p, u), "accepted_at"),
        row_template="metrics/_rows_cases.html",
    )
)


# Filed in the period and solved (处理决定) before its end. "Before the period's end"
# depends on the period, so the count does not add up by month (a case filed in January
# and solved in March is solved for the quarter, not for January): per-month counts serve
# one-month periods, the engine counts longer ones with one query each.
register_source(
    Source(
        "records.solved_cases",
        gettext_lazy("期内立案且期内破案（作出处理决定）的案件"),
        ("filed_at",),
        validate=Params(gettext_lazy("破案来源"), _CASE_TYPES),
        count=lambda w, s, e, p: _filings(w, s, e, p, solved=True).count(),
        # per month: solved in the local month it was filed (a one-month period's count)
        count_by_month=lambda w, s, e, p: summary.case_counts_by_month(
            w,
            s,
            e,
            p.get("case_types", ()),
            "solved_in_month",
            live=lambda s2, e2: by_local_month(
                records_selectors.with_decision(_filings(w, s2, e2, p)),
                "at",
                s2,
                e2,
                also=records_selectors.decided_before,
            ),
        ),
        additive=False,
        rows=lambda u, w, s, e, p: _case_rows(_filed(w, s, e, p, u, solved=True), "accepted_at"),
        row_template="metrics/_rows_cases.html",
    )
)


# --- grid (网格：吹哨报到、矛盾纠纷) ---------------------------------------------------------


def _referrals(
    w: Jurisdiction, s: datetime, e: datetime, p: dict[str, Any], user: Any = None
) -> QuerySet[Any]:
    return grid_selectors.counted_referrals(
        w, s, e, met=p.get("met", ""), decided=p.get("decided", ""), user=user
    )


register_source(
    Source(
        "grid.referrals",
        gettext_lazy("吹哨报到（报到单，按派单时间）"),
        ("created_at",),
        validate=Params(gettext_lazy("报到单来源"), clocks=("met", "decided")),
        count=lambda w, s, e, p: _referrals(w, s, e, p).count(),
        count_by_month=lambda w, s, e, p: by_local_month(
            _referrals(w, s, e, p), "created_at", s, e
        ),
        rows=lambda u, w, s, e, p: (
            _referrals(w, s, e, p, u)
            .select_related("report", "department", "jurisdiction")
            .defer("jurisdiction__boundary")
            .order_by("created_at", "pk")
        ),
        row_template="metrics/_rows_referrals.html",
    )
)


def _disputes(
    w: Jurisdiction, s: datetime, e: datetime, p: dict[str, Any], user: Any = None
) -> QuerySet[Any]:
    return grid_selectors.counted_disputes(w, s, e, statuses=p.get("statuses", ()), user=user)


register_source(
    Source(
        "grid.disputes",
        gettext_lazy("矛盾纠纷（按登记时间）"),
        ("created_at",),
        validate=Params(gettext_lazy("纠纷来源"), {"statuses": list(DisputeStatus.values)}),
        count=lambda w, s, e, p: _disputes(w, s, e, p).count(),
        count_by_month=lambda w, s, e, p: by_local_month(_disputes(w, s, e, p), "created_at", s, e),
        rows=lambda u, w, s, e, p: (
            _disputes(w, s, e, p, u)
            .select_related("jurisdiction")
            .defer("jurisdiction__boundary", "summary")
            .order_by("created_at", "pk")
        ),
        row_template="metrics/_rows_disputes.html",
    )
)


# --- services (便民服务：警务投诉、回访满意度) ---------------------------------------------------


def _complaints(
    w: Jurisdiction, s: datetime, e: datetime, p: dict[str, Any], user: Any = None
) -> QuerySet[Any]:
    return services_selectors.counted_complaints(w, s, e, findings=p.get("findings", ()), user=user)


register_source(
    Source(
        "services.complaints",
        gettext_lazy("警务投诉（按作出结论时间、被投诉单位）"),
        ("concluded_at",),
        validate=Params(gettext_lazy("投诉来源"), {"findings": list(Finding.values)}),
        count=lambda w, s, e, p: _complaints(w, s, e, p).count(),
        count_by_month=lambda w, s, e, p: by_local_month(
            _complaints(w, s, e, p), "concluded_at", s, e
        ),
        rows=lambda u, w, s, e, p: _complaints(w, s, e, p, u).order_by("concluded_at", "pk"),
        row_template="metrics/_rows_complaints.html",
    )
)


def _answers(
    w: Jurisdiction, s: datetime, e: datetime, p: dict[str, Any], user: Any = None
) -> QuerySet[Any]:
    return services_selectors.counted_survey_responses(
        w, s, e, ratings=p.get("ratings", ()), user=user
    )


register_source(
    Source(
        "services.surveys",
        gettext_lazy("回访答复（按答复时间、所评派出所）"),
        ("answered_at",),
        validate=Params(gettext_lazy("回访来源"), {"ratings": list(Rating.values)}),
        count=lambda w, s, e, p: _answers(w, s, e, p).count(),
        count_by_month=lambda w, s, e, p: by_local_month(_answers(w, s, e, p), "answered_at", s, e),
        rows=lambda u, w, s, e, p: (
            _answers(w, s, e, p, u)
            .select_related("station")
            .defer("station__boundary")
            .order_by("answered_at", "pk")
        ),
        row_template="metrics/_rows_surveys.html",
    )
)
