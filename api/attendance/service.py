"""Tap ingest: every tap is checked and stored once (idempotency key per sender), rejected taps with their reason.

A batch is handled set-wise: one query each for known keys, cards, technicians, replayed challenges and the contract
tree, then one bulk insert, so a 1,000-tap batch costs a handful of round trips, not thousands.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from pydantic import ValidationError

from api.attendance.models import Tap, TapMethod, TapStatus
from api.attendance.schemas import BatchOut, ItemError, TapResult
from api.errors import validation_fields
from api.registration.card_profile import response_is_valid
from api.registration.models import Card, CardStatus, Technician
from api.sites.models import Site
from api.timeutil import JST

FUTURE_TOLERANCE = timedelta(minutes=5)  # device clocks drift; beyond this the clock is wrong, not the worker early
MAX_AGE = timedelta(days=35)  # an offline reader may upload late, but not after the direct-input deadline has passed


@dataclass
class Candidate:
    index: int
    client_key: str
    source_key: str
    site: Site
    technician_code: str
    method: TapMethod
    device_time: datetime
    device_id: int | None = None
    api_client_id: int | None = None
    device_seq: int | None = None
    card_serial: str | None = None
    challenge: str | None = None
    response: str | None = None
    direction: str | None = None
    trade: str | None = None
    position: str | None = None
    work_content: str | None = None


def work_date(at: datetime, cutoff_hour: int):
    """The Japan-time work day: hours before the site's cutoff belong to the previous day (night shifts)."""
    return (at.astimezone(JST) - timedelta(hours=cutoff_hour)).date()


def parse_items(items: list[dict[str, Any]], model) -> tuple[list[tuple[int, Any]], list[ItemError]]:
    good, errors = [], []
    for i, raw in enumerate(items):
        try:
            good.append((i, model.model_validate(raw)))
        except ValidationError as exc:
            f = validation_fields(exc)[0]
            errors.append(ItemError(index=i, error="invalid_tap", message=f"{f['field']}: {f['message']}"))
    return good, errors


async def ingest(*, candidates: list[Candidate], master_keys: Mapping[int, bytes],
                 received_at: datetime) -> list[TapResult]:
    known, cards, techs, used, in_tree = await _lookups(candidates)
    results, rows = [], []
    for c in candidates:
        if c.source_key in known:
            results.append(TapResult(index=c.index, idempotency_key=c.client_key, status="duplicate"))
            continue
        known.add(c.source_key)
        tech = techs.get(c.technician_code)
        card = cards.get(c.card_serial) if c.card_serial else None
        day = work_date(c.device_time, c.site.cutoff_hour)
        # A wrong device clock first (it explains everything after it), then the card checks of
        # docs/card-profile.md §8, then the site's accumulation window.
        reason = _clock_reason(c, received_at) or (
            _card_reason(c, card, tech, day, used, master_keys) if c.method is TapMethod.card
            else None if tech is not None else "unknown_technician"
        ) or (None if c.site.window_start <= day <= c.site.window_end else "outside_window")
        if reason is None and tech is not None and tech.technician_id is None:
            reason = "technician_not_registered"
        if reason is not None:
            status = TapStatus.rejected
        elif tech.employer_id is None or tech.employer_id not in in_tree[c.site.id]:  # type: ignore
            status = TapStatus.pending
        else:
            status = TapStatus.accepted
        if c.challenge:
            used.add((c.card_serial, c.challenge))
        rows.append(dict(
            source_key=c.source_key, site_id=c.site.id, device_id=c.device_id, api_client_id=c.api_client_id,
            technician_id=tech.id if tech else None, technician_code=c.technician_code,
            employer_id=tech.employer_id if tech else None, method=c.method.value, direction=c.direction,  # type: ignore
            card_serial=c.card_serial,
            # A replayed challenge is stored without it: the pair stays unique and the reject is still on record.
            challenge=None if reason == "replayed_challenge" else c.challenge,
            device_time=c.device_time, device_seq=c.device_seq, received_at=received_at, work_date=day,
            status=status.value, reject_reason=reason, trade=c.trade, position=c.position, work_content=c.work_content,
        ))
        results.append(TapResult(index=c.index, idempotency_key=c.client_key, status=status.value, reject_reason=reason))
    if rows:
        await _insert(rows)
    return results


