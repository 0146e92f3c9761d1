"""Durable SQLite outbox: taps, device credentials, the revoked-card list.

Durability rule: a tap is committed (WAL + synchronous=FULL, i.e. fsync'd) before the
daemon signals success, so a tap the technician heard beep survives SIGKILL or power loss.

Idempotency keys are ``{device_id}:{device_seq}``.  The counter lives in this database in
the same transaction as the tap, and the device credentials live here too: if the file is
lost, the device must re-enrol and gets a new device_id, so keys can never repeat (a
repeated key would be answered "duplicate" by the server and the new tap silently lost).

One ``Outbox`` object per thread (sqlite3 connections are not shared across threads);
SQLite's locking serialises writers, ``BEGIN IMMEDIATE`` makes check-then-insert atomic.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS taps (
    seq INTEGER PRIMARY KEY,              -- device_seq, from meta.next_seq, never reused
    idempotency_key TEXT NOT NULL UNIQUE,
    card_serial TEXT NOT NULL,
    recorded_at REAL NOT NULL,            -- unix time, for the debounce window
    payload TEXT NOT NULL,                -- the JSON object exactly as uploaded
    state TEXT NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'sent', 'dead')),
    server_status TEXT,                   -- accepted / pending / rejected; duplicate = an old server's "seen it"
    reject_reason TEXT,
    error TEXT,                           -- dead letters: the server's error for the tap
    sent_at REAL
);
CREATE INDEX IF NOT EXISTS taps_state ON taps (state, seq);
CREATE INDEX IF NOT EXISTS taps_serial ON taps (card_serial, recorded_at);
CREATE TABLE IF NOT EXISTS revoked (card_serial TEXT PRIMARY KEY);
"""


@dataclass(frozen=True)
class Device:
    device_id: str
    device_token: str
    site_id: str
    api_url: str


@dataclass(frozen=True)
class Recorded:
    idempotency_key: str
    device_seq: int
    duplicate: bool  # True: debounced, the key is that of the earlier tap
    server_status: str | None = None  # the earlier tap's verdict, once the server gave it
    reject_reason: str | None = None


@dataclass(frozen=True)
class RecentTap:
    """A tap of a card within the debounce window, with what identifies it: the challenge and the card's answer."""

    idempotency_key: str
    device_seq: int
    challenge: bytes
    response: bytes
    server_status: str | None
    reject_reason: str | None

    def as_recorded(self) -> Recorded:
        return Recorded(self.idempotency_key, self.device_seq, True, self.server_status, self.reject_reason)


