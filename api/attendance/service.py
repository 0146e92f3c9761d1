"""Tap ingest: every tap is checked and stored once (idempotency key per sender), rejected taps with their reason.

A batch is handled set-wise: one query each for known keys, cards, technicians, replayed challenges and the contract
tree, then one bulk insert, so a 1,000-tap batch costs a handful of round trips, not thousands.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from pydantic import ValidationError

from api.attendance.models import Tap, TapMethod, TapStatus
from api.attendance.schemas import BatchOut, ItemError, TapResult
from api.cards.models import Card, CardStatus
from api.cards.profile import response_is_valid
from api.errors import validation_fields
from api.registration.models import Technician
from api.sites.models import Site
from api.timeutil import JST

FUTURE_TOLERANCE = timedelta(minutes=5)  # device clocks drift; beyond this the clock is wrong, not the worker early


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


def work_date(at: datetime):
    """The Japan-time date of a moment. A tap keeps its own date; the fold decides which shift (and so which work
    day) it belongs to: a night shift's exit after midnight joins the record of the day of its entry."""
    return at.astimezone(JST).date()


def upload_deadline(day: date) -> date:
    """An offline reader or a private system may upload a tap until the direct-input deadline of its day: the end
    of the following month, Japan time."""
    from api.workrecords.direct import deadline

    return deadline(day)


def fingerprint(c: Candidate) -> str:
    """What makes a tap this tap: a re-sent idempotency key is the stored tap only when all of this is the same."""
    parts = (
        c.method.value,
        c.site.id,
        c.technician_code,
        c.card_serial,
        c.challenge,
        c.response,
        c.device_time.astimezone(UTC).isoformat(),
        c.device_seq,
        c.direction,
        c.trade,
        c.position,
        c.work_content,
    )
    return hashlib.sha256(json.dumps(parts, default=str).encode()).hexdigest()


def parse_items(items: list[dict[str, Any]], model) -> tuple[list[tuple[int, Any]], list[ItemError]]:
    good, errors = [], []
    for i, raw in enumerate(items):
        try:
            good.append((i, model.model_validate(raw)))
        except ValidationError as exc:
            f = validation_fields(exc)[0]
            errors.append(ItemError(index=i, error="invalid_tap", message=f"{f['field']}: {f['message']}"))
    return good, errors


async def ingest(
    *, candidates: list[Candidate], master_keys: Mapping[int, bytes], received_at: datetime
) -> tuple[list[TapResult], list[ItemError]]:
    """Check and store a batch. Each tap is stored once, whoever sends it and however often (INSERT … ON CONFLICT DO
    NOTHING): a tap already stored — by an earlier upload or by a batch racing this one — is answered with the stored
    tap's verdict and `duplicate: true`. A re-sent key whose content differs is not that tap: it is refused
    (`idempotency_key_reused`), never taken for the stored one. A tap past its upload deadline is refused, naming it."""
    stored, cards, techs, used, in_tree = await _lookups(candidates)
    results: dict[int, TapResult] = {}
    errors: list[ItemError] = []
    fresh: dict[str, tuple[Candidate, str, dict]] = {}  # source_key → the first new tap with that key in this batch
    repeats: list[tuple[Candidate, str]] = []
    for c in candidates:
        fp = fingerprint(c)
        if c.source_key in fresh:  # the same key twice in this batch: answered once the first is settled
            repeats.append((c, fp))
            continue
        if (seen := stored.get(c.source_key)) is not None:
            _answer_stored(c, fp, seen, results, errors)
            continue
        day = work_date(c.device_time)
        if (last := upload_deadline(day)) < received_at.astimezone(JST).date():
            errors.append(
                ItemError(
                    index=c.index,
                    error="past_upload_deadline",
                    deadline=last,
                    message=f"この就業日 ({day}) の送信期限 {last} を過ぎています。直接入力もできません。",
                )
            )
            continue
        row = _row(
            c,
            fp,
            day,
            cards=cards,
            techs=techs,
            used=used,
            in_tree=in_tree,
            master_keys=master_keys,
            received_at=received_at,
        )
        fresh[c.source_key] = (c, fp, row)
        results[c.index] = TapResult(
            index=c.index,
            idempotency_key=c.client_key,
            status=row["status"],
            duplicate=False,
            reject_reason=row["reject_reason"],
        )
    lost = await _insert([row for _, _, row in fresh.values()]) if fresh else set()
    if lost:
        await _settle_lost([fresh[k] for k in lost], results, errors)
    for c, fp in repeats:
        first = results.get(fresh[c.source_key][0].index)
        seen = (
            {"status": first.status, "reject_reason": first.reject_reason, "fingerprint": fresh[c.source_key][1]}
            if first
            else {"status": "rejected", "reject_reason": None, "fingerprint": None}
        )
        if first is None:  # the first was refused as a reused key: so is this one
            _answer_stored(c, "", {**seen, "fingerprint": "-"}, results, errors)
        else:
            _answer_stored(c, fp, seen, results, errors)
    return [results[i] for i in sorted(results)], sorted(errors, key=lambda e: e.index)


