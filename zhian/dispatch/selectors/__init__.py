"""Read queries for dispatch, scoped to the acting user."""

# ruff: noqa: E402  (the re-export of selectors.analysis at the end follows the definitions it uses)
from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.core import selectors as core_selectors
from zhian.core.errors import NotFound
from zhian.core.extensions import incident_actions
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.parties import mask_name, mask_phone
from zhian.core.scoping import can, scope_q, scoped
from zhian.core.worker import worker_status
from zhian.dispatch.choices import ACTIVE_INCIDENT, NEXT_STEPS, IncidentStatus, UnitStatus
from zhian.dispatch.models import (
    Assignment,
    BoardChange,
    Call,
    Incident,
    IncidentCategory,
    TimelineEvent,
    Unit,
)
from zhian.dispatch.services.changes import current_seq
from zhian.dispatch.services.clocks import response_clock
from zhian.dispatch.services.incidents import find_probable_duplicates, location_history
from zhian.dispatch.services.plans import checklist
from zhian.dispatch.services.routing import coverage_for, recommend_for_incident


def incidents_for(
    user: Any, *, status: str | None = None, active: bool | None = None
) -> QuerySet[Incident]:
    qs = scoped(Incident.objects.all(), user, "incident.view")
    if status:
        qs = qs.filter(status=status)
    if active is True:
        qs = qs.filter(status__in=ACTIVE_INCIDENT)
    # The jurisdiction's name and code, not its boundary (GeoJSON, kilobytes a row).
    return qs.select_related("category", "jurisdiction").defer("jurisdiction__boundary")


def access_incident(user: Any, incident_id: int) -> Incident:
    incident = incidents_for(user).filter(pk=incident_id).first()
    if incident is None:
        raise NotFound(_("未找到该警情"))
    return incident


def units_for(user: Any, *, status: str | None = None) -> QuerySet[Unit]:
    qs = scoped(Unit.objects.all(), user, "unit.view", field="station")
    if status:
        qs = qs.filter(status=status)
    return qs.select_related("station").defer("station__boundary")


def access_unit(user: Any, unit_id: int) -> Unit:
    unit = units_for(user).filter(pk=unit_id).first()
    if unit is None:
        raise NotFound(_("未找到该警力"))
    return unit


def access_assignment(user: Any, assignment_id: int) -> Assignment:
    """An assignment is visible to whoever sees its unit (the crew acknowledging a task in
    a neighbouring station) or its incident (the dispatcher); services check the action."""
    visible = scope_q(user, "unit.view", "unit__station") | scope_q(
        user, "incident.view", "incident__jurisdiction"
    )
    assignment = (
        Assignment.objects.filter(visible)
        .select_related("incident__jurisdiction", "unit__station")
        .filter(pk=assignment_id)
        .first()
    )
    if assignment is None:
        raise NotFound(_("未找到该任务"))
    return assignment


BOARD_FIRST_LOAD = 100  # incidents on the board's first load; "more" adds this many
BOARD_MAX = 1000


def board_for(user: Any, *, limit: int = BOARD_FIRST_LOAD) -> dict[str, Any]:
    """The live board: open incidents by priority then age (the first ``limit``, and
    whether there are more), units by status."""
    limit = max(1, min(limit, BOARD_MAX))
    incidents = list(
        incidents_for(user, active=True)
        .prefetch_related("assignments__unit")
        .order_by("priority", "received_at")[: limit + 1]
    )
    units = list(units_for(user).order_by("status", "call_sign")[:500])
    return {"incidents": incidents[:limit], "more": len(incidents) > limit, "units": units}


def board_token(user: Any = None) -> str:
    """The number of the last committed board change (one primary-key read, whatever the
    user's scope: which changes concern the user is asked only when it moved)."""
    return str(current_seq()[0])


def _since(token: str | None) -> int | None:
    try:
        value = int(token or "")
    except ValueError:
        return None
    return value if value >= 0 else None


def changed_since(user: Any, token: str | None) -> tuple[str, set[int], set[int]] | None:
    """The current change number and the incidents and units in ``user``'s scope changed
    after ``token``; ``None`` when the token is unusable (missing, from another database,
    or older than the change log keeps) and the client must reload in full."""
    since = _since(token)
    seq, pruned = current_seq()
    if since is None or since > seq or since < pruned:
        return None
    if since == seq:
        return str(seq), set(), set()
    changed = (
        BoardChange.objects.filter(seq__gt=since, seq__lte=seq)
        .filter(
            Q(kind=BoardChange.Kind.INCIDENT) & scope_q(user, "incident.view")
            | Q(kind=BoardChange.Kind.UNIT) & scope_q(user, "unit.view")
        )
        .values_list("kind", "object_id")
        .distinct()
    )
    incident_ids = {pk for kind, pk in changed if kind == BoardChange.Kind.INCIDENT}
    unit_ids = {pk for kind, pk in changed if kind == BoardChange.Kind.UNIT}
    return str(seq), incident_ids, unit_ids


