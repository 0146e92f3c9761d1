"""Tap ingest: every tap is checked and stored once (idempotency key per sender), rejected taps with their reason.

A batch is handled set-wise: on PostgreSQL one statement reads everything the checks need (known keys, cards,
technicians, replayed challenges, the contract tree) and one statement stores the batch, on one connection taken from
the pool once, so a 1,000-tap batch costs two round trips (bench/tap_ingest.py, bench/README.md). Every check is still
made per tap, in Python, from those rows.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from contextlib import nullcontext
from dataclasses import dataclass
from datetime import date, datetime, timedelta, UTC
from functools import lru_cache
from typing import Any, NamedTuple

from pydantic import TypeAdapter, ValidationError

from api.attendance import virtual_card
from api.attendance.models import Tap, TapMethod, TapStatus
from api.attendance.schemas import BatchOut, ItemError, TapResult
from api.cards.models import CardStatus
from api.cards.profile import response_is_valid
from api.errors import Conflict, Unprocessable, validation_fields
from api.sites.access import TREE_LOCK, tree_key
from api.sites.models import Site
from api.sites.training import accepts_without_tree
from api.timeutil import JST, end_of_next_month

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
    vcode: virtual_card.Code | None = None  # a virtual card's code (method virtual_card)


def work_date(at: datetime):
    """The Japan-time date of a moment. A tap keeps its own date; the fold decides which shift (and so which work
    day) it belongs to: a night shift's exit after midnight joins the record of the day of its entry."""
    return at.astimezone(JST).date()


@lru_cache(maxsize=512)
def upload_deadline(day: date) -> date:
    """An offline reader or a private system may upload a tap until the end of the month after its day (Japan
    time), the same deadline as direct input's (api/workrecords/direct.deadline asks this function)."""
    return end_of_next_month(day)


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
    return hashlib.sha256(_FP_JSON.encode(parts).encode()).hexdigest()


# json.dumps(parts, default=str) builds a new encoder at every call (a sixth of a batch's CPU): one encoder, the same
# text, so fingerprints of taps stored before still match.
_FP_JSON = json.JSONEncoder(default=str)


def parse_items(items: list[dict[str, Any]], model) -> tuple[list[tuple[int, Any]], list[ItemError]]:
    """Each item validated on its own model, so one bad tap is refused with its index. The whole list in one call
    first (a fifth less CPU than a call per item); only a batch with a bad item is gone through item by item."""
    try:
        return list(enumerate(_list_adapter(model).validate_python(items))), []
    except ValidationError:
        pass
    good, errors = [], []
    for i, raw in enumerate(items):
        try:
            good.append((i, model.model_validate(raw)))
        except ValidationError as exc:
            f = validation_fields(exc)[0]
            errors.append(ItemError(index=i, error="invalid_tap", message=f"{f['field']}: {f['message']}"))
    return good, errors


@lru_cache(maxsize=8)
def _list_adapter(model) -> TypeAdapter:
    return TypeAdapter(list[model])


async def ingest(
    *, candidates: list[Candidate], master_keys: Mapping[int, bytes], received_at: datetime
) -> tuple[list[TapResult], list[ItemError]]:
    """Check and store a batch. Each tap is stored once, whoever sends it and however often (INSERT … ON CONFLICT DO
    NOTHING): a tap already stored — by an earlier upload or by a batch racing this one — is answered with the stored
    tap's verdict and `duplicate: true`. A re-sent key whose content differs is not that tap: it is refused
    (`idempotency_key_reused`), never taken for the stored one. A tap past its upload deadline is refused, naming it."""
    from tortoise import connections

    client = connections.get("default")
    if client.capabilities.dialect == "postgres":
        # One connection for the whole batch (in a transaction: the transaction's own): every pool checkout costs a
        # reset round trip on its return.
        async with client.acquire_connection() as con:
            return await _ingest(_Pg(con), candidates, master_keys, received_at)
    return await _ingest(_Lite(), candidates, master_keys, received_at)


