"""The public patrol report (巡防公开报告): per finished week, how much planned patrol time
each area received next to its share of the week's incidents, and what the dose cap held
back. For the public, so it says only what a bureau can publish without weakening a
patrol: whole weeks, published ``ZHIAN_PATROL_REPORT_DELAY_DAYS`` after they end, totals
per area. No cell, route, unit, time of day or person appears in it.

The report has a section per jurisdiction that made plans in the week (usually each
station). Its planned time is the 布防 as planned (the plans in force,
:func:`plans_in_force`); its incidents are the 警情发案图's counts (``IncidentCellDay``) in
the jurisdiction, by the area where they happened, so each area's share of the patrol
time stands next to its share of the incidents.

The dose cap is checked as it was applied: each plan limits every area's planned time in
the week (its own and the week's earlier plans', including enclosing and inner
jurisdictions') to ``area_limit_s``, a share of the week's patrol time as it stood. Every
area's hours are therefore at most the largest limit among the section's plans, which
the report shows in hours next to the busiest area's hours. Unit counts are not shown:
hours on duty per shift would tell how many cars a station fields.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

import numpy as np
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.analytics.fairness import compare_shares
from zhian.analytics.patrol import SKIP_DOSE_CAP
from zhian.core.errors import NotFound
from zhian.core.exports import Sheet
from zhian.core.models import Jurisdiction
from zhian.insights.models import IncidentCellDay, PatrolPlan
from zhian.insights.services.common import local_midnight
from zhian.insights.services.plans import planned_seconds_by_area, plans_in_force

#: Weeks listed on the report's page, newest first.
WEEKS_LISTED = 12


@dataclass(frozen=True)
class AreaPatrol:
    """One area's week: planned patrol hours and their share of the section's, and
    incidents and their share."""

    name: str
    planned_hours: float
    patrol_share: float
    incidents: int
    incident_share: float


@dataclass(frozen=True)
class SectionReport:
    """One planning jurisdiction's week (see the module docstring). ``cap_hours`` is None
    for plans that did not store their limit."""

    jurisdiction: str
    planned_hours: float
    incidents: int
    cap_share: float
    cap_hours: float | None
    largest_area_hours: float
    capped_cell_shifts: int
    dissimilarity: float | None
    areas: list[AreaPatrol]


@dataclass(frozen=True)
class PatrolReport:
    """One published week of the report."""

    week_start: dt.date
    sections: list[SectionReport]

    @property
    def week_end(self) -> dt.date:
        return self.week_start + dt.timedelta(days=6)


def monday_of(day: dt.date) -> dt.date:
    return day - dt.timedelta(days=day.weekday())


def latest_published_week(now: dt.datetime | None = None) -> dt.date:
    """Monday of the newest week whose report is public: it ended at least
    ``ZHIAN_PATROL_REPORT_DELAY_DAYS`` full days before ``now``'s local date."""
    today = timezone.localdate(now or timezone.now())
    last_day = today - dt.timedelta(days=settings.ZHIAN_PATROL_REPORT_DELAY_DAYS + 1)
    return monday_of(last_day - dt.timedelta(days=6))


def published_weeks(now: dt.datetime | None = None) -> list[dt.date]:
    """Mondays of the weeks listed on the page, newest first."""
    newest = latest_published_week(now)
    return [newest - dt.timedelta(weeks=k) for k in range(WEEKS_LISTED)]