def board_changes(user: Any, token: str | None) -> dict[str, Any] | None:
    """What changed on ``user``'s board since ``token`` (see :func:`changed_since`): the
    new ``token``, the changed ``rows`` still open in scope, ``gone_incidents`` (closed,
    merged or gone), ``units`` changed in scope, and their map entries (``map_delta``).
    Empty lists mean nothing in the user's scope changed."""
    found = changed_since(user, token)
    if found is None:
        return None
    seq, incident_ids, unit_ids = found
    incidents = (
        list(
            incidents_for(user, active=True)
            .filter(pk__in=incident_ids)
            .prefetch_related("assignments__unit")
        )
        if incident_ids
        else []
    )
    units = list(units_for(user).filter(pk__in=unit_ids)) if unit_ids else []
    now = timezone.now()
    gone = sorted(incident_ids - {i.pk for i in incidents})
    return {
        "token": seq,
        "rows": [_board_row(inc, now) for inc in incidents],
        "gone_incidents": gone,
        "units": units,
        "map_delta": {
            "incidents": [_map_incident(i) for i in incidents],
            "units": [_map_unit(u) for u in units],
            "gone_incidents": gone,
        },
    }


def timeline_since(
    user: Any, incident_id: int, *, after: int, count: int
) -> tuple[list[TimelineEvent], bool]:
    """The incident's timeline entries a page holding ``count`` entries up to id ``after``
    has not shown, and whether they are the whole timeline (when the page missed an
    earlier one, committed after a later one, it gets all of them again)."""
    incident = access_incident(user, incident_id)
    events = incident.timeline.select_related("unit", "actor")
    new = list(events.filter(pk__gt=after))
    if count + len(new) < incident.timeline.count():
        return list(events), True
    return new, False


def units_changed(user: Any, token: str | None, ids: list[int]) -> tuple[str, list[Unit]] | None:
    """The units among ``ids`` (a page of the unit list) changed since ``token``, with
    their current task; ``None`` when the page must reload."""
    found = changed_since(user, token)
    if found is None:
        return None
    seq, _incidents, unit_ids = found
    wanted = unit_ids & set(ids)
    units = list(units_for(user).filter(pk__in=wanted)) if wanted else []
    return seq, with_tasks(user, units)


def incident_list(user: Any, *, status: str = "", q: str = "") -> QuerySet[Incident]:
    """The incident list page: ``status`` is a status, ``"active"`` or empty; ``q`` matches
    the number or the address."""
    qs = incidents_for(
        user,
        status=status if status in IncidentStatus.values else None,
        active=True if status == "active" else None,
    )
    if q:
        qs = qs.filter(Q(number__icontains=q) | Q(address__icontains=q))
    return qs.order_by("-received_at")


def active_categories() -> list[IncidentCategory]:
    return list(IncidentCategory.objects.filter(active=True).select_related("parent"))


def lonlat(obj: Incident | Unit) -> list[float] | None:
    if obj.lon is None or obj.lat is None:
        return None
    return [round(obj.lon, 6), round(obj.lat, 6)]


def incident_calls(incident: Incident) -> list[Call]:
    """The incident's calls with the callers' name and phone masked (``masked_name``,
    ``masked_phone``); the clear values need a purpose (``reveal_callers``)."""
    calls = list(incident.calls.select_related("taken_by"))
    for call in calls:
        call.masked_name = mask_name(call.caller_name)  # type: ignore[attr-defined]
        call.masked_phone = mask_phone(call.caller_phone)  # type: ignore[attr-defined]
    return calls