async def _ingest(
    store: _Pg | _Lite, candidates: list[Candidate], master_keys: Mapping[int, bytes], received_at: datetime
) -> tuple[list[TapResult], list[ItemError]]:
    stored, cards, techs, used, in_tree = await store.lookups(candidates)
    phone_keys = await phone_keys_of([t.id for t in techs.values()]) if any(c.vcode for c in candidates) else {}
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
            phone_keys=phone_keys,
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
    rows = [row for _, _, row in fresh.values()]
    # A tap held pending (its employer not in the tree) is checked against the tree again under the tree's lock,
    # at the insert: a firm that joined since the lookups counts it now; one joining later waits for it and its
    # release job finds it (api/sites/access.py TREE_LOCK). Taps that are not pending need neither.
    held = sorted({row["site_id"] for row in rows if row["status"] == TapStatus.pending.value})
    lost = await store.insert(rows, recheck=held) if fresh else set()
    for c, _, row in fresh.values():
        results[c.index].status = row["status"]
    if lost:
        await _settle_lost(store, [fresh[k] for k in lost], results, errors)
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
    phone_keys: Mapping[int, dict[str, str]],
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
            else _virtual_reason(c, card, tech, day, used, phone_keys)
            if c.method is TapMethod.virtual_card
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
    elif not accepts_without_tree(c.site) and (
        tech.employer_id is None or tech.employer_id not in in_tree[c.site.id]  # type: ignore
    ):
        status = TapStatus.pending
    else:
        status = TapStatus.accepted
    # A virtual card's code is spent only when it is genuine and for this site: a forged or misdirected copy must not
    # use up the real code's one use (a card's challenge is spent by any tap that carries it, as before).
    spent = c.method is not TapMethod.virtual_card or reason in (None, "outside_window", "technician_not_registered")
    if c.challenge and spent:
        used.add((c.card_serial, c.challenge))
    return {
        "source_key": c.source_key,
        "site_id": c.site.id,
        "device_id": c.device_id,
        "api_client_id": c.api_client_id,
        "technician_id": tech.id if tech else None,
        "technician_code": c.technician_code,
        "employer_id": tech.employer_id if tech else None,
        "method": c.method.value,
        "direction": c.direction,  # type: ignore
        "card_serial": c.card_serial,
        # A replayed challenge is stored without it: the pair stays unique and the reject is still on record.
        "challenge": None if reason in _REPLAYED or not spent else c.challenge,
        "device_time": c.device_time.astimezone(UTC),
        "device_seq": c.device_seq,
        "received_at": received_at,
        "work_date": day,
        "status": status.value,
        "reject_reason": reason,
        "trade": c.trade,
        "position": c.position,
        "work_content": c.work_content,
        "fingerprint": fp,
    }


async def _settle_lost(
    store: _Pg | _Lite, lost: list[tuple[Candidate, str, dict]], results: dict[int, TapResult], errors: list[ItemError]
) -> None:
    """Taps whose insert hit a unique key. Either another request stored the same idempotency key first (answer with
    what it stored), or the card's (serial, challenge) was stored first under another key: this tap replays it, and
    is stored rejected as such."""
    stored = await store.stored([row["source_key"] for _, _, row in lost])
    replays = []
    for c, fp, row in lost:
        if row["source_key"] in stored:
            _answer_stored(c, fp, stored[row["source_key"]], results, errors)
        else:
            why = "virtual_card_replayed" if c.method is TapMethod.virtual_card else "replayed_challenge"
            replays.append(
                (
                    c,
                    fp,
                    {
                        **row,
                        "challenge": None,
                        "status": TapStatus.rejected.value,
                        "reject_reason": why,
                    },
                )
            )
            results[c.index] = TapResult(
                index=c.index,
                idempotency_key=c.client_key,
                status="rejected",
                duplicate=False,
                reject_reason=why,
            )
    if replays and (again := await store.insert([row for _, _, row in replays])):
        await _settle_lost(store, [r for r in replays if r[2]["source_key"] in again], results, errors)