def _answer_stored(c: Candidate, fp: str, seen: dict, results: dict[int, TapResult], errors: list[ItemError]) -> None:
    if seen["fingerprint"] is not None and seen["fingerprint"] != fp:
        results.pop(c.index, None)
        errors.append(
            ItemError(
                index=c.index,
                error="idempotency_key_reused",
                message="この送信キーは内容の異なる別のタッチに使われています。新しいキーで送信してください。",
            )
        )
        return
    results[c.index] = TapResult(
        index=c.index,
        idempotency_key=c.client_key,
        status=seen["status"],
        duplicate=True,
        reject_reason=seen["reject_reason"],
    )


def _row(
    c: Candidate,
    fp: str,
    day: date,
    *,
    cards,
    techs,
    used,
    in_tree,
    master_keys: Mapping[int, bytes],
    received_at: datetime,
) -> dict:
    tech = techs.get(c.technician_code)
    card = cards.get(c.card_serial) if c.card_serial else None
    # A wrong device clock first (it explains everything after it), then the card checks of
    # docs/card-profile.md §8, then the site's accumulation window.
    reason = (
        _clock_reason(c, received_at)
        or (
            _card_reason(c, card, tech, day, used, master_keys)
            if c.method is TapMethod.card
            else None
            if tech is not None
            else "unknown_technician"
        )
        or (None if c.site.window_start <= day <= c.site.window_end else "outside_window")
    )
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
    return dict(
        source_key=c.source_key,
        site_id=c.site.id,
        device_id=c.device_id,
        api_client_id=c.api_client_id,
        technician_id=tech.id if tech else None,
        technician_code=c.technician_code,
        employer_id=tech.employer_id if tech else None,
        method=c.method.value,
        direction=c.direction,  # type: ignore
        card_serial=c.card_serial,
        # A replayed challenge is stored without it: the pair stays unique and the reject is still on record.
        challenge=None if reason == "replayed_challenge" else c.challenge,
        device_time=c.device_time.astimezone(UTC),
        device_seq=c.device_seq,
        received_at=received_at,
        work_date=day,
        status=status.value,
        reject_reason=reason,
        trade=c.trade,
        position=c.position,
        work_content=c.work_content,
        fingerprint=fp,
    )


async def _settle_lost(
    lost: list[tuple[Candidate, str, dict]], results: dict[int, TapResult], errors: list[ItemError]
) -> None:
    """Taps whose insert hit a unique key. Either another request stored the same idempotency key first (answer with
    what it stored), or the card's (serial, challenge) was stored first under another key: this tap replays it, and
    is stored rejected as such."""
    from tortoise import connections

    stored = await _stored(connections.get("default"), [row["source_key"] for _, _, row in lost])
    replays = []
    for c, fp, row in lost:
        if row["source_key"] in stored:
            _answer_stored(c, fp, stored[row["source_key"]], results, errors)
        else:
            replays.append(
                (
                    c,
                    fp,
                    {
                        **row,
                        "challenge": None,
                        "status": TapStatus.rejected.value,
                        "reject_reason": "replayed_challenge",
                    },
                )
            )
            results[c.index] = TapResult(
                index=c.index,
                idempotency_key=c.client_key,
                status="rejected",
                duplicate=False,
                reject_reason="replayed_challenge",
            )
    if replays and (again := await _insert([row for _, _, row in replays])):
        await _settle_lost([r for r in replays if r[2]["source_key"] in again], results, errors)


async def _stored(conn, keys: list[str]) -> dict[str, dict]:
    from api import sql

    if not keys:
        return {}
    return {
        r["source_key"]: {"status": r["status"], "reject_reason": r["reject_reason"], "fingerprint": r["fingerprint"]}
        for r in await sql.fetch(
            conn,
            f"SELECT source_key, status, reject_reason, fingerprint FROM tap WHERE source_key IN ({sql.marks(keys)})",
            keys,
        )
    }


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
    known = await _stored(conn, keys)
    # Exactly the batch's (serial, challenge) pairs: "serial IN (…) AND challenge IN (…)" made PostgreSQL plan the
    # cross product as a sequential scan of the whole tap table (64 ms a batch at 200,000 taps, growing with it);
    # a VALUES list is one index probe per pair on both back ends.
    pairs = sorted({(c.card_serial, c.challenge) for c in candidates if c.card_serial and c.challenge})
    used = (
        {
            (r["card_serial"], r["challenge"])
            for r in await sql.fetch(
                conn,
                "SELECT card_serial, challenge FROM tap WHERE (card_serial, challenge) IN (VALUES "
                + ", ".join("(?, ?)" for _ in pairs)
                + ")",
                [v for pair in pairs for v in pair],
            )
        }
        if pairs
        else set()
    )
    cards = (
        {
            r["serial"]: Card._init_from_db(**r)
            for r in await sql.fetch(conn, f"SELECT * FROM card WHERE serial IN ({sql.marks(serials)})", serials)
        }
        if serials
        else {}
    )
    techs = {
        r["technician_id"]: Technician._init_from_db(**r)
        for r in await sql.fetch(conn, f"SELECT * FROM technician WHERE technician_id IN ({sql.marks(codes)})", codes)
    }
    in_tree: dict[int, set[int]] = {pk: set() for pk in site_pks}
    for r in await sql.fetch(
        conn,
        f"SELECT site_id, business_id FROM site_contract WHERE status = 'approved' "
        f"AND site_id IN ({sql.marks(site_pks)})",
        site_pks,
    ):
        in_tree[int(r["site_id"])].add(int(r["business_id"]))
    return known, cards, techs, used, in_tree