def incident_page(user: Any, incident: Incident) -> dict[str, Any]:
    """Everything the incident page shows, as ``user`` may see and act on it: assignments
    with the steps each crew may report, suggested and spare units, probable duplicates,
    the place's history, 预案 checklists, the timeline, the response clock and the map."""
    token = board_token(user)  # first: a change after this read shows on the next poll
    jurisdiction = incident.jurisdiction
    active = incident.status in ACTIVE_INCIDENT
    may_dispatch = active and can(user, "incident.dispatch", jurisdiction)
    assignments = list(
        incident.assignments.select_related("unit__station", "dispatched_by").order_by(
            "dispatched_at", "pk"
        )
    )
    current = [a for a in assignments if a.active]
    for a in current:
        a.may_report = can(user, "unit.report", a.unit.station)  # type: ignore[attr-defined]
        a.next_steps = NEXT_STEPS.get(a.unit.status, ())  # type: ignore[attr-defined]
    suggestions = recommend_for_incident(incident, acting_user=user) if may_dispatch else None
    suggested = suggestions.units if suggestions else []
    spare = (
        list(units_for(user, status=UnitStatus.AVAILABLE).order_by("call_sign")[:200])
        if may_dispatch
        else []
    )
    duplicates: list[dict[str, Any]] = []
    if active:
        found = find_probable_duplicates(incident, acting_user=user)
        duplicates = [{"incident": other, "distance_m": d} for other, d in found]
    map_units = [
        {"call_sign": a.unit.call_sign, "lonlat": lonlat(a.unit), "status": a.unit.status}
        | {"assigned": True}
        for a in current
        if a.unit.lon is not None
    ] + [
        {"call_sign": s.unit.call_sign, "lonlat": lonlat(s.unit), "status": s.unit.status}
        | {"eta_min": round(s.eta_s / 60, 1)}
        for s in suggested
    ]
    suggested_ids = {s.unit.pk for s in suggested}
    return {
        "token": token,
        "incident": incident,
        "active": active,
        "may_dispatch": may_dispatch,
        "may_edit": may_dispatch,
        "may_close": active and can(user, "incident.close", jurisdiction),
        "may_reveal": can(user, "caller.reveal", jurisdiction),
        "suggestions": suggestions,
        "rec_rows": [
            {"s": s, "eta_min": s.eta_s / 60, "km": s.distance_m / 1000} for s in suggested
        ],
        "spare_units": [u for u in spare if u.pk not in suggested_ids],
        "reassign_units": spare,
        "current": current,
        "past": [a for a in assignments if not a.active],
        "duplicates": duplicates,
        "duplicate_radius": f"{settings.ZHIAN_DUPLICATE_RADIUS_M:g}",
        "duplicate_minutes": settings.ZHIAN_DUPLICATE_MINUTES,
        "history": location_history(incident, acting_user=user),
        "plans": checklist(incident),
        "timeline": incident.timeline.select_related("unit", "actor"),
        "clock": response_clock(incident, assignments),
        "calls": incident_calls(incident),
        "merged_from": list(incident.merged_from.all()),
        "other_actions": incident_actions(user, incident),
        "map_data": {
            "incident": {
                "lonlat": lonlat(incident),
                "number": incident.number,
                "priority": incident.priority,
            },
            "units": map_units,
            "others": [
                {"number": d["incident"].number, "lonlat": lonlat(d["incident"])}
                for d in duplicates
            ],
        },
    }