class CardRow(NamedTuple):
    """What the checks read of a card (docs/card-profile.md §8): a tuple, not an ORM instance per card."""

    serial: str
    status: str
    technician_id: int
    issued_on: date
    valid_until: date
    key_version: int


class TechRow(NamedTuple):
    technician_id: str  # the CCUS ID the tap names
    id: int
    employer_id: int | None


_Lookups = tuple[dict[str, dict], dict[str, CardRow], dict[str, TechRow], set[tuple[str, str]], dict[int, set[int]]]


def _lookup_args(
    candidates: list[Candidate],
) -> tuple[list[str], list[tuple[str, str]], list[str], list[str], list[int]]:
    keys = [c.source_key for c in candidates]
    # Exactly the batch's (serial, challenge) pairs: "serial IN (…) AND challenge IN (…)" made PostgreSQL plan the
    # cross product as a sequential scan of the whole tap table; a list of pairs is one index probe per pair.
    pairs = sorted({(c.card_serial, c.challenge) for c in candidates if c.card_serial and c.challenge})
    serials = sorted({c.card_serial for c in candidates if c.card_serial})
    codes = sorted({c.technician_code for c in candidates})
    site_pks = sorted({c.site.id for c in candidates})
    return keys, pairs, serials, codes, site_pks  # type: ignore[return-value]


# Everything the checks of a batch need, in one statement and one round trip: each part an array of rows, decoded
# by asyncpg without a dict or a model instance per row. Arrays as parameters, so the text is the same whatever the
# batch size and asyncpg's statement cache keeps it prepared.
_PG_LOOKUPS = """
SELECT
  ARRAY(SELECT ROW(source_key, status, reject_reason, fingerprint) FROM tap WHERE source_key = ANY($1::text[]))
    AS stored,
  ARRAY(SELECT ROW(t.card_serial, t.challenge) FROM unnest($2::text[], $3::text[]) AS u(serial, challenge)
        JOIN tap t ON t.card_serial = u.serial AND t.challenge = u.challenge) AS used,
  ARRAY(SELECT ROW(serial, status, technician_id, issued_on, valid_until, key_version) FROM card
        WHERE serial = ANY($4::text[])) AS cards,
  ARRAY(SELECT ROW(technician_id, id, employer_id) FROM technician WHERE technician_id = ANY($5::text[])) AS techs,
  ARRAY(SELECT ROW(site_id, business_id) FROM site_contract WHERE status = 'approved' AND site_id = ANY($6::bigint[]))
    AS tree"""
_PG_STORED = "SELECT source_key, status, reject_reason, fingerprint FROM tap WHERE source_key = ANY($1::text[])"
_PG_TREE = "SELECT site_id, business_id FROM site_contract WHERE status = 'approved' AND site_id = ANY($1::bigint[])"


def _release_joined(rows: list[dict[str, Any]], in_tree: set[tuple[int, int]]) -> None:
    """Pending taps whose employer is in the tree as read again under its lock are accepted."""
    for row in rows:
        if row["status"] == TapStatus.pending.value and (row["site_id"], row["employer_id"]) in in_tree:
            row["status"] = TapStatus.accepted.value


def _seen(status: str, reject_reason: str | None, fingerprint: str | None) -> dict:
    return {"status": status, "reject_reason": reject_reason, "fingerprint": fingerprint}


