from typing import Any

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, Any]:
    return {
        "map_tile_url": settings.ZHIAN_MAP_TILE_URL,
        "map_tile_attribution": settings.ZHIAN_MAP_TILE_ATTRIBUTION,
    }
