"""Near-repeat alerts (近重复预警), place-based: after an offence of a category that
repeats nearby, the circle and days in which another is more likely than chance.

The band per category comes from a Knox test on the bureau's own incidents
(``do_calibrate_near_repeat``); until one is stored, ``ZHIAN_NEAR_REPEAT_DEFAULTS`` holds
the band read off Toronto's burglary table (200 m, 14 days). Alerts are made by a
periodic scan of newly recorded incidents (dispatch never calls insights) and are active
from the offence until the band's days have passed.

An alert holds only while its source incident does: one merged into another as a
duplicate, or re-categorised out of the alert's category, loses its alert in the same
transaction (:func:`withdraw_alerts_of_uncounted`, dispatch's incident write hook,
registered from ``InsightsConfig.ready()``), so the stored alerts stay true for every
reader, the patrol plan's risk factors included. The scan withdraws any that a write
bypassing dispatch's services left behind (:func:`withdraw_stale_alerts`).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import numpy as np
from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from zhian.analytics.near_repeat import knox_test
from zhian.analytics.near_repeat_band import raised_band
from zhian.core import audit
from zhian.core.errors import ValidationFailed
from zhian.core.models import Jurisdiction, JurisdictionKind
from zhian.core.scoping import check_can
from zhian.dispatch.hooks import CountedIncident
from zhian.dispatch.selectors import incident_arrays
from zhian.insights.models import NearRepeatAlert, NearRepeatBand
from zhian.insights.services.common import incident_events


def bands_for(bureau: Jurisdiction) -> dict[str, tuple[float, float, float]]:
    """``{category code: (radius_m, days, ratio)}``: the bureau's calibrated bands over
    the defaults."""
    out = {
        code: (float(v["radius_m"]), float(v["days"]), float(v["ratio"]))
        for code, v in settings.ZHIAN_NEAR_REPEAT_DEFAULTS.items()
    }
    for b in NearRepeatBand.objects.filter(bureau=bureau):
        out[b.category_code] = (b.radius_m, b.days, b.ratio)
    return out


#: Alerts whose source incident still qualifies: not merged into another, and still of
#: the alert's category.
LIVE_SOURCE = Q(source_incident__merged_into__isnull=True) & Q(
    source_incident__category__code=F("category_code")
)


def _withdraw(alerts: Any, job: str) -> int:
    """Delete ``alerts`` (a queryset) whose source no longer qualifies, with an audit row."""
    stale = list(alerts.exclude(LIVE_SOURCE).values_list("pk", "source_incident_id"))
    if not stale:
        return 0
    deleted, _kinds = NearRepeatAlert.objects.filter(pk__in=[pk for pk, _i in stale]).delete()
    audit.record(
        actor=None,
        action="insights.alerts",
        data={"job": job, "withdrawn": deleted, "incidents": [i for _pk, i in stale][:100]},
    )
    return int(deleted)


def withdraw_alerts_of_uncounted(
    removed: Sequence[CountedIncident], added: Sequence[CountedIncident]
) -> None:
    """Dispatch's incident write hook, in the write's transaction (after the incident row
    is updated): the alerts of incidents that stopped counting (merged, or re-categorised:
    ``removed`` holds their old category) are deleted when their source no longer
    qualifies. Alerts are found by their source incident and checked against it."""
    if removed:
        sources = [c.incident_id for c in removed]
        _withdraw(NearRepeatAlert.objects.filter(source_incident_id__in=sources), "withdraw_alerts")


@transaction.atomic
def withdraw_stale_alerts(now: datetime | None = None) -> int:
    """Delete active alerts whose source incident was merged or re-categorised by a write
    that bypassed dispatch's services (the hook keeps the others true); how many."""
    return _withdraw(
        NearRepeatAlert.objects.filter(ends_at__gt=now or timezone.now()), "withdraw_stale"
    )


def _bureau_of(j: Jurisdiction) -> Jurisdiction:
    code = j.path.strip("/").split("/")[0]
    return Jurisdiction.objects.get(path=f"/{code}/") if j.parent_id else j


def scan_near_repeat(now: datetime | None = None) -> int:
    """Create the alerts of incidents recorded in the last band-days that have none yet;
    returns how many were created. First withdraws active alerts whose source no longer
    qualifies (:func:`withdraw_stale_alerts`). Safe to run concurrently: one alert per
    incident is a unique constraint, conflicting inserts are skipped."""
    now = now or timezone.now()
    withdraw_stale_alerts(now)
    created = 0
    for bureau in Jurisdiction.objects.filter(kind=JurisdictionKind.BUREAU):
        bands = bands_for(bureau)
        if not bands:
            continue
        longest = max(band[1] for band in bands.values())
        arr = incident_arrays(
            since=now - timedelta(days=longest),
            until=now + timedelta(seconds=1),
            jurisdiction_path=bureau.path,
            category_codes=sorted(bands),
        )
        have = set(
            NearRepeatAlert.objects.filter(source_incident_id__in=arr["id"].tolist()).values_list(
                "source_incident_id", flat=True
            )
        )
        rows = []
        for k in range(len(arr["id"])):
            pk = int(arr["id"][k])
            radius, days, ratio = bands[str(arr["category"][k])]
            start = datetime.fromtimestamp(int(arr["t"][k]), tz=UTC)
            end = start + timedelta(days=days)
            if pk in have or end <= now:
                continue
            rows.append(
                NearRepeatAlert(
                    jurisdiction_id=int(arr["jurisdiction"][k]),
                    source_incident_id=pk,
                    category_code=str(arr["category"][k]),
                    lon=float(arr["lon"][k]),
                    lat=float(arr["lat"][k]),
                    radius_m=radius,
                    starts_at=start,
                    ends_at=end,
                    ratio=ratio,
                )
            )
        if rows:
            with transaction.atomic():
                made = _insert_new(rows)
                audit.record(
                    actor=None,
                    action="insights.alerts",
                    data={"job": "scan_near_repeat", "bureau": bureau.code, "alerts": made},
                )
            created += made
    return created


