"""The public patrol report (巡防公开报告): per finished week, how much planned patrol time
each area received next to its share of the week's incidents, and what the dose cap held
back. For the public, so it says only what a bureau can publish without weakening a
patrol: whole weeks, published ``ZHIAN_PATROL_REPORT_DELAY_DAYS`` after they end, totals
per area. No cell, route, unit, time of day or person appears in it.

The report has a section per jurisdiction that made plans in the week (usually each
station). Its planned time is the 布防 as planned (the plans in force,
:func:`plans_in_force`), the figure the dose cap limits; its incidents are the 警情发案图's
counts (``IncidentCellDay``) in the jurisdiction, by the area where they happened, so
each area's share of the patrol time stands next to its share of the incidents. The cap
limits an area's planned time to a share of the week's unit time (车组在岗时长: each
plan's units times its shift), so that share is shown against the cap.
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
    """One area's week: planned patrol hours, as a share of the section's unit time (what
    the cap limits) and of its planned patrol time, and incidents with their share."""

    name: str
    planned_hours: float
    unit_time_share: float
    patrol_share: float
    incidents: int
    incident_share: float


@dataclass(frozen=True)
class SectionReport:
    """One planning jurisdiction's week (see the module docstring)."""

    jurisdiction: str
    plans: int
    unit_hours: float
    planned_hours: float
    incidents: int
    cap_share: float
    capped_cells: int
    largest_unit_time_share: float
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
        ).select_related("jurisdiction")
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
    places = dict(Jurisdiction.objects.filter(pk__in=list(incidents)).values_list("pk", "path"))
    by_planner: dict[int, list[PatrolPlan]] = {}
    for plan in plans:
        by_planner.setdefault(plan.jurisdiction_id, []).append(plan)
    sections = []
    for group in by_planner.values():
        path = group[0].jurisdiction.path
        inside = Counter(
            {str(pk): n for pk, n in incidents.items() if places.get(pk, "").startswith(path)}
        )
        sections.append(_section(group, planned_seconds_by_area(group), inside))
    sections.sort(key=lambda s: s.jurisdiction)
    return PatrolReport(week_start=monday, sections=sections)


def _section(
    plans: list[PatrolPlan], planned: Counter[str], incidents: Counter[str]
) -> SectionReport:
    areas = sorted(set(planned) | set(incidents))
    names = dict(
        Jurisdiction.objects.filter(pk__in=[int(a) for a in areas if a.isdigit()]).values_list(
            "pk", "name"
        )
    )
    shares = compare_shares(
        np.array(areas, dtype=str),
        np.array([float(planned[a]) for a in areas]),
        np.repeat(np.array(areas, dtype=str), [incidents[a] for a in areas]),
    )
    index = {r: k for k, r in enumerate(shares.regions)}
    unit_s = sum(
        (p.shift_end - p.shift_start).total_seconds()
        * (len(p.routes) + len(p.summary.get("unavailable_units", [])))
        for p in plans
    )
    rows = [
        AreaPatrol(
            name=names.get(int(a), "") if a.isdigit() else "",
            planned_hours=round(planned[a] / 3600, 1),
            unit_time_share=planned[a] / unit_s if unit_s else 0.0,
            patrol_share=float(shares.flagged_share[index[a]]) if a in index else 0.0,
            incidents=incidents[a],
            incident_share=float(shares.event_share[index[a]]) if a in index else 0.0,
        )
        for a in areas
    ]
    rows.sort(key=lambda r: (-r.planned_hours, -r.incidents, r.name))
    total_s = sum(planned.values())
    return SectionReport(
        jurisdiction=plans[0].jurisdiction.name,
        plans=len(plans),
        unit_hours=round(unit_s / 3600, 1),
        planned_hours=round(total_s / 3600, 1),
        incidents=sum(incidents.values()),
        cap_share=max(p.cap_share for p in plans),
        capped_cells=sum(int(p.summary.get("skipped", {}).get(SKIP_DOSE_CAP, 0)) for p in plans),
        largest_unit_time_share=max((r.unit_time_share for r in rows), default=0.0),
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
        _("占在岗时长"),
        _("占热点巡防"),
        _("警情"),
        _("占警情"),
        _("辖区车组在岗（小时）"),
        _("每片区上限"),
        _("因上限未安排的网格"),
    ]
    rows = [
        [
            report.week_start,
            report.week_end,
            s.jurisdiction,
            a.name or _("未划定片区"),
            a.planned_hours,
            round(a.unit_time_share, 4),
            round(a.patrol_share, 4),
            a.incidents,
            round(a.incident_share, 4),
            s.unit_hours,
            s.cap_share,
            s.capped_cells,
        ]
        for s in report.sections
        for a in s.areas
    ]
    return Sheet(title=_("巡防公开报告"), headers=headers, rows=rows)
