"""Grid endpoints under ``/api/v1/grid/``: reports and referrals (吹哨报到), departments and
the scorecard, disputes, places and inspections. One router, its operations in modules."""

from __future__ import annotations

from ninja import Router

router = Router(tags=["grid"])

from zhian.grid.api import disputes, places, reports  # noqa: E402  (they add to the router)

__all__ = ["disputes", "places", "reports", "router"]
