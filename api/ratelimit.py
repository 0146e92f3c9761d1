"""Attempt limits shared by every API process: failed logins per login name and per client address, and plain rates
(card-face OCR, unavailable login names at registration).

Each decision is one atomic step, taken *before* the expensive or secret-revealing work (argon2, tesseract):

* `admit(key)` reserves an attempt only while `failures + attempts in flight < limit` and the key is not locked. A
  burst of 25 parallel guesses therefore gets at most `limit` password verifications; the others wait for those to
  finish and then meet the lock (429) — the check and the count can never interleave.
* `failed(key)` turns the reservation into a failure and locks the key once failures reach the limit.
* `succeeded(key)` releases the reservation (and, for a login name, forgets its failures).

Keys are SHA-256 digests, so neither Redis nor the database keeps the login names people mistype (often a password).

Two back ends with the same semantics: Redis (one Lua script per step: atomic on the server) whenever `REDIS_URL` is
set, and the database (one conditional UPDATE … RETURNING per step, on PostgreSQL or SQLite) on the embedded default —
and as a fallback while Redis is unreachable, so an outage neither locks everyone out nor lifts the limits.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import time
from dataclasses import dataclass
from enum import Enum
from typing import Any

log = logging.getLogger("openccus.ratelimit")

# An attempt in flight whose process died never reports back; its reservation lapses after this many seconds.
BUSY_TTL_S = 30


class Verdict(str, Enum):
    ok = "ok"
    locked = "locked"  # limit reached: refuse until the lock lapses
    busy = "busy"  # attempts in flight fill the budget: wait for them, then ask again


@dataclass(frozen=True)
class Rule:
    """`limit` failures within `window_s` seconds (counted from the latest failure) lock the key for `lock_s`."""

    scope: str
    limit: int
    window_s: int
    lock_s: int


def digest(rule: Rule, value: str) -> str:
    return hashlib.sha256(f"{rule.scope}\0{value}".encode()).hexdigest()[:40]


# --- Redis ----------------------------------------------------------------------------------------------------------
# KEYS: lock, fail, busy.
_ADMIT = """
if redis.call('EXISTS', KEYS[1]) == 1 then return 'locked' end
local f = tonumber(redis.call('GET', KEYS[2]) or '0')
local b = tonumber(redis.call('GET', KEYS[3]) or '0')
if f + b >= tonumber(ARGV[1]) then return 'busy' end
redis.call('INCR', KEYS[3])
redis.call('EXPIRE', KEYS[3], tonumber(ARGV[2]))
return 'ok'
"""
# ARGV: limit, window_s, lock_s.
_FAILED = """
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
local f = redis.call('INCR', KEYS[2])
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[2]))
if f >= tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], '1', 'EX', tonumber(ARGV[3]))
  redis.call('DEL', KEYS[2])
end
return f
"""
# ARGV: reset (1: forget the failures too).
_RELEASE = """
if tonumber(redis.call('GET', KEYS[3]) or '0') > 0 then redis.call('DECR', KEYS[3]) end
if ARGV[1] == '1' then redis.call('DEL', KEYS[2]) end
return 1
"""
# A plain rate: KEYS[1] the counter. ARGV: limit, window_s. Returns 1 when this hit is within the limit.
_HIT = """
local n = redis.call('INCR', KEYS[1])
if n == 1 then redis.call('EXPIRE', KEYS[1], tonumber(ARGV[2])) end
if n > tonumber(ARGV[1]) then return 0 end
return 1
"""


class _RedisBackend:
    def __init__(self, url: str):
        from redis.asyncio import Redis

        # Short timeouts: while Redis is down a login falls back to the database instead of hanging.
        self.redis = Redis.from_url(url, socket_connect_timeout=1, socket_timeout=2)
        self.scripts = {
            name: self.redis.register_script(src)
            for name, src in (("admit", _ADMIT), ("failed", _FAILED), ("release", _RELEASE), ("hit", _HIT))
        }

    @staticmethod
    def _keys(key: str) -> list[str]:
        return [f"openccus:rl:{key}:{part}" for part in ("lock", "fail", "busy")]

    async def admit(self, rule: Rule, key: str) -> Verdict:
        out = await self.scripts["admit"](keys=self._keys(key), args=[rule.limit, BUSY_TTL_S])
        return Verdict(out.decode() if isinstance(out, bytes) else out)

    async def failed(self, rule: Rule, key: str) -> None:
        await self.scripts["failed"](keys=self._keys(key), args=[rule.limit, rule.window_s, rule.lock_s])

    async def release(self, rule: Rule, key: str, *, reset: bool) -> None:
        await self.scripts["release"](keys=self._keys(key), args=["1" if reset else "0"])

    async def hit(self, rule: Rule, key: str) -> bool:
        return bool(await self.scripts["hit"](keys=[f"openccus:rl:{key}:hits"], args=[rule.limit, rule.window_s]))

    async def close(self) -> None:
        await self.redis.aclose()


# --- the database ---------------------------------------------------------------------------------------------------
# Times are epoch seconds (floats): the same arithmetic on PostgreSQL and SQLite, no time-zone text to compare.
_ENSURE = (
    "INSERT INTO login_throttle (key, failures, busy, last_failure, busy_since, locked_until) "
    "VALUES (?, 0, 0, 0, 0, 0) ON CONFLICT (key) DO NOTHING"
)
# Lapsed failures, reservations and locks are cleared in the same statement that decides, so the decision is one
# conditional write: on PostgreSQL concurrent UPDATEs of the row queue on its lock and re-check the WHERE clause.
_ADMIT_SQL = """
UPDATE login_throttle SET
  failures = CASE WHEN last_failure < ? THEN 0 ELSE failures END,
  busy = CASE WHEN busy_since < ? THEN 1 ELSE busy + 1 END,
  busy_since = ?
