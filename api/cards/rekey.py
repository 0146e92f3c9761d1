"""Recovery from a leaked master key (docs/card-profile.md §7.1, §12): revoke every active card of a key version and
reissue each under the newest key, fee waived, telling the holder through the notice jobs.

Each card is one transaction: the conditional revocation (api.cards.revocation.revoke_serial) decides, so a run
that is interrupted, repeated or racing another run (or a holder's own reissue) never reissues a card twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from api import db
from api.audit import service as audit
from api.cards.models import Card, CardStatus
from api.cards.revocation import revoke_serial
from api.cards.service import issue_card
from api.errors import Conflict
from api.timeutil import today_jst

REASON = "key_version"  # revocation.reason: the card's master key was withdrawn


@dataclass
class VersionRevoked:
    version: int
    new_version: int
    reissued: list[tuple[str, str]] = field(default_factory=list)  # (revoked serial, new serial)
    skipped: int = 0  # no longer active when its turn came (revoked meanwhile by someone else)
    expired: list[str] = field(default_factory=list)  # revoked, not reissued: the registration needs renewal


async def revoke_version(*, version: int, newest: int, state: Any, actor: Any = None) -> VersionRevoked:
    """`newest`: the newest configured master-key version, which the new cards take. `state.queue` receives the
    notice jobs once each card's transaction has committed (api.db.run_in_unit_of_work)."""
    if version > newest or version < 1:
        raise Conflict(
            f"There is no key version {version}: the versions are 1 to {newest} (`openccus cards versions`).",
            code="key_version_unknown",
        )
    if version == newest:
        raise Conflict(
            f"Key version {version} is the newest one: add a new key first (`openccus cards rotate`), "
            "so that the reissued cards get a key that has not leaked.",
            code="key_version_is_newest",
        )
    out = VersionRevoked(version=version, new_version=newest)
    ids = await Card.filter(key_version=version, status=CardStatus.active).order_by("id").values_list("id", flat=True)
    for card_id in ids:

        async def one(card_id: int = card_id) -> tuple[str, str | None] | None:
            card = await Card.get(id=card_id).select_related("technician")
            if not await revoke_serial(card=card, reason=REASON):
                return None
            today = today_jst()
            if card.valid_until < today:
                return card.serial, None  # an expired card is withdrawn; a renewal issues the next one
            # The replacement keeps the registration's expiry: it replaces the card, it does not renew it.
            new = await issue_card(
                technician=card.technician, issued_on=today, key_version=newest, valid_until=card.valid_until
            )
            await audit.record(
                actor=actor,
                action="card.reissue_key_version",
                entity_type="card",
                entity_id=new.serial,
                before={"serial": card.serial, "key_version": version},
                after={"serial": new.serial, "key_version": newest, "fee_yen": 0},
                reason=f"master key version {version} revoked; fee waived",
            )
            await db.defer_job("notify_card_reissued", new.id, card.serial, job_id=f"notify-card-reissued:{new.id}")
            return card.serial, new.serial

        done = await db.run_in_unit_of_work(state, one)
        if done is None:
            out.skipped += 1
        elif done[1] is None:
            out.expired.append(done[0])
        else:
            out.reissued.append(done)  # type: ignore[arg-type]
    return out
