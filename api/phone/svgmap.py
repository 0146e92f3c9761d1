"""The site's map view: a static SVG plan (no tile server) with the fence and each phone check-in's position."""

from __future__ import annotations

from html import escape

from api.phone import geo
from api.phone.models import PhoneSettings
from api.phone.schemas import PhoneItemOut
from api.sites.models import Site

SIZE = 600
PAD = 40


def render(site: Site, ps: PhoneSettings | None, items: list[PhoneItemOut]) -> str:
    if ps is not None and ps.polygon:
        ref = (sum(p[0] for p in ps.polygon) / len(ps.polygon), sum(p[1] for p in ps.polygon) / len(ps.polygon))
    elif site.geofence_lat is not None:
        ref = (site.geofence_lat, site.geofence_lon)
    else:
        ref = (items[0].lat, items[0].lon) if items else (35.68, 139.76)
    fence_pts = [geo.project(ref, (p[0], p[1])) for p in ps.polygon] if ps and ps.polygon else []
    radius = float(site.geofence_radius_m or 0) if not fence_pts else 0.0
    dots = [(geo.project(ref, (i.lat, i.lon)), i) for i in items]
    # Scale: the fence and every check-in fit, with at least 100 m either side of the centre.
    extent = max(
        [100.0, radius * 1.15]
        + [max(abs(x), abs(y)) * 1.1 for x, y in fence_pts]
        + [max(abs(x), abs(y)) * 1.1 for (x, y), _ in dots]
    )
    k = (SIZE / 2 - PAD) / extent

    def xy(p: tuple[float, float]) -> tuple[float, float]:
        return SIZE / 2 + p[0] * k, SIZE / 2 - p[1] * k  # north up

    out = [
        (
            f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {SIZE} {SIZE}" width="{SIZE}" height="{SIZE}" '
            f'role="img" aria-label="{escape(site.name)}">'
        ),
        f'<rect width="{SIZE}" height="{SIZE}" fill="#f7f7f2"/>',
        f"<title>{escape(site.name)} ({escape(site.site_id)})</title>",
    ]
    if fence_pts:
        pts = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(xy, fence_pts))
        out.append(f'<polygon class="fence" points="{pts}" fill="#dfe9f7" stroke="#2b5fab" stroke-width="2"/>')
    elif radius:
        out.append(
            f'<circle class="fence" cx="{SIZE / 2}" cy="{SIZE / 2}" r="{radius * k:.1f}" fill="#dfe9f7" '
            f'stroke="#2b5fab" stroke-width="2"/>'
        )
    # A 100 m scale bar, so distances can be read off the plan.
    out.append(
        f'<g class="scale"><line x1="{PAD}" y1="{SIZE - 20}" x2="{PAD + 100 * k:.1f}" y2="{SIZE - 20}" '
        f'stroke="#333" stroke-width="3"/><text x="{PAD}" y="{SIZE - 26}" font-size="12">100 m</text></g>'
    )
    out.append(f'<text x="{SIZE - 30}" y="30" font-size="16" text-anchor="middle">N ↑</text>')
    for (x, y), i in dots:
        cx, cy = xy((x, y))
        colour = "#1a7f37" if i.outcome == "accepted" and not i.reasons else "#c2410c"
        label = f"{i.name} {i.client_time:%H:%M} {i.direction}" + (f" · {i.distance_m:.0f} m" if i.distance_m else "")
        out.append(
            f'<g class="checkin" data-id="{i.id}" data-distance="{i.distance_m:.1f}">'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="{max(3.0, min(i.accuracy_m * k, 60)):.1f}" '
            f'fill="{colour}" fill-opacity="0.15" stroke="none"/>'
            f'<circle cx="{cx:.1f}" cy="{cy:.1f}" r="5" fill="{colour}"/>'
            f'<text x="{cx + 8:.1f}" y="{cy - 8:.1f}" font-size="12">{escape(label)}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)