async def _lookups(candidates: list[Candidate]):
    """Everything the checks need for a batch, in five plain queries whatever its size.

    Hand-written SQL rather than ORM queries: building the ORM's queries cost more CPU than running them (about
    3 ms of a single tap's 7, bench/tap_ingest.py); rows become model instances through the ORM's own converter."""
    from tortoise import connections

    from api import sql

    conn = connections.get("default")
    keys = [c.source_key for c in candidates]
    serials = sorted({c.card_serial for c in candidates if c.card_serial})
    codes = sorted({c.technician_code for c in candidates})
    site_pks = sorted({c.site.id for c in candidates})
    known = {r["source_key"] for r in await sql.fetch(
        conn, f"SELECT source_key FROM tap WHERE source_key IN ({sql.marks(keys)})", keys)}
    # Exactly the batch's (serial, challenge) pairs: "serial IN (…) AND challenge IN (…)" made PostgreSQL plan the
    # cross product as a sequential scan of the whole tap table (64 ms a batch at 200,000 taps, growing with it);
    # a VALUES list is one index probe per pair on both back ends.
    pairs = sorted({(c.card_serial, c.challenge) for c in candidates if c.card_serial and c.challenge})
    used = {(r["card_serial"], r["challenge"]) for r in await sql.fetch(
        conn, "SELECT card_serial, challenge FROM tap WHERE (card_serial, challenge) IN (VALUES "
              + ", ".join("(?, ?)" for _ in pairs) + ")", [v for pair in pairs for v in pair])} if pairs else set()
    cards = {r["serial"]: Card._init_from_db(**r) for r in await sql.fetch(
        conn, f"SELECT * FROM card WHERE serial IN ({sql.marks(serials)})", serials)} if serials else {}
    techs = {r["technician_id"]: Technician._init_from_db(**r) for r in await sql.fetch(
        conn, f"SELECT * FROM technician WHERE technician_id IN ({sql.marks(codes)})", codes)}
    in_tree: dict[int, set[int]] = {pk: set() for pk in site_pks}
    for r in await sql.fetch(conn, f"SELECT site_id, business_id FROM site_contract WHERE status = 'approved' "
                                   f"AND site_id IN ({sql.marks(site_pks)})", site_pks):
        in_tree[int(r["site_id"])].add(int(r["business_id"]))
    return known, cards, techs, used, in_tree


_COLUMNS = [("source_key", "text"), ("site_id", "bigint"), ("device_id", "bigint"), ("api_client_id", "bigint"),
            ("technician_id", "bigint"), ("technician_code", "text"), ("employer_id", "bigint"), ("method", "text"),
            ("direction", "text"), ("card_serial", "text"), ("challenge", "text"), ("device_time", "timestamptz"),
            ("device_seq", "bigint"), ("received_at", "timestamptz"), ("work_date", "date"), ("status", "text"),
            ("reject_reason", "text"), ("trade", "text"), ("position", "text"), ("work_content", "text")]
_UNNEST_INSERT = "INSERT INTO tap ({}) SELECT * FROM unnest({})".format(
    ", ".join(c for c, _ in _COLUMNS), ", ".join(f"${i}::{t}[]" for i, (_, t) in enumerate(_COLUMNS, start=1)))


async def _insert(rows: list[dict[str, Any]]) -> None:
    """One INSERT … SELECT FROM unnest(arrays) on PostgreSQL: a whole batch in one statement and one round trip,
    without building an ORM object per row (that was most of the time of a 1,000-tap batch). The embedded SQLite
    default keeps the ORM's bulk insert."""
    from api import db

    if db.dialect() != "postgres":
        await Tap.bulk_create([Tap(**row) for row in rows], batch_size=1000)
        return
    from tortoise import connections

    columns = [[row[name] for row in rows] for name, _ in _COLUMNS]
    await connections.get("default").execute_query(_UNNEST_INSERT, columns)


def _card_reason(c: Candidate, card: Card | None, tech: Technician | None, day, used,
                 master_keys: Mapping[int, bytes]) -> str | None:
    """docs/card-profile.md §8, in order; the first failing check decides."""
    if card is None:
        return "unknown_card"
    if card.status is not CardStatus.active:
        return "card_revoked"
    if tech is None or card.technician_id != tech.id:  # type: ignore[attr-defined]
        return "technician_mismatch"
    if not card.issued_on <= day <= card.valid_until:
        return "card_expired"
    if (c.card_serial, c.challenge) in used:
        return "replayed_challenge"
    if card.key_version not in master_keys:  # a version whose key the server no longer (or not yet) holds
        return "unknown_key_version"
    if not response_is_valid(master_key=master_keys[card.key_version], serial=bytes.fromhex(card.serial),
                             key_version=card.key_version, challenge=bytes.fromhex(c.challenge or ""),
                             response=bytes.fromhex(c.response or "")):
        return "bad_card_response"
    return None


def _clock_reason(c: Candidate, received_at: datetime) -> str | None:
    if c.device_time > received_at + FUTURE_TOLERANCE:
        return "device_time_in_future"
    if c.device_time < received_at - MAX_AGE:
        return "device_time_too_old"
    return None


def batch_out(results: list[TapResult], errors: list[ItemError]) -> BatchOut:
    return BatchOut(results=sorted(results, key=lambda r: r.index), errors=errors)


async def release_pending(*, site_id: int, business_id: int) -> int:
    """Pending taps of this employer on this site become accepted once it has joined the contract tree."""
    return await Tap.filter(site_id=site_id, employer_id=business_id, status=TapStatus.pending).update(
        status=TapStatus.accepted)
