"""Upload taps to the server in batches; heartbeat; keep the revoked-card list in sync.

The HTTP contract (the server implements exactly this):
  POST /api/v1/devices/enrol        {"code", "software_version"} -> 201 {"device_id", "device_token", "site_id"}
  POST /api/v1/taps/batch           {"taps": [...]} -> 200 {"results": [...], "errors": [...]}
  POST /api/v1/devices/heartbeat    {"software_version", "outbox_depth", "reader"} -> 200 {"revocations_version"}
  GET  /api/v1/devices/revocations?since=N[&wait=S] -> 200 {"version", "full", "revoked"}
       (with wait: a long-poll, answered as soon as the list changes from N or after S seconds)
  GET  /api/v1/health -> 200 (no auth, no database: the cheap probe while backing off)
Every call but enrol and health carries ``Authorization: Bearer <device_token>``.

A tap listed in ``results`` is delivered: ``status`` is the stored tap's verdict (accepted /
pending / rejected with ``reject_reason``), also for a re-sent key (then ``duplicate`` is
true), so a batch whose answer was lost still yields each tap's real verdict when re-sent.
An older server answered a re-sent key with the status "duplicate" (verdict unknown); that is
tolerated.  One listed in ``errors`` was not stored (malformed, or its key was already used by
a different tap) and becomes a dead letter; one in neither stays pending.
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
    """Retry later with back-off (5xx, connection trouble, unexpected answers). `code` is the server's error code
    when it sent one (api/data/error_codes.csv), for messages.text."""

    def __init__(self, message: str, *, code: str | None = None, status: int | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


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
        resp = client.post("/api/v1/devices/enrol", json={"code": code, "software_version": software_version})
    if resp.status_code != 201:
        try:
            code = resp.json().get("error")
        except (ValueError, AttributeError):
            code = None
        raise ApiError(
            f"enrolment refused: HTTP {resp.status_code} {resp.text[:200]!r}",
            code=code if isinstance(code, str) else None,
            status=resp.status_code,
        )
    body = _json(resp)
    return Device(str(body["device_id"]), str(body["device_token"]), str(body["site_id"]), api_url)


class ApiClient:
    def __init__(self, device: Device, settings: Settings) -> None:
        self.client = httpx.Client(
            base_url=settings.api_url or device.api_url,
            timeout=settings.http_timeout,
            headers={"Authorization": f"Bearer {device.device_token}"},
        )

    def close(self) -> None:
        self.client.close()

    def post_batch(self, taps: list[dict]) -> dict:
        return _ok(self.client.post("/api/v1/taps/batch", json={"taps": taps}))

    def heartbeat(self, payload: dict) -> dict:
        return _ok(self.client.post("/api/v1/devices/heartbeat", json=payload))

    def revocations(self, since: int, wait: int = 0, timeout: float | None = None) -> dict:
        params = {"since": since, **({"wait": wait} if wait else {})}
        kw = {"timeout": timeout} if timeout else {}
        return _ok(self.client.get("/api/v1/devices/revocations", params=params, **kw))

    def healthy(self) -> bool:
        """The cheap probe: is the server answering at all?"""
        try:
            return (
                self.client.get("/api/v1/health", timeout=min(5.0, self.client.timeout.read or 5.0)).status_code == 200
            )
        except httpx.HTTPError:
            return False


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
            duplicate = entry.get("duplicate") is True or entry["status"] == "duplicate"
            results.append((key, entry["status"], entry.get("reject_reason"), duplicate))
    for entry in body.get("errors") or []:
        if (key := key_of(entry)) is not None:
            errors.append((key, f"{entry.get('error')}: {entry.get('message')}"))
    return results, errors


def backoff_delay(failures: int, base: float, cap: float) -> float:
    """Exponential back-off, capped, with jitter (half fixed, half random), so that the readers
    of a whole region do not hammer a recovering server in lock-step."""
    delay = min(cap, base * 2 ** min(max(failures - 1, 0), 30))
    return delay / 2 + random.uniform(0, delay / 2)


def _network_failure(exc: Exception) -> bool:
    """Failures that say "the server (or the way to it) is down", after which a successful
    health probe means: try again now.  Other errors (a 500 on our batch) wait out the back-off."""
    if isinstance(exc, httpx.TransportError):
        return True
    return isinstance(exc, ApiError) and any(f"HTTP {code}" in str(exc) for code in (502, 503, 504))


def wait_or_probe(api: ApiClient, delay: float, *, probe: bool, interval: float, stop: threading.Event) -> str:
    """Sleep out a back-off; with ``probe``, ask the health endpoint about every ``interval``
    seconds (jittered) and end the wait as soon as the server answers.
    Returns "stop", "probe" (the server is back) or "elapsed"."""
    deadline = time.monotonic() + delay
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            return "elapsed"
        step = min(left, interval * random.uniform(0.75, 1.25)) if probe else left
        if stop.wait(step):
            return "stop"
        if probe and time.monotonic() < deadline and api.healthy():
            log.info("server answers the health probe again: retrying now")
            return "probe"


class Uploader:
    def __init__(
        self,
        settings: Settings,
        device: Device,
        *,
        stop: threading.Event,
        wake: threading.Event,
        reader_status: Callable[[], str | None],
        feedback: object | None = None,
    ) -> None:
        self.settings, self.device = settings, device
        self.stop, self.wake = stop, wake
        self.reader_status = reader_status
        self.feedback = feedback  # daemon.Feedback: the server's verdicts are shown as they come
        self.batch_limit = settings.batch_size
        self.failures = 0

    def backoff(self) -> float:
        s = self.settings
        return backoff_delay(self.failures, s.backoff_base, s.backoff_cap)

    def wait_or_probe(self, api: ApiClient, delay: float, probe: bool) -> str:
        return wait_or_probe(api, delay, probe=probe, interval=self.settings.probe_interval, stop=self.stop)

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
                    log.warning("upload failed (%s); retry in %.2fs at most", why, delay)
                    if self.failures == 1 or isinstance(exc, ApiUnauthorized):
                        outbox.set_meta({"last_upload_error": f"{time.time():.0f} {why}"})
                    if self.wait_or_probe(api, delay, probe=_network_failure(exc)) == "probe":
                        next_heartbeat = 0.0  # back online: heartbeat (and revocation sync) at once
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
        if self.feedback is not None:
            by_key = {t["idempotency_key"]: t for t in taps}
            for key, status, reason, duplicate in results:
                self.feedback.verdict(by_key[key], status, reason, duplicate)  # type: ignore[attr-defined]
            for key, err in errors:
                self.feedback.undelivered(by_key[key], err.split(":", 1)[0])  # type: ignore[attr-defined]
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
            body = api.heartbeat(
                {
                    "software_version": self.settings.software_version,
                    "outbox_depth": outbox.counts()["pending"],
                    "reader": reader,
                }
            )
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
        apply_revocations(outbox, api.revocations(since), since)


class RevocationFeed:
    """Keeps a long-poll open for revocation-list changes (docs/card-profile.md §9), so a card
    revoked on the server is refused at the gate about a second later while the reader is
    online.  On failure it backs off (capped, jittered) and the heartbeat's version check
    remains the fallback; a server without long-poll support answers at once, and then this
    loop settles at one request every few seconds."""

    MIN_ROUND = 2.0  # seconds: the floor between rounds that return immediately without a change

    def __init__(self, settings: Settings, device: Device, *, stop: threading.Event) -> None:
        self.settings, self.device, self.stop = settings, device, stop
        self.failures = 0

    def run(self) -> None:
        outbox = Outbox(self.settings.db_path)
        api = ApiClient(self.device, self.settings)
        wait = self.settings.revocation_wait
        try:
            while not self.stop.is_set():
                started = time.monotonic()
                since = outbox.revocations_version()
                try:
                    body = api.revocations(since, wait=wait, timeout=wait + self.settings.http_timeout)
                    changed = apply_revocations(outbox, body, since)
                except (ApiError, httpx.HTTPError) as exc:
                    self.failures += 1
                    delay = backoff_delay(
                        self.failures, max(self.settings.backoff_base, 1.0), min(self.settings.backoff_cap, 60.0)
                    )
                    log.info("revocation long-poll failed (%s); again in %.1fs at most", exc, delay)
                    wait_or_probe(
                        api, delay, probe=_network_failure(exc), interval=self.settings.probe_interval, stop=self.stop
                    )
                    continue
                self.failures = 0
                if not changed and time.monotonic() - started < self.MIN_ROUND:
                    self.stop.wait(self.MIN_ROUND)  # answered at once without news: no tight loop
        finally:
            api.close()
            outbox.close()


def apply_revocations(outbox: Outbox, body: dict, since: int) -> bool:
    """Apply a revocation-list answer; True when our list changed."""
    version, revoked = body.get("version"), body.get("revoked")
    if not isinstance(version, int) or not isinstance(revoked, list):
        raise ApiError("malformed revocation list")
    if version == since and not body.get("full"):
        return False
    if not outbox.apply_revocations(version, [str(s) for s in revoked], full=bool(body.get("full")), since=since):
        return True  # another sync got there first; ours was stale
    log.info("revocations: version %d (%s, %d serials)", version, "full" if body.get("full") else "delta", len(revoked))
    return True
