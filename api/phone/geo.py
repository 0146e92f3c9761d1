"""Distances on site scale. A local flat projection (metres east/north of a reference point) is exact to well under a
metre over a few kilometres, which is all a fence needs; travel between check-ins uses the haversine distance."""

from __future__ import annotations

import math
from collections.abc import Sequence

EARTH_M = 6_371_008.8  # mean Earth radius (IUGG)


def haversine_m(a: tuple[float, float], b: tuple[float, float]) -> float:
    (lat1, lon1), (lat2, lon2) = a, b
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    h = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_M * math.asin(min(1.0, math.sqrt(h)))


def project(ref: tuple[float, float], p: tuple[float, float]) -> tuple[float, float]:
    """Metres east (x) and north (y) of `ref`."""
    k = math.pi / 180 * EARTH_M
    return ((p[1] - ref[1]) * k * math.cos(math.radians(ref[0])), (p[0] - ref[0]) * k)


def _inside(pt: tuple[float, float], poly: Sequence[tuple[float, float]]) -> bool:
    x, y, inside = pt[0], pt[1], False
    for (x1, y1), (x2, y2) in zip(poly, [*poly[1:], poly[0]], strict=True):
        if (y1 > y) != (y2 > y) and x < x1 + (y - y1) * (x2 - x1) / (y2 - y1):
            inside = not inside
    return inside


def _to_segment(p: tuple[float, float], a: tuple[float, float], b: tuple[float, float]) -> float:
    dx, dy = b[0] - a[0], b[1] - a[1]
    t = 0.0 if dx == dy == 0 else max(0.0, min(1.0, ((p[0] - a[0]) * dx + (p[1] - a[1]) * dy) / (dx * dx + dy * dy)))
    return math.hypot(p[0] - a[0] - t * dx, p[1] - a[1] - t * dy)


def distance_to_polygon(p: tuple[float, float], polygon: Sequence[Sequence[float]]) -> float:
    """0 inside the polygon ([lat, lon] vertices), else metres to its nearest edge."""
    ref = (polygon[0][0], polygon[0][1])
    pts = [project(ref, (v[0], v[1])) for v in polygon]
    q = project(ref, p)
    if _inside(q, pts):
        return 0.0
    return min(_to_segment(q, a, b) for a, b in zip(pts, [*pts[1:], pts[0]], strict=True))


def distance_to_circle(p: tuple[float, float], centre: tuple[float, float], radius_m: float) -> float:
    return max(0.0, haversine_m(p, centre) - radius_m)