_COLUMNS = (
    "jurisdiction_id",
    "source_incident_id",
    "category_code",
    "lon",
    "lat",
    "radius_m",
    "starts_at",
    "ends_at",
    "ratio",
    "created_at",
)


def _insert_new(alerts: list[NearRepeatAlert], batch: int = 500) -> int:
    """Insert ``alerts``, skipping those whose incident already has one (another scan got
    there first), and return how many were inserted: one ``INSERT ... ON CONFLICT DO
    NOTHING RETURNING`` per batch counts the rows actually written (``bulk_create`` with
    ``ignore_conflicts`` returns every object passed in, inserted or not)."""
    ops = connection.ops
    table = ops.quote_name(NearRepeatAlert._meta.db_table)
    columns = ", ".join(ops.quote_name(c) for c in _COLUMNS)
    created_at = timezone.now()
    inserted = 0
    for first in range(0, len(alerts), batch):
        chunk = alerts[first : first + batch]
        params: list[Any] = []
        for a in chunk:
            params += [
                a.jurisdiction_id,
                a.source_incident_id,
                a.category_code,
                a.lon,
                a.lat,
                a.radius_m,
                ops.adapt_datetimefield_value(a.starts_at),
                ops.adapt_datetimefield_value(a.ends_at),
                a.ratio,
                ops.adapt_datetimefield_value(created_at),
            ]
        values = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * len(chunk))
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({columns}) VALUES {values} "
                "ON CONFLICT (source_incident_id) DO NOTHING RETURNING source_incident_id",
                params,
            )
            inserted += len(cursor.fetchall())
    return inserted


def prune_alerts(now: datetime | None = None) -> int:
    """Delete alerts that ended more than ``ZHIAN_ALERT_RETENTION_DAYS`` ago."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.ZHIAN_ALERT_RETENTION_DAYS)
    deleted, _kinds = NearRepeatAlert.objects.filter(ends_at__lt=cutoff).delete()
    return int(deleted)


@transaction.atomic
def do_calibrate_near_repeat(
    bureau: Jurisdiction,
    *,
    category_code: str,
    acting_user: Any,
    days: int = 365,
    permutations: int = 199,
    now: datetime | None = None,
) -> NearRepeatBand | None:
    """Run the Knox test on the bureau's incidents of one category over the last ``days``
    and store the raised band (``zhian.analytics.near_repeat_band``); with no excess the
    bureau's stored band is removed (the default, if any, applies again). Seeded."""
    check_can(acting_user, "insights.forecast", bureau)
    if bureau.kind != JurisdictionKind.BUREAU:
        raise ValidationFailed(_("近重复检验按分局进行"), code="not_a_bureau")
    end = now or timezone.now()
    events = incident_events(
        bureau, since=end - timedelta(days=days), until=end, category_code=category_code
    )
    if events is None or len(events) < settings.ZHIAN_NEAR_REPEAT_MIN_EVENTS:
        raise ValidationFailed(
            _("该类别近 %(d)s 天警情不足 %(n)s 起，无法检验近重复")
            % {"d": days, "n": settings.ZHIAN_NEAR_REPEAT_MIN_EVENTS},
            code="too_few_events",
        )
    # no 0-1 m band: the platform's points are where the call-taker put them, not snapped
    # to intersections as in the Toronto data
    result = knox_test(
        events,
        space_bands=(0, 100, 200, 300, 400, 500),
        permutations=permutations,
        rng=np.random.default_rng(0),
    )
    band = raised_band(result)
    audit.record(
        actor=acting_user,
        action="insights.near_repeat",
        obj=bureau,
        data={
            "category": category_code,
            "events": len(events),
            "band": None if band is None else [band.radius_m, band.days, round(band.ratio, 3)],
        },
    )
    if band is None:
        NearRepeatBand.objects.filter(bureau=bureau, category_code=category_code).delete()
        return None
    row, _created = NearRepeatBand.objects.update_or_create(
        bureau=bureau,
        category_code=category_code,
        defaults={
            "radius_m": band.radius_m,
            "days": band.days,
            "ratio": band.ratio,
            "events": len(events),
            "source": f"Knox {permutations} permutations, {days} days",
        },
    )
    return row
