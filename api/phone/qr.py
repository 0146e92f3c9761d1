"""The gate QR code: a site's code of the day, signed so it cannot be made up and rotating so yesterday's photo of it
is worth nothing today.

Payload: ``OCQR1.<site_id>.<yyyymmdd>.<sig>``, sig = the first 16 bytes of HMAC-SHA256(key, "<site_id>.<yyyymmdd>")
in hex; key = HMAC-SHA256(data key, "openccus-gate-qr"), so no extra secret has to be configured. The printed code
holds a PWA link with the payload (``<public url>/phone?qr=<payload>``) so the phone's own camera app opens the
check-in page.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import date, datetime

PREFIX = "OCQR1"
_PAYLOAD = re.compile(r"^OCQR1\.([0-9]{14})\.([0-9]{8})\.([0-9a-f]{32})$")


def qr_key(data_key: bytes) -> bytes:
    return hmac.new(data_key, b"openccus-gate-qr", hashlib.sha256).digest()


def _sig(key: bytes, site_id: str, day: date) -> str:
    return hmac.new(key, f"{site_id}.{day:%Y%m%d}".encode(), hashlib.sha256).digest()[:16].hex()


def payload(key: bytes, site_id: str, day: date) -> str:
    return f"{PREFIX}.{site_id}.{day:%Y%m%d}.{_sig(key, site_id, day)}"


@dataclass(frozen=True)
class GateCode:
    site_id: str
    day: date


def verify(key: bytes, text: str) -> GateCode | None:
    """The site and day of a genuine code, or None (malformed or not signed by this server)."""
    m = _PAYLOAD.match(text.strip().lower().replace("ocqr1", "OCQR1", 1))
    if m is None:
        return None
    try:
        day = datetime.strptime(m.group(2), "%Y%m%d").date()
    except ValueError:
        return None
    if not hmac.compare_digest(_sig(key, m.group(1), day), m.group(3)):
        return None
    return GateCode(site_id=m.group(1), day=day)


def svg(data: str) -> str:
    """The code as an SVG image (segno), for the printable page."""
    import io

    import segno

    out = io.BytesIO()
    segno.make(data, error="m").save(out, kind="svg", scale=8, border=4, xmldecl=False, svgns=True)
    return out.getvalue().decode()
