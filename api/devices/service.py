"""Readers and kiosks: registration, one-time enrolment, heartbeat, secret rotation and revocation; the revoked-card
list that readers keep offline; API-client credentials for private attendance systems."""

from __future__ import annotations

import secrets
import time
from datetime import timedelta

from tortoise.timezone import now

from api.accounts.credentials import issue_token, token_digest
from api.accounts.models import AccessToken, Account, Role
from api.accounts.service import create_account
from api.businesses.models import Business
from api.cards.revocation import revocations_version
from api.devices.models import Device, DeviceKind
from api.devices.schemas import DeviceOut, HeartbeatIn
from api.errors import Conflict, Forbidden, NotFound, Unauthorized
from api.sites.access import ensure_manages
from api.sites.models import Site

ENROLMENT_TTL = timedelta(days=7)
DEVICE_TOKEN_TTL = timedelta(days=3650)  # a reader is enrolled once; rotation or revocation ends the token


def device_out(d: Device) -> DeviceOut:
    return DeviceOut(
        id=d.id,
        site_pk=d.site_id,  # type: ignore[attr-defined]
        kind=d.kind.value,
        name=d.name,
        enrolled_at=d.enrolled_at,
        revoked_at=d.revoked_at,
        last_seen_at=d.last_seen_at,
        software_version=d.software_version,
        outbox_depth=d.outbox_depth,
        reader_name=d.reader_name,
    )


def _new_code() -> str:
    # Hex, not urlsafe base64: a code is typed on a site PC's command line, where one starting with "-" would be
    # taken for an option.
    return secrets.token_hex(8)


async def create_device(*, actor: Account, site: Site, kind: str, name: str) -> tuple[Device, str]:
    await ensure_manages(actor, site)
    account = await create_account(
        login=f"device-{secrets.token_hex(6)}", password=secrets.token_urlsafe(24), role=Role.device, display_name=name
    )
    code = _new_code()
    device = await Device.create(
        site=site,
        account=account,
        kind=DeviceKind(kind),
        name=name,
        enrolment_code_hash=token_digest(code),
        enrolment_expires_at=now() + ENROLMENT_TTL,
    )
    return device, code


async def enrol(*, code: str, software_version: str) -> tuple[Device, str]:
    device = await Device.get_or_none(enrolment_code_hash=token_digest(code)).select_related("account", "site")
    if device is None or device.revoked_at or (device.enrolment_expires_at and device.enrolment_expires_at < now()):
        raise _invalid_code()
    # One use only, under concurrency too: the code is spent by a conditional write on its hash, so of two devices
    # presenting it at the same moment one matches the row and the other (waiting on it) matches nothing.
    device.enrolled_at, device.software_version = now(), software_version
    if not await Device.filter(id=device.id, enrolment_code_hash=device.enrolment_code_hash, revoked_at=None).update(
        enrolment_code_hash=None,
        enrolment_expires_at=None,
        enrolled_at=device.enrolled_at,
        software_version=software_version,
    ):
        raise _invalid_code()
    device.enrolment_code_hash, device.enrolment_expires_at = None, None
    token, _ = await issue_token(device.account, ttl=DEVICE_TOKEN_TTL)
    return device, token


def _invalid_code() -> Unauthorized:
    # The same answer for a code spent a moment ago by another device as for one spent yesterday.
    return Unauthorized("This enrolment code is unknown, used or expired.", code="invalid_enrolment_code")


class DeviceCache:
    """Device and site per device account, for a minute: every tap request needs them, and neither changes under a
    live token (revoking or rotating a device revokes its tokens, which authentication checks on every request).
    A changed accumulation window reaches ingest within a minute."""

    def __init__(self, ttl_s: float = 60.0):
        self.ttl_s, self.entries = ttl_s, {}

    def get(self, account_id: int) -> Device | None:
        hit = self.entries.get(account_id)
        return hit[0] if hit and hit[1] > time.monotonic() else None

    def put(self, account_id: int, device: Device) -> None:
        if len(self.entries) > 100_000:
            self.entries.clear()
        self.entries[account_id] = (device, time.monotonic() + self.ttl_s)


async def device_of(account: Account, *, cache: DeviceCache | None = None) -> Device:
    device = cache.get(account.id) if cache else None
    if device is None:
        device = await Device.get_or_none(account=account).select_related("site")
        if device is None or device.revoked_at:
            raise Forbidden("This device is revoked.", code="device_revoked")
        if cache:
            cache.put(account.id, device)
    return device


async def get_device(*, actor: Account, site: Site, pk: int) -> Device:
    await ensure_manages(actor, site)
    device = await Device.get_or_none(id=pk, site=site).select_related("account")
    if device is None:
        raise NotFound("No such device on this site.", code="device_not_found")
    return device


async def rotate(*, device: Device) -> str:
    """A new secret: every token of the device ends now, and it must enrol again with the new one-time code."""
    if device.revoked_at:
        raise Conflict("The device is revoked.", code="device_already_revoked")
    await AccessToken.filter(account=device.account, revoked_at=None).update(revoked_at=now())
    code = _new_code()
    device.enrolment_code_hash, device.enrolment_expires_at = token_digest(code), now() + ENROLMENT_TTL
    # Conditional on the device not being revoked: it was read without a lock, and a revocation committing meanwhile
    # must win (a whole-row save wrote revoked_at back to null and handed the revoked device a new code).
    if not await Device.filter(id=device.id, revoked_at=None).update(
        enrolment_code_hash=device.enrolment_code_hash, enrolment_expires_at=device.enrolment_expires_at
    ):
        raise Conflict("The device is revoked.", code="device_already_revoked")
    return code


async def revoke(*, device: Device) -> None:
    await AccessToken.filter(account=device.account, revoked_at=None).update(revoked_at=now())
    device.revoked_at, device.enrolment_code_hash = now(), None
    await device.save(update_fields=["revoked_at", "enrolment_code_hash"])  # not what an enrolment wrote meanwhile
    device.account.is_active = False
    await device.account.save(update_fields=["is_active"])


async def heartbeat(*, device: Device, data: HeartbeatIn) -> int:
    device.last_seen_at, device.software_version = now(), data.software_version
    device.outbox_depth, device.reader_name = data.outbox_depth, data.reader
    await device.save(update_fields=["last_seen_at", "software_version", "outbox_depth", "reader_name"])
    return await revocations_version()


async def create_api_client(*, actor: Account, business: Business, name: str) -> tuple[Account, str]:
    from api.businesses.service import ensure_can_manage

    ensure_can_manage(actor, business)
    secret = secrets.token_urlsafe(24)
    account = await create_account(
        login=f"api-{secrets.token_hex(6)}", password=secret, role=Role.api_client, display_name=name, business=business
    )
    return account, secret
