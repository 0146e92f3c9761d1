"""Upload taps to the server in batches; heartbeat; keep the revoked-card list in sync.

The HTTP contract (the server implements exactly this):
  POST /api/v1/devices/enrol        {"code", "software_version"} -> 201 {"device_id", "device_token", "site_id"}
  POST /api/v1/taps/batch           {"taps": [...]} -> 200 {"results": [...], "errors": [...]}
  POST /api/v1/devices/heartbeat    {"software_version", "outbox_depth", "reader"} -> 200 {"revocations_version"}
  GET  /api/v1/devices/revocations?since=N -> 200 {"version", "full", "revoked"}
Every call but enrol carries ``Authorization: Bearer <device_token>``.

A tap listed in ``results`` (any status, even rejected) is delivered; one listed in
``errors`` was not stored and becomes a dead letter; one in neither stays pending.  Retries
resend the same idempotency keys, so a batch whose answer was lost is answered "duplicate".
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable

import httpx

from .config import Settings
from .outbox import Device, Outbox

log = logging.getLogger(__name__)

PRUNE_AFTER = 7 * 86400.0  # delivered taps are kept this long (debounce, diagnostics)


class ApiError(Exception):
    """Retry later with back-off (5xx, connection trouble, unexpected answers)."""


class ApiUnauthorized(ApiError):
    """401: the device token is no longer valid (device removed in the portal?)."""


def _json(resp: httpx.Response) -> dict:
    try:
        body = resp.json()
    except ValueError as exc:
        raise ApiError(f"{resp.request.url.path}: non-JSON answer") from exc
    if not isinstance(body, dict):
        raise ApiError(f"{resp.request.url.path}: answer is not an object")
    return body


def _ok(resp: httpx.Response, expected: int = 200) -> dict:
    if resp.status_code == 401:
        raise ApiUnauthorized("401 from " + resp.request.url.path)
    if resp.status_code != expected:
        raise ApiError(f"{resp.request.url.path}: HTTP {resp.status_code} {resp.text[:200]!r}")
    return _json(resp)


def enrol(api_url: str, code: str, *, software_version: str, timeout: float = 10.0) -> Device:
    with httpx.Client(base_url=api_url, timeout=timeout) as client:
        resp = client.post("/api/v1/devices/enrol",
                           json={"code": code, "software_version": software_version})
    if resp.status_code != 201:
        raise ApiError(f"enrolment refused: HTTP {resp.status_code} {resp.text[:200]!r}")
    body = _json(resp)
    return Device(str(body["device_id"]), str(body["device_token"]), str(body["site_id"]), api_url)


class ApiClient:
    def __init__(self, device: Device, settings: Settings) -> None:
        self.client = httpx.Client(
            base_url=settings.api_url or device.api_url, timeout=settings.http_timeout,
            headers={"Authorization": f"Bearer {device.device_token}"})

    def close(self) -> None:
        self.client.close()

    def post_batch(self, taps: list[dict]) -> dict:
        return _ok(self.client.post("/api/v1/taps/batch", json={"taps": taps}))

    def heartbeat(self, payload: dict) -> dict:
        return _ok(self.client.post("/api/v1/devices/heartbeat", json=payload))

    def revocations(self, since: int) -> dict:
        return _ok(self.client.get("/api/v1/devices/revocations", params={"since": since}))


def split_answer(taps: list[dict], body: dict) -> tuple[list, list]:
    """Map the batch answer onto our keys.  Trust an entry only when its index and key
    agree with what we sent, so a confused answer can never mark the wrong tap sent."""
    keys = [t["idempotency_key"] for t in taps]
    results, errors = [], []

    def key_of(entry: object) -> str | None:
        if not isinstance(entry, dict):
            return None
        index, key = entry.get("index"), entry.get("idempotency_key")
        if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < len(keys):
            if key is None or key == keys[index]:
                return keys[index]
        return None

    for entry in body.get("results") or []:
        if (key := key_of(entry)) is not None and isinstance(entry.get("status"), str):
            results.append((key, entry["status"], entry.get("reject_reason")))
    for entry in body.get("errors") or []:
        if (key := key_of(entry)) is not None:
            errors.append((key, f"{entry.get('error')}: {entry.get('message')}"))
    return results, errors


class Uploader:
    def __init__(self, settings: Settings, device: Device, *, stop: threading.Event,
                 wake: threading.Event, reader_status: Callable[[], str | None]) -> None:
        self.settings, self.device = settings, device
        self.stop, self.wake = stop, wake
        self.reader_status = reader_status
        self.batch_limit = settings.batch_size
        self.failures = 0

    def backoff(self) -> float:
        """Exponential back-off with jitter (half fixed, half random), so that the readers
        of a whole region do not hammer a recovering server in lock-step."""
        s = self.settings
        delay = min(s.backoff_cap, s.backoff_base * 2 ** max(self.failures - 1, 0))
        return delay / 2 + random.uniform(0, delay / 2)

    def run(self) -> None:
        outbox = Outbox(self.settings.db_path)
        api = ApiClient(self.device, self.settings)
        next_heartbeat = 0.0
        last_prune = 0.0
        try:
            while not self.stop.is_set():
                if time.monotonic() >= next_heartbeat:
                    next_heartbeat = time.monotonic() + self._heartbeat(api, outbox)
                try:
                    sent = self.upload_once(api, outbox)
                except (ApiError, httpx.HTTPError) as exc:
                    self.failures += 1
                    delay = self.backoff()
                    why = f"{type(exc).__name__}: {exc}"
                    log.warning("upload failed (%s); retry in %.2fs", why, delay)
                    if self.failures == 1 or isinstance(exc, ApiUnauthorized):
                        outbox.set_meta({"last_upload_error": f"{time.time():.0f} {why}"})
                    self.stop.wait(delay)
                    continue
                self.failures = 0
                if sent:
                    outbox.set_meta({"last_upload": f"{time.time():.0f}"})
                if time.time() - last_prune > 3600:
                    last_prune = time.time()
                    keep = max(PRUNE_AFTER, 2 * self.settings.debounce_seconds)
                    outbox.prune_sent(time.time() - keep)
                if sent == 0:  # idle: sleep until a new tap or the interval
                    self.wake.wait(self.settings.upload_interval)
                    self.wake.clear()
        finally:
            api.close()
            outbox.close()

    def upload_once(self, api: ApiClient, outbox: Outbox) -> int:
        taps = outbox.pending(self.batch_limit)
        if not taps:
            return 0
        try:
            body = api.post_batch(taps)
        except ApiError as exc:
            if "HTTP 413" in str(exc) and self.batch_limit > 1:
                self.batch_limit = max(1, self.batch_limit // 2)  # server wants smaller batches
            raise
        results, errors = split_answer(taps, body)
        outbox.apply_results(results, errors)
        for key, err in errors:
            log.error("tap %s refused as malformed, kept as dead letter: %s", key, err)
        if not results and not errors:
            raise ApiError("batch answer named none of our taps")
        log.info("uploaded %d taps (%d dead letters)", len(results), len(errors))
        return len(results) + len(errors)

    def _heartbeat(self, api: ApiClient, outbox: Outbox) -> float:
        """Heartbeat and, when the server's list is newer, sync revocations.
        Returns the delay until the next heartbeat (shorter after a failure)."""
        reader = self.reader_status()
        outbox.set_meta({"reader": reader or ""})  # for `status`; the daemon's view
        try:
            body = api.heartbeat({"software_version": self.settings.software_version,
                                  "outbox_depth": outbox.counts()["pending"],
                                  "reader": reader})
            server_version = body.get("revocations_version")
            if isinstance(server_version, int) and server_version != outbox.revocations_version():
                self.sync_revocations(api, outbox)
            outbox.set_meta({"last_heartbeat": f"{time.time():.0f}"})
            return self.settings.heartbeat_interval
        except (ApiError, httpx.HTTPError) as exc:
            log.warning("heartbeat failed: %s", exc)
            outbox.set_meta({"last_heartbeat_error": f"{time.time():.0f} {exc}"})
            return min(self.settings.heartbeat_interval, max(self.backoff(), 1.0))

    @staticmethod
    def sync_revocations(api: ApiClient, outbox: Outbox) -> None:
        since = outbox.revocations_version()
        body = api.revocations(since)
        version, revoked = body.get("version"), body.get("revoked")
        if not isinstance(version, int) or not isinstance(revoked, list):
            raise ApiError("malformed revocation list")
        outbox.apply_revocations(version, [str(s) for s in revoked], full=bool(body.get("full")))
        log.info("revocations: version %d (%s, %d serials)", version,
                 "full" if body.get("full") else "delta", len(revoked))