WHERE key = ? AND locked_until <= ?
  AND (CASE WHEN last_failure < ? THEN 0 ELSE failures END) + (CASE WHEN busy_since < ? THEN 0 ELSE busy END) < ?
RETURNING busy
"""
_LOCKED_SQL = "SELECT locked_until FROM login_throttle WHERE key = ?"
_FAILED_SQL = """
UPDATE login_throttle SET
  busy = CASE WHEN busy > 0 THEN busy - 1 ELSE 0 END,
  failures = CASE WHEN failures + 1 >= ? THEN 0 ELSE failures + 1 END,
  locked_until = CASE WHEN failures + 1 >= ? THEN ? ELSE locked_until END,
  last_failure = ?
WHERE key = ?
RETURNING failures
"""
_RELEASE_SQL = (
    "UPDATE login_throttle SET busy = CASE WHEN busy > 0 THEN busy - 1 ELSE 0 END{reset} WHERE key = ? RETURNING busy"
)
# A plain rate in the same table: `failures` counts hits since `last_failure` (the window's start).
_HIT_SQL = """
UPDATE login_throttle SET
  failures = CASE WHEN last_failure < ? THEN 1 ELSE failures + 1 END,
  last_failure = CASE WHEN last_failure < ? THEN ? ELSE last_failure END
WHERE key = ?
RETURNING failures
"""


class _DatabaseBackend:
    @staticmethod
    def _conn() -> Any:
        from tortoise import connections

        return connections.get("default")

    async def _ensure(self, key: str) -> None:
        from api import sql

        await sql.execute(self._conn(), _ENSURE, [key])

    async def _returning(self, text: str, values: list[Any]) -> list[dict[str, Any]]:
        from api import sql

        # Outside any request transaction: a failure must count although the request then fails.
        return await sql.fetch(self._conn(), text, values)

    async def admit(self, rule: Rule, key: str) -> Verdict:
        await self._ensure(key)
        t = time.time()
        rows = await self._returning(
            _ADMIT_SQL, [t - rule.window_s, t - BUSY_TTL_S, t, key, t, t - rule.window_s, t - BUSY_TTL_S, rule.limit]
        )
        if rows:
            return Verdict.ok
        locked = await self._returning(_LOCKED_SQL, [key])
        return Verdict.locked if locked and float(locked[0]["locked_until"]) > t else Verdict.busy

    async def failed(self, rule: Rule, key: str) -> None:
        t = time.time()
        await self._returning(_FAILED_SQL, [rule.limit, rule.limit, t + rule.lock_s, t, key])

    async def release(self, rule: Rule, key: str, *, reset: bool) -> None:
        await self._returning(_RELEASE_SQL.format(reset=", failures = 0" if reset else ""), [key])

    async def hit(self, rule: Rule, key: str) -> bool:
        await self._ensure(key)
        t = time.time()
        rows = await self._returning(_HIT_SQL, [t - rule.window_s, t - rule.window_s, t, key])
        return int(rows[0]["failures"]) <= rule.limit

    async def close(self) -> None:
        pass


class Limits:
    """The limits of one API process; the state they count lives in Redis or the database, shared by all."""

    def __init__(self, redis_url: str | None):
        self.database = _DatabaseBackend()
        self.redis = _RedisBackend(redis_url) if redis_url else None

    async def _call(self, op: str, *args: Any, **kw: Any) -> Any:
        if self.redis is not None:
            try:
                return await getattr(self.redis, op)(*args, **kw)
            except (TimeoutError, OSError) as exc:
                log.warning("Redis unreachable for rate limits (%s); using the database", type(exc).__name__)
            except Exception as exc:  # redis-py's ConnectionError/TimeoutError are not OSErrors
                if type(exc).__module__.split(".")[0] != "redis":
                    raise
                log.warning("Redis unreachable for rate limits (%s); using the database", type(exc).__name__)
        return await getattr(self.database, op)(*args, **kw)

    async def admit(self, rule: Rule, value: str, *, wait_s: float = 10.0) -> Verdict:
        """Reserve an attempt, waiting while attempts in flight fill the budget; `locked` or `ok` (or `busy` when
        the wait ran out)."""
        key = digest(rule, value)
        deadline = time.monotonic() + wait_s
        delay = 0.02
        while True:
            verdict = await self._call("admit", rule, key)
            if verdict is not Verdict.busy or time.monotonic() >= deadline:
                return verdict
            await asyncio.sleep(delay)
            delay = min(delay * 1.5, 0.2)

    async def failed(self, rule: Rule, value: str) -> None:
        await self._call("failed", rule, digest(rule, value))

    async def release(self, rule: Rule, value: str, *, reset: bool = False) -> None:
        await self._call("release", rule, digest(rule, value), reset=reset)

    async def hit(self, rule: Rule, value: str) -> bool:
        """Count one use; False once `rule.limit` uses fall within `rule.window_s`."""
        return bool(await self._call("hit", rule, digest(rule, value)))

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.close()