class _Pg:
    """PostgreSQL: the batch's statements on one raw asyncpg connection (a pool checkout, or the transaction's)."""

    def __init__(self, con) -> None:
        self.con = con

    async def lookups(self, candidates: list[Candidate]) -> _Lookups:
        keys, pairs, serials, codes, site_pks = _lookup_args(candidates)
        r = await self.con.fetchrow(
            _PG_LOOKUPS, keys, [s for s, _ in pairs], [ch for _, ch in pairs], serials, codes, site_pks
        )
        in_tree: dict[int, set[int]] = {pk: set() for pk in site_pks}
        for site_id, business_id in r["tree"]:
            in_tree[site_id].add(business_id)
        return (
            {k: _seen(st, rr, fp) for k, st, rr, fp in r["stored"]},
            {row[0]: CardRow(*row) for row in r["cards"]},
            {row[0]: TechRow(*row) for row in r["techs"]},
            {(s, ch) for s, ch in r["used"]},
            in_tree,
        )

    async def stored(self, keys: list[str]) -> dict[str, dict]:
        return {r[0]: _seen(r[1], r[2], r[3]) for r in await self.con.fetch(_PG_STORED, keys)} if keys else {}

    async def insert(self, rows: list[dict[str, Any]], recheck: list[int] | None = None) -> set[str]:
        """Store the rows that no unique key refuses; return the source keys of those it did refuse. One INSERT …
        SELECT FROM unnest(arrays): the whole batch in one statement, its dirty marks in the same one. With pending
        taps on `recheck` (site ids): in a transaction, under the shared tree locks of those sites, their trees read
        again first."""
        if not recheck:
            return await self._insert(rows)
        # In the caller's transaction (a face or phone check-in), else in one of its own: the locks last to its end.
        async with nullcontext() if self.con.is_in_transaction() else self.con.transaction():
            for site_id in recheck:
                await self.con.execute("SELECT pg_advisory_xact_lock_shared($1, $2)", TREE_LOCK, tree_key(site_id))
            _release_joined(rows, {(r[0], r[1]) for r in await self.con.fetch(_PG_TREE, recheck)})
            return await self._insert(rows)

    async def _insert(self, rows: list[dict[str, Any]]) -> set[str]:
        columns = [[row[name] for row in rows] for name, _ in _COLUMNS]
        inserted = {r[0] for r in await self.con.fetch(_UNNEST_INSERT, *columns)}
        return {row["source_key"] for row in rows} - inserted


