"""Virtual card reads from a site's kiosk or a site manager's phone (docs/virtual-card.md): each read becomes a tap
with method `virtual_card` through the one ingest (`service.ingest`: idempotency, window, contract tree, pending
employers), and the roster's public keys a reader keeps to verify codes offline."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tortoise.timezone import now

from api.attendance import service, virtual_card
from api.attendance.models import TapMethod
from api.attendance.schemas import (
    BatchOut,
    ItemError,
    VirtualCardHolderOut,
    VirtualKeyOut,
    VirtualRosterOut,
    VirtualTapIn,
)
from api.attendance.service import Candidate
from api.devices.models import Device
from api.registration.models import Technician
from api.cards.models import Card, CardStatus
from api.sites.models import RosterEntry
from api.timeutil import today_jst


async def ingest_reads(*, device: Device, items: list[dict[str, Any]], master_keys: Mapping[int, bytes]) -> BatchOut:
    """A text that is not a virtual card's code at all is refused (`virtual_card_invalid`, nothing written); a code
    is stored as a tap, rejected with its reason when a check fails, so a forged, stale or replayed code is on record
    at the site where it was shown."""
    good, errors = service.parse_items(items, VirtualTapIn)
    candidates = []
    for i, tap in good:
        code = virtual_card.parse(tap.code)
        if code is None:
            errors.append(
                ItemError(
                    index=i,
                    error="virtual_card_invalid",
                    message="仮想カードのコードではありません。技能者のスマートフォンの仮想カードを読み取ってください。",
                )
            )
            continue
        candidates.append(
            Candidate(
                index=i,
                client_key=tap.idempotency_key,
                source_key=f"d{device.id}:{tap.idempotency_key}",
                site=device.site,
                technician_code=code.technician_id,
                method=TapMethod.virtual_card,
                device_time=tap.device_time,
                device_id=device.id,
                card_serial=code.card_serial,
                challenge=code.challenge,
                response=tap.code.strip(),  # only for the fingerprint: a re-sent key must carry the same code
                direction=tap.direction,
                vcode=code,
            )
        )
    results, refused = await service.ingest(candidates=candidates, master_keys=master_keys, received_at=now())
    return service.batch_out(results, errors + refused)


async def roster(*, device: Device) -> VirtualRosterOut:
    """The site's active roster entries whose technician has an active card in date and at least one phone key."""
    site = device.site
    tech_pks = set(await RosterEntry.filter(site=site, active=True).values_list("technician_id", flat=True))
    cards = await Card.filter(
        technician_id__in=tech_pks, status=CardStatus.active, valid_until__gte=today_jst()
    ).order_by("id")
    techs = {t.id: t for t in await Technician.filter(id__in=[c.technician_id for c in cards])}  # type: ignore[attr-defined]
    keys = await service.phone_keys_of(list(techs))
    holders = []
    for card in cards:
        tech = techs.get(card.technician_id)  # type: ignore[attr-defined]
        if tech is None or not tech.technician_id or not keys.get(tech.id):
            continue
        holders.append(
            VirtualCardHolderOut(
                technician_id=tech.technician_id,
                name=f"{tech.family_name} {tech.given_name}",
                card_serial=card.serial,
                keys=[VirtualKeyOut(key_id=k, public_key=v) for k, v in sorted(keys[tech.id].items())],
            )
        )
    return VirtualRosterOut(
        site_id=site.site_id,
        step_s=virtual_card.STEP_S,
        early_steps=virtual_card.EARLY_STEPS,
        late_steps=virtual_card.LATE_STEPS,
        holders=holders,
    )