def patrol_report(week: dt.date, *, now: dt.datetime | None = None) -> PatrolReport:
    """The report for the week holding ``week`` (any day of it); ``NotFound`` for a week
    not yet published."""
    monday = monday_of(week)
    if monday > latest_published_week(now):
        opens = monday + dt.timedelta(days=7 + settings.ZHIAN_PATROL_REPORT_DELAY_DAYS)
        raise NotFound(
            _("该周的巡防报告将于 %(day)s 公开") % {"day": opens.isoformat()},
            code="week_not_published",
        )
    start = local_midnight(monday)
    plans = plans_in_force(
        PatrolPlan.objects.filter(
            shift_start__gte=start, shift_start__lt=start + dt.timedelta(days=7)
        )
        .select_related("jurisdiction")
        .defer("skipped")  # the summary holds the counts the report needs
    )
    incidents = {
        row["jurisdiction_id"]: int(row["n"])
        for row in IncidentCellDay.objects.filter(
            day__gte=monday, day__lt=monday + dt.timedelta(days=7)
        )
        .values("jurisdiction_id")
        .annotate(n=Sum("n"))
        if row["n"]
    }
    by_planner: dict[int, list[PatrolPlan]] = {}
    for plan in plans:
        by_planner.setdefault(plan.jurisdiction_id, []).append(plan)
    planned = {pk: planned_seconds_by_area(group) for pk, group in by_planner.items()}
    ids = set(incidents) | {int(a) for c in planned.values() for a in c if a.isdigit()}
    places = {
        pk: (path, name)
        for pk, path, name in Jurisdiction.objects.filter(pk__in=ids).values_list(
            "pk", "path", "name"
        )
    }
    names = {str(j): name for j, (_path, name) in places.items()}
    sections = []
    for pk, group in by_planner.items():
        path = group[0].jurisdiction.path
        inside = Counter(
            {str(j): n for j, n in incidents.items() if places.get(j, ("", ""))[0].startswith(path)}
        )
        sections.append(_section(group, planned[pk], inside, names))
    sections.sort(key=lambda s: s.jurisdiction)
    return PatrolReport(week_start=monday, sections=sections)


def _section(
    plans: list[PatrolPlan],
    planned: Counter[str],
    incidents: Counter[str],
    names: dict[str, str],
) -> SectionReport:
    areas = sorted(set(planned) | set(incidents))
    shares = compare_shares(
        np.array(areas, dtype=str),
        np.array([float(planned[a]) for a in areas]),
        np.repeat(np.array(areas, dtype=str), [incidents[a] for a in areas]),
    )
    index = {r: k for k, r in enumerate(shares.regions)}
    rows = [
        AreaPatrol(
            name=names.get(a, ""),
            planned_hours=round(planned[a] / 3600, 1),
            patrol_share=float(shares.flagged_share[index[a]]) if a in index else 0.0,
            incidents=incidents[a],
            incident_share=float(shares.event_share[index[a]]) if a in index else 0.0,
        )
        for a in areas
    ]
    rows.sort(key=lambda r: (-r.planned_hours, -r.incidents, r.name))
    total_s = sum(planned.values())
    limits = [float(p.summary["area_limit_s"]) for p in plans if p.summary.get("area_limit_s")]
    return SectionReport(
        jurisdiction=plans[0].jurisdiction.name,
        planned_hours=round(total_s / 3600, 1),
        incidents=sum(incidents.values()),
        cap_share=max(p.cap_share for p in plans),
        cap_hours=round(max(limits) / 3600, 1) if limits else None,
        largest_area_hours=round(max(planned.values(), default=0) / 3600, 1),
        capped_cell_shifts=sum(
            int(p.summary.get("skipped", {}).get(SKIP_DOSE_CAP, 0)) for p in plans
        ),
        dissimilarity=shares.dissimilarity if total_s and incidents else None,
        areas=rows,
    )


def patrol_report_sheet(report: PatrolReport) -> Sheet:
    """The week's report as one worksheet, a row per jurisdiction and area (the page's
    tables, for anyone who wants the figures; shares as fractions)."""
    headers = [
        _("周一"),
        _("周日"),
        _("计划辖区"),
        _("片区"),
        _("热点巡防（小时）"),
        _("占热点巡防"),
        _("警情"),
        _("占警情"),
        _("每片区上限"),
        _("每片区上限（小时）"),
    ]
    rows = [
        [
            report.week_start,
            report.week_end,
            s.jurisdiction,
            a.name or _("未划定片区"),
            a.planned_hours,
            round(a.patrol_share, 4),
            a.incidents,
            round(a.incident_share, 4),
            s.cap_share,
            s.cap_hours,
        ]
        for s in report.sections
        for a in s.areas
    ]
    return Sheet(title=_("巡防公开报告"), headers=headers, rows=rows)