class _Lite:
    """SQLite, the embedded default: plain queries through tortoise (it need not be fast, only right)."""

    async def lookups(self, candidates: list[Candidate]) -> _Lookups:
        from tortoise import connections

        from api import sql

        conn = connections.get("default")
        keys, pairs, serials, codes, site_pks = _lookup_args(candidates)
        known = await self.stored(keys)
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
        cards = {
            r["serial"]: CardRow(
                r["serial"],
                r["status"],
                int(r["technician_id"]),
                sql.as_date(r["issued_on"]),
                sql.as_date(r["valid_until"]),
                int(r["key_version"]),
            )
            for r in await sql.fetch(
                conn,
                "SELECT serial, status, technician_id, issued_on, valid_until, key_version FROM card "
                f"WHERE serial IN ({sql.marks(serials)})",
                serials,
            )
        }
        techs = {
            r["technician_id"]: TechRow(
                r["technician_id"], int(r["id"]), None if r["employer_id"] is None else int(r["employer_id"])
            )
            for r in await sql.fetch(
                conn,
                f"SELECT technician_id, id, employer_id FROM technician WHERE technician_id IN ({sql.marks(codes)})",
                codes,
            )
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

    async def stored(self, keys: list[str]) -> dict[str, dict]:
        from tortoise import connections

        from api import sql

        if not keys:
            return {}
        out = {}
        for i in range(0, len(keys), 500):  # SQLite's limit on bound parameters
            part = keys[i : i + 500]
            for r in await sql.fetch(
                connections.get("default"),
                f"SELECT source_key, status, reject_reason, fingerprint FROM tap WHERE source_key IN ({sql.marks(part)})",
                part,
            ):
                out[r["source_key"]] = _seen(r["status"], r["reject_reason"], r["fingerprint"])
        return out

    async def insert(self, rows: list[dict[str, Any]], recheck: list[int] | None = None) -> set[str]:
        """Multi-row INSERT … RETURNING and the dirty marks, in one transaction; the trees of `recheck` (sites with
        pending taps) read again in it first (the transaction holds the one connection: no join commits meanwhile)."""
        from tortoise.transactions import in_transaction

        from api import sql
        from api.attendance.dirty import mark_dirty

        inserted = set()
        async with in_transaction("default") as conn:
            if recheck:
                tree = await sql.fetch(
                    conn,
                    f"SELECT site_id, business_id FROM site_contract WHERE status = 'approved' "
                    f"AND site_id IN ({sql.marks(recheck)})",
                    recheck,
                )
                _release_joined(rows, {(int(r["site_id"]), int(r["business_id"])) for r in tree})
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


def _card_state_reason(card: CardRow | None, tech: TechRow | None, day) -> str | None:
    if card is None:
        return "unknown_card"
    if card.status != CardStatus.active.value:
        return "card_revoked"
    if tech is None or card.technician_id != tech.id:
        return "technician_mismatch"
    if not card.issued_on <= day <= card.valid_until:
        return "card_expired"
    return None


def _virtual_reason(
    c: Candidate, card: CardRow | None, tech: TechRow | None, day, used, phone_keys: Mapping[int, dict[str, str]]
) -> str | None:
    """The card's own state first (a lost card's virtual card is refused like the card), then the code's checks
    (virtual_card.reason), then its one use per site."""
    assert c.vcode is not None
    if (r := _card_state_reason(card, tech, day)) is not None:
        return r
    assert tech is not None
    if (
        r := virtual_card.reason(
            c.vcode, site_id=c.site.site_id, read_at=c.device_time, keys=phone_keys.get(tech.id, {})
        )
    ) is not None:
        return r
    if (c.card_serial, c.challenge) in used:
        return "virtual_card_replayed"
    return None


async def phone_keys_of(technician_pks: list[int]) -> dict[int, dict[str, str]]:
    """The phone keys of these technicians (their accounts' keys, docs/phone.md): technician pk → key id → SPKI."""
    from tortoise import connections

    from api import sql

    pks = sorted(technician_pks)
    out: dict[int, dict[str, str]] = {}
    if not pks:
        return out
    for r in await sql.fetch(
        connections.get("default"),
        "SELECT a.technician_id, k.key_id, k.public_key FROM phone_device_key k JOIN account a ON a.id = k.account_id "
        f"WHERE a.technician_id IN ({sql.marks(pks)})",
        pks,
    ):
        out.setdefault(int(r["technician_id"]), {})[r["key_id"]] = r["public_key"]
    return out


_REPLAYED = ("replayed_challenge", "virtual_card_replayed")


def _card_reason(
    c: Candidate, card: CardRow | None, tech: TechRow | None, day, used, master_keys: Mapping[int, bytes]
) -> str | None:
    """docs/card-profile.md §8, in order; the first failing check decides."""
    if (r := _card_state_reason(card, tech, day)) is not None:
        return r
    assert card is not None  # _card_state_reason answers unknown_card otherwise
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


def single_result(out: BatchOut) -> TapResult:
    """A one-tap request's answer: its result, or its item error raised as the request's own (a reused idempotency
    key is a 409, anything else about the tap a 422)."""
    if out.errors:
        err = out.errors[0]
        if err.error == "idempotency_key_reused":
            raise Conflict(err.message, code=err.error)
        raise Unprocessable(err.message, code=err.error)
    return out.results[0]


def batch_out(results: list[TapResult], errors: list[ItemError]) -> BatchOut:
    return BatchOut(results=sorted(results, key=lambda r: r.index), errors=sorted(errors, key=lambda e: e.index))


async def release_pending(*, site_id: int, business_id: int) -> int:
    """Pending taps of this employer on this site become accepted once it has joined the contract tree."""
    return await Tap.filter(site_id=site_id, employer_id=business_id, status=TapStatus.pending).update(
        status=TapStatus.accepted
    )