def _board_row(inc: Incident, now: Any) -> dict[str, Any]:
    return {
        "incident": inc,
        "units": [a.unit for a in inc.assignments.all() if a.active],
        "age_min": max(0, int((now - inc.received_at).total_seconds() // 60)),
    }


def _map_incident(inc: Incident) -> dict[str, Any]:
    return {
        "id": inc.pk,
        "number": inc.number,
        "category": inc.category.display_name,
        "priority": inc.priority,
        "lonlat": lonlat(inc),
        "url": reverse("dispatch:incident", args=[inc.pk]),
    }


def _map_unit(u: Unit) -> dict[str, Any]:
    return {
        "id": u.pk,
        "call_sign": u.call_sign,
        "status": u.status,
        "status_label": str(u.get_status_display()),
        "lonlat": lonlat(u),
    }


def board_page(user: Any, *, limit: int = BOARD_FIRST_LOAD) -> dict[str, Any]:
    """The live board with its change token (read first: a change in between shows on
    the next poll), each incident's units on task and waiting minutes, units grouped by
    status, and the map. Only the first ``limit`` incidents (most urgent first)."""
    token = board_token(user)
    data = board_for(user, limit=limit)
    now = timezone.now()
    by_status: dict[str, list[Unit]] = {s: [] for s in UnitStatus.values}
    for unit in data["units"]:
        by_status[unit.status].append(unit)
    limit = len(data["incidents"])
    return {
        "rows": [_board_row(inc, now) for inc in data["incidents"]],
        "more": data["more"],
        "more_limit": min(limit + BOARD_FIRST_LOAD, BOARD_MAX) if data["more"] else None,
        "groups": [
            {"status": value, "label": label, "units": by_status[value]}
            for value, label in UnitStatus.choices
        ],
        "unit_count": len(data["units"]),
        "worker_down": worker_status()["status"] == "down",
        "token": token,
        "now": now,
        "map_data": {
            "incidents": [_map_incident(inc) for inc in data["incidents"]],
            "units": [_map_unit(u) for u in data["units"]],
        },
    }


def unit_list(user: Any, *, status: str = "") -> QuerySet[Unit]:
    return units_for(user, status=status if status in UnitStatus.values else None).order_by(
        "call_sign"
    )


def with_tasks(user: Any, units: list[Unit]) -> list[Unit]:
    """Annotate a page of units with their current incident (``task``) and whether the user
    may report for them (``may_report``), in one query."""
    tasks = {
        a.unit_id: a.incident
        for a in Assignment.objects.filter(unit__in=units, active=True).select_related("incident")
    }
    for unit in units:
        unit.task = tasks.get(unit.pk)  # type: ignore[attr-defined]
        unit.may_report = can(user, "unit.report", unit.station)  # type: ignore[attr-defined]
    return units


THRESHOLD_COLOURS = ["#1b5e20", "#f9a825", "#ef6c00"]  # 1, 3, 5 minutes


def coverage_page(user: Any, code: str = "") -> dict[str, Any]:
    """1-3-5 coverage for the jurisdiction ``code`` (default: where the user's first role
    sits), with the jurisdictions the user may pick and the table and map rows."""
    choices = list(
        core_selectors.jurisdictions_for(user).filter(
            kind__in=[JurisdictionKind.BUREAU, JurisdictionKind.STATION, JurisdictionKind.SECTOR]
        )[:500]
    )
    if code:
        jurisdiction: Jurisdiction | None = core_selectors.access_jurisdiction(user, code)
    else:
        jurisdiction = core_selectors.home_jurisdiction(user) or (choices[0] if choices else None)
    if jurisdiction is not None and jurisdiction not in choices:
        choices.insert(0, jurisdiction)
    result = coverage_for(jurisdiction, acting_user=user) if jurisdiction else None
    available = bool(result and result.get("available"))
    rows, staging_rows = [], []
    if result and available:
        incident_share = result.get("incident_share")
        for i, seconds in enumerate(result["thresholds_s"]):
            rows.append(
                {
                    "minutes": int(seconds // 60),
                    "road": result["road_share"][i] * 100,
                    "incidents": incident_share[i] * 100 if incident_share else None,
                    "colour": THRESHOLD_COLOURS[i % len(THRESHOLD_COLOURS)],
                }
            )
        staging = result["staging"]
        staging_rows = [
            {"n": i + 1, "lonlat": p, "gain": g * 100}
            for i, (p, g) in enumerate(zip(staging["points"], staging["gains"], strict=True))
        ]
        result = result | {
            "staging_before": staging["covered_before"] * 100,
            "staging_after": staging["covered_after"] * 100,
            "staging_rows": staging_rows,
        }
    return {
        "choices": choices,
        "jurisdiction": jurisdiction,
        "result": result,
        "rows": rows,
        "map_data": {
            "segments": result["segments"] if result and available else None,
            "colours": THRESHOLD_COLOURS,
            "staging": staging_rows,
            "boundary": jurisdiction.boundary if jurisdiction else None,
        },
    }


# Counts and arrays for other apps live in their own module; re-exported so every reader
# keeps calling ``zhian.dispatch.selectors.<name>``.
from zhian.dispatch.selectors.analysis import (
    NOT_COUNTED as NOT_COUNTED,
)
from zhian.dispatch.selectors.analysis import (
    category_ids_under as category_ids_under,
)
from zhian.dispatch.selectors.analysis import (
    count_incidents_near as count_incidents_near,
)
from zhian.dispatch.selectors.analysis import (
    counted_incident_month_groups as counted_incident_month_groups,
)
from zhian.dispatch.selectors.analysis import (
    counted_incidents as counted_incidents,
)
from zhian.dispatch.selectors.analysis import (
    fixes_around as fixes_around,
)
from zhian.dispatch.selectors.analysis import (
    incident_arrays as incident_arrays,
)
from zhian.dispatch.selectors.analysis import (
    incident_counts_by_day_and_cell as incident_counts_by_day_and_cell,
)
from zhian.dispatch.selectors.analysis import (
    incident_months_changed_since as incident_months_changed_since,
)
from zhian.dispatch.selectors.analysis import (
    incident_time_range as incident_time_range,
)
from zhian.dispatch.selectors.analysis import (
    next_fix_times as next_fix_times,
)
from zhian.dispatch.selectors.analysis import (
    position_time_range as position_time_range,
)
from zhian.dispatch.selectors.analysis import (
    top_category_codes as top_category_codes,
)
from zhian.dispatch.selectors.analysis import (
    unit_ids_under as unit_ids_under,
)
from zhian.dispatch.selectors.analysis import (
    unit_position_arrays as unit_position_arrays,
)