class Outbox:
    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        # isolation_level=None: we issue BEGIN/COMMIT ourselves, so nothing is implicit.
        self.db = sqlite3.connect(path, timeout=30.0, isolation_level=None)
        self.db.execute("PRAGMA journal_mode=WAL")
        # FULL: fsync the WAL at every commit.  NORMAL would be faster but can lose the
        # last commits on power loss, i.e. taps that already beeped.
        self.db.execute("PRAGMA synchronous=FULL")
        self.db.execute("PRAGMA busy_timeout=30000")
        self.db.executescript(SCHEMA)

    def close(self) -> None:
        self.db.close()

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    # --- meta / credentials ------------------------------------------------------------
    def get_meta(self, key: str) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else None

    def set_meta(self, items: dict[str, str]) -> None:
        with self._tx() as db:
            db.executemany(
                "INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                items.items(),
            )

    def device(self) -> Device | None:
        values = [self.get_meta(k) for k in ("device_id", "device_token", "site_id", "api_url")]
        if any(v is None for v in values):
            return None
        return Device(*values)  # type: ignore[arg-type]

    def save_device(self, device: Device) -> None:
        self.set_meta(
            {
                "device_id": device.device_id,
                "device_token": device.device_token,
                "site_id": device.site_id,
                "api_url": device.api_url,
            }
        )

    # --- taps ----------------------------------------------------------------------------
    def recent_taps(self, serial: str, now: float, window: float, limit: int = 3) -> list[RecentTap]:
        """Taps of this card serial recorded within the debounce window, newest first.

        A serial alone does not identify a tap: a copied card has the genuine card's serial. The caller merges a new
        tap into one of these only if the card answers that tap's challenge with the same response (daemon.py)."""
        if window <= 0:
            return []
        rows = self.db.execute(
            "SELECT seq, idempotency_key, payload, server_status, reject_reason FROM taps WHERE card_serial = ? "
            "AND recorded_at > ? AND recorded_at <= ? ORDER BY recorded_at DESC, seq DESC LIMIT ?",
            (serial, now - window, now, limit),
        ).fetchall()
        out = []
        for seq, key, payload, status, reason in rows:
            tap = json.loads(payload)
            out.append(
                RecentTap(key, seq, bytes.fromhex(tap["challenge"]), bytes.fromhex(tap["response"]), status, reason)
            )
        return out

    def record(self, device_id: str, tap: dict, *, now: float) -> Recorded:
        """Append one tap; returns once it is on disk.

        ``tap`` holds the contract fields except idempotency_key and device_seq, which are
        allocated here inside the same transaction."""
        serial = tap["card_serial"]
        with self._tx() as db:
            row = db.execute("SELECT value FROM meta WHERE key = 'next_seq'").fetchone()
            seq = int(row[0]) if row else 1
            key = f"{device_id}:{seq}"
            payload = {"idempotency_key": key, **tap, "device_seq": seq}
            db.execute(
                "INSERT INTO taps (seq, idempotency_key, card_serial, recorded_at, payload) VALUES (?, ?, ?, ?, ?)",
                (seq, key, serial, now, json.dumps(payload)),
            )
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('next_seq', ?) ON CONFLICT (key) "
                "DO UPDATE SET value = excluded.value",
                (str(seq + 1),),
            )
        return Recorded(key, seq, duplicate=False)

    def pending(self, limit: int) -> list[dict]:
        rows = self.db.execute(
            "SELECT payload FROM taps WHERE state = 'pending' ORDER BY seq LIMIT ?", (limit,)
        ).fetchall()
        return [json.loads(r[0]) for r in rows]

    def apply_results(self, results: Iterable[tuple], errors: Iterable[tuple[str, str]]) -> None:
        """Server answers: (key, status, reject_reason, …) are delivered; (key, error) were not
        stored by the server and become dead letters (kept, not retried).

        For a re-sent tap the server answers the stored tap's verdict (``duplicate`` set); an
        old server answered the status "duplicate" instead, which is kept as "verdict unknown"
        and never overwrites a verdict already known."""
        now = time.time()
        with self._tx() as db:
            db.executemany(
                "UPDATE taps SET state = 'sent', server_status = CASE WHEN ? = 'duplicate' "
                "THEN coalesce(server_status, 'duplicate') ELSE ? END, reject_reason = ?,"
                " sent_at = ? WHERE idempotency_key = ? AND state = 'pending'",
                [(r[1], r[1], r[2], now, r[0]) for r in results],
            )
            db.executemany(
                "UPDATE taps SET state = 'dead', error = ? WHERE idempotency_key = ? AND state = 'pending'",
                [(err, key) for key, err in errors],
            )

    def prune_sent(self, older_than: float) -> int:
        """Forget delivered taps once they are older than any debounce window."""
        with self._tx() as db:
            return db.execute("DELETE FROM taps WHERE state = 'sent' AND recorded_at < ?", (older_than,)).rowcount

    def recent_verdicts(self, limit: int = 10) -> list[dict]:
        """The newest delivered taps with the server's verdict (for `status` and the gate display)."""
        rows = self.db.execute(
            "SELECT idempotency_key, payload, server_status, reject_reason FROM taps "
            "WHERE state = 'sent' ORDER BY seq DESC LIMIT ?",
            (limit,),
        ).fetchall()
        return [
            {
                "idempotency_key": key,
                "technician_id": json.loads(payload).get("technician_id"),
                "status": status,
                "reject_reason": reason,
            }
            for key, payload, status, reason in rows
        ]

    def counts(self) -> dict[str, int]:
        out = {"pending": 0, "sent": 0, "dead": 0}
        out.update(self.db.execute("SELECT state, count(*) FROM taps GROUP BY state").fetchall())
        return out

    # --- revocations -----------------------------------------------------------------------
    def is_revoked(self, serial: str) -> bool:
        return self.db.execute("SELECT 1 FROM revoked WHERE card_serial = ?", (serial,)).fetchone() is not None

    def revocations_version(self) -> int:
        return int(self.get_meta("revocations_version") or 0)

    def apply_revocations(self, version: int, serials: list[str], *, full: bool, since: int | None = None) -> bool:
        """A full list replaces ours; a delta adds to it (revocation is permanent: a card
        that is found again is re-issued with a new serial, never un-revoked).

        ``since``: the version the answer was asked for.  If ours moved meanwhile (the
        long-poll and the heartbeat sync both apply answers), the answer is stale and is
        dropped, so an older full list can never erase a newer revocation."""
        with self._tx() as db:
            if since is not None:
                row = db.execute("SELECT value FROM meta WHERE key = 'revocations_version'").fetchone()
                if int(row[0] if row else 0) != since:
                    return False
            if full:
                db.execute("DELETE FROM revoked")
            db.executemany("INSERT OR IGNORE INTO revoked (card_serial) VALUES (?)", [(s.lower(),) for s in serials])
            db.execute(
                "INSERT INTO meta (key, value) VALUES ('revocations_version', ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (str(version),),
            )
        return True

    def revoked_count(self) -> int:
        return self.db.execute("SELECT count(*) FROM revoked").fetchone()[0]