_COLUMNS = [
    ("source_key", "text"),
    ("site_id", "bigint"),
    ("device_id", "bigint"),
    ("api_client_id", "bigint"),
    ("technician_id", "bigint"),
    ("technician_code", "text"),
    ("employer_id", "bigint"),
    ("method", "text"),
    ("direction", "text"),
    ("card_serial", "text"),
    ("challenge", "text"),
    ("device_time", "timestamptz"),
    ("device_seq", "bigint"),
    ("received_at", "timestamptz"),
    ("work_date", "date"),
    ("status", "text"),
    ("reject_reason", "text"),
    ("trade", "text"),
    ("position", "text"),
    ("work_content", "text"),
    ("fingerprint", "text"),
]
_NAMES = ", ".join(c for c, _ in _COLUMNS)
# One statement: the taps, and the dirty marks of the (site, date)s that got accepted taps, so the fold sees every
# committed tap (docs/workrecords.md). Marks in (site, date) order, the order the fold locks them in.
_UNNEST_INSERT = f"""
WITH ins AS (
  INSERT INTO tap ({_NAMES}) SELECT * FROM unnest({", ".join(f"${i}::{t}[]" for i, (_, t) in enumerate(_COLUMNS, 1))})
  ON CONFLICT DO NOTHING RETURNING source_key, site_id, work_date, status
), marks AS (
  INSERT INTO fold_dirty (site_id, work_date, version)
  SELECT DISTINCT site_id, work_date, 1 FROM ins WHERE status = 'accepted' ORDER BY site_id, work_date
  ON CONFLICT (site_id, work_date) DO UPDATE SET version = fold_dirty.version + 1
)
SELECT source_key FROM ins"""


async def _insert(rows: list[dict[str, Any]]) -> set[str]:
    """Store the rows that no unique key refuses; return the source keys of those it did refuse.

    PostgreSQL: one INSERT … SELECT FROM unnest(arrays) — a whole batch in one statement and one round trip, without
    an ORM object per row. SQLite (the embedded default): multi-row INSERT … RETURNING and the marks, in one
    transaction."""
    from tortoise import connections
    from tortoise.transactions import in_transaction

    from api import db, sql
    from api.workrecords.service import mark_dirty

    if db.dialect() == "postgres":
        columns = [[row[name] for row in rows] for name, _ in _COLUMNS]
        _, got = await connections.get("default").execute_query(_UNNEST_INSERT, columns)
        inserted = {r["source_key"] for r in got}
        return {row["source_key"] for row in rows} - inserted
    inserted = set()
    async with in_transaction("default") as conn:
        for i in range(0, len(rows), 500):
            part = rows[i : i + 500]
            got = await sql.fetch(
                conn,
                f"INSERT INTO tap ({_NAMES}) VALUES "
                + ", ".join("(" + ", ".join("?" * len(_COLUMNS)) + ")" for _ in part)
                + " ON CONFLICT DO NOTHING RETURNING source_key",
                [row[name] for row in part for name, _ in _COLUMNS],
            )
            inserted |= {r["source_key"] for r in got}
        await mark_dirty(
            conn,
            [
                (row["site_id"], row["work_date"])
                for row in rows
                if row["source_key"] in inserted and row["status"] == "accepted"
            ],
        )
    return {row["source_key"] for row in rows} - inserted


def _card_reason(
    c: Candidate, card: Card | None, tech: Technician | None, day, used, master_keys: Mapping[int, bytes]
) -> str | None:
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
    if not response_is_valid(
        master_key=master_keys[card.key_version],
        serial=bytes.fromhex(card.serial),
        key_version=card.key_version,
        challenge=bytes.fromhex(c.challenge or ""),
        response=bytes.fromhex(c.response or ""),
    ):
        return "bad_card_response"
    return None


def _clock_reason(c: Candidate, received_at: datetime) -> str | None:
    if c.device_time > received_at + FUTURE_TOLERANCE:
        return "device_time_in_future"
    return None


def batch_out(results: list[TapResult], errors: list[ItemError]) -> BatchOut:
    return BatchOut(results=sorted(results, key=lambda r: r.index), errors=sorted(errors, key=lambda e: e.index))


async def release_pending(*, site_id: int, business_id: int) -> int:
    """Pending taps of this employer on this site become accepted once it has joined the contract tree."""
    return await Tap.filter(site_id=site_id, employer_id=business_id, status=TapStatus.pending).update(
        status=TapStatus.accepted
    )
