"""Trend charts drawn on the server as inline SVG (no chart library, no script): a
sparkline per indicator, gaps where a month has no value ("—")."""

from __future__ import annotations

from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString


def sparkline_points(
    values: list[float | None], width: float, height: float, *, left: float = 0, top: float = 0
) -> list[list[tuple[float, float]]]:
    """Polyline segments (x, y from the top) for ``values``; a None splits the line."""
    present = [v for v in values if v is not None]
    if not present:
        return []
    low, high = min(present), max(present)
    span = (high - low) or 1.0
    step = width / max(len(values) - 1, 1)
    segments: list[list[tuple[float, float]]] = [[]]
    for i, value in enumerate(values):
        if value is None:
            if segments[-1]:
                segments.append([])
            continue
        y = top + height - (value - low) / span * height if high != low else top + height / 2
        segments[-1].append((round(left + i * step, 1), round(y, 1)))
    return [s for s in segments if s]


def sparkline(
    values: list[float | None], labels: list[str], *, width: int = 160, height: int = 32
) -> SafeString:
    """An ``<svg>`` with the line and a dot (with a title) per month that has a value."""
    segments = sparkline_points(values, width - 6, height - 6, left=3, top=3)
    lines = format_html_join(
        "",
        '<polyline points="{}" fill="none" stroke="currentColor" stroke-width="1.5"/>',
        ((" ".join(f"{x},{y}" for x, y in seg),) for seg in segments),
    )
    dots = []
    points = iter(p for seg in segments for p in seg)
    for value, label in zip(values, labels, strict=True):
        if value is not None:
            x, y = next(points)
            dots.append((x, y, label))
    circles = format_html_join(
        "", '<circle cx="{}" cy="{}" r="1.8"><title>{}</title></circle>', dots
    )
    return format_html(
        '<svg class="spark" width="{}" height="{}" viewBox="0 0 {} {}" role="img">{}{}</svg>',
        width,
        height,
        width,
        height,
        lines,
        circles,
    )
