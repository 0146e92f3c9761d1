"""Wires the daemon: card sources -> TapPipeline -> outbox; uploader; watchdog.

Threads, not asyncio: pyscard is blocking, and every piece here either blocks on PC/SC,
on SQLite's fsync or on HTTP.  Each thread owns its SQLite connection.

Ordering that makes "no tap lost, none doubled" hold:
1. the card is read completely (identity, then INTERNAL AUTHENTICATE) — any failure
   before the end means no tap at all, never half a tap;
2. the tap is committed to the outbox (fsync) — only then
3. the technician is told "OK" (Feedback.tap_ok).
A crash between 2 and 3 leaves a recorded tap without a beep; the technician taps again
and the debounce answers "already recorded" with the same idempotency key, so it is
neither lost nor doubled.  The uploader resends until the server lists the key.

The debounce merges a tap into an earlier one only when it is the same card: the card must
answer the earlier tap's challenge with the earlier response.  A copied card (same serial,
no key) answers differently, so the genuine card tapped after it is a tap of its own, which
the server checks and accepts (docs/card-profile.md §5 step 5).

One daemon per data folder: ``run`` holds an exclusive flock on ``edge.lock`` there.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hmac
import json
import os
import logging
import signal
import sys
import threading
import time
from typing import IO

from . import card, messages
from .config import Settings
from .outbox import Device, Outbox, Recorded
from .pcsc import Health, PcscOwner, Watchdog
from .uploader import RevocationFeed, Uploader

log = logging.getLogger(__name__)


class Feedback:
    """What the technician sees/hears.  Emits one JSON line per outcome on ``stream``
    (stdout), the hook for a gate display or buzzer; the tests treat an ``ok`` line as
    the beep.  A line is written only after the tap is durable."""

    def __init__(self, stream: IO[str] | None = None, lang: str = "ja") -> None:
        self.stream = stream or sys.stdout
        self.lang = lang
        self._lock = threading.Lock()

    def _emit(self, **event: object) -> None:
        line = json.dumps(event, ensure_ascii=False)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def tap_ok(self, reader: str, ident: card.CardIdentity, rec: Recorded) -> None:
        message = messages.text("tap_already_recorded" if rec.duplicate else "tap_ok", self.lang)
        if rec.duplicate and rec.server_status:  # the earlier tap's verdict is known: say it
            message += " " + messages.verdict(rec.server_status, rec.reject_reason, self.lang)
        self._emit(
            event="tap",
            result="ok",
            duplicate=rec.duplicate,
            reader=reader,
            idempotency_key=rec.idempotency_key,
            technician_id=ident.technician_id,
            card_serial=ident.serial_hex,
            server_status=rec.server_status,
            reject_reason=rec.reject_reason,
            message=message,
        )

    def refused(self, reader: str, reason: str, serial: str | None = None) -> None:
        self._emit(
            event="tap",
            result="refused",
            reason=reason,
            reader=reader,
            card_serial=serial,
            message=messages.text(reason, self.lang),
        )

    def retry(self, reader: str, reason: str) -> None:
        self._emit(event="tap", result="retry", reason=reason, reader=reader, message=messages.text(reason, self.lang))

    def undelivered(self, tap: dict, error: str) -> None:
        """The server refused to store the tap (a dead letter): say why."""
        self._emit(
            event="undelivered",
            idempotency_key=tap["idempotency_key"],
            technician_id=tap.get("technician_id"),
            card_serial=tap.get("card_serial"),
            error=error,
            message=messages.text("undelivered", self.lang, reason=messages.text(error, self.lang)),
        )

    def verdict(self, tap: dict, status: str, reason: str | None, duplicate: bool) -> None:
        """The server's verdict on an uploaded tap (also after a lost answer: then ``duplicate``)."""
        self._emit(
            event="verdict",
            idempotency_key=tap["idempotency_key"],
            technician_id=tap.get("technician_id"),
            card_serial=tap.get("card_serial"),
            status=status,
            reject_reason=reason,
            duplicate=duplicate,
            message=messages.verdict(status, reason, self.lang),
        )

    def started(self, device_id: str) -> None:
        self._emit(event="started", device_id=device_id)


class TapPipeline:
    """Turns a card on a reader into a durable tap (or a refusal).  Thread-safe: each
    calling thread gets its own outbox connection."""

    def __init__(self, settings: Settings, device: Device, feedback: Feedback, wake: threading.Event) -> None:
        self.settings, self.device, self.feedback, self.wake = settings, device, feedback, wake
        self._local = threading.local()

    def _outbox(self) -> Outbox:
        if not hasattr(self._local, "outbox"):
            self._local.outbox = Outbox(self.settings.db_path)
        return self._local.outbox

    def handle_card(self, reader: str, transmit: card.Transmit) -> None:
        try:
            self._handle(reader, transmit)
        except card.CardGone as exc:
            log.info("card left %s before the tap was complete (%s): nothing recorded", reader, exc)
            self.feedback.retry(reader, "card_removed")
        except card.NotOpenCCUS:
            self.feedback.refused(reader, "not_openccus")
        except card.CardError as exc:
            log.warning("unreadable card on %s: %s", reader, exc)
            self.feedback.retry(reader, "card_unreadable")

    def _handle(self, reader: str, transmit: card.Transmit) -> None:
        outbox = self._outbox()
        ident = card.read_identity(transmit)
        serial = ident.serial_hex
        if outbox.is_revoked(serial):
            log.warning("revoked card %s (technician %s) refused", serial, ident.technician_id)
            self.feedback.refused(reader, "card_revoked", serial)
            return
        now = time.time()
        local_now = dt.datetime.now(dt.UTC).astimezone()
        if ident.expires < local_now.date():
            self.feedback.refused(reader, "card_expired", serial)
            return
        # Debounce: a repeat tap of the same card within the window is "already recorded".  The same
        # card, not the same serial: the card must answer the earlier tap's challenge exactly as it did
        # then (only its key can).  Nothing of this exchange is recorded or uploaded.
        for recent in outbox.recent_taps(serial, now, self.settings.debounce_seconds):
            if hmac.compare_digest(card.internal_authenticate(transmit, recent.challenge), recent.response):
                self.feedback.tap_ok(reader, ident, recent.as_recorded())
                return
            log.warning(
                "card %s answered the challenge of tap %s differently: another card with the same "
                "serial (a copy?); recorded as a tap of its own for the server to check",
                serial,
                recent.idempotency_key,
            )
        challenge = card.new_challenge()
        response = card.internal_authenticate(transmit, challenge)
        tap = {
            "method": "card",
            "technician_id": ident.technician_id,
            "card_serial": serial,
            "challenge": challenge.hex(),
            "response": response.hex(),
            "device_time": local_now.isoformat(timespec="milliseconds"),
        }
        rec = outbox.record(self.device.device_id, tap, now=now)
        self.feedback.tap_ok(reader, ident, rec)  # after the commit, never before
        self.wake.set()


class AlreadyRunning(Exception):
    def __init__(self, path: str, pid: str) -> None:
        super().__init__(path, pid)
        self.path, self.pid = path, pid


def lock_data_dir(settings: Settings) -> int:
    """Hold an exclusive flock on ``<data_dir>/edge.lock`` for the life of the process (the kernel
    drops it when the process dies, even by SIGKILL, so a crash never leaves a stale lock).
    Two daemons on one folder would each allocate device_seq from the same counter but debounce,
    sync and upload independently; the outbox's transactions keep that safe, but the second
    daemon would fight the first for the readers, so it is refused outright."""
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    path = settings.data_dir / "edge.lock"
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        pid = os.pread(fd, 32, 0).decode(errors="replace").strip() or "?"
        os.close(fd)
        raise AlreadyRunning(str(settings.data_dir), pid) from None
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
    return fd


EXIT_ALREADY_RUNNING = 3


def run(settings: Settings, *, feedback: Feedback | None = None) -> int:
    try:
        lock_fd = lock_data_dir(settings)
    except AlreadyRunning as exc:
        print(messages.text("already_running", settings.lang, path=exc.path, pid=exc.pid), file=sys.stderr)
        return EXIT_ALREADY_RUNNING
    try:
        return _run(settings, feedback)
    finally:
        os.close(lock_fd)


def _run(settings: Settings, feedback: Feedback | None) -> int:
    outbox = Outbox(settings.db_path)
    device = outbox.device()
    outbox.close()
    if device is None:
        print(messages.text("not_enrolled", settings.lang), file=sys.stderr)
        return 2
    stop, wake = threading.Event(), threading.Event()
    health = Health()
    feedback = feedback or Feedback(lang=settings.lang)
    pipeline = TapPipeline(settings, device, feedback, wake)
    threads: list[threading.Thread] = []
    owner: PcscOwner | None = None

    def start(target, name: str) -> None:
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        threads.append(t)

    if settings.pcsc_enabled:
        owner = PcscOwner(
            pipeline.handle_card,
            reader_filter=settings.reader_filter,
            stop=stop,
            health=health,
            poll_timeout_ms=settings.poll_timeout_ms,
        )
        start(owner.run, "pcsc")
        start(Watchdog(owner, health, timeout=settings.watchdog_seconds, stop=stop).run, "watchdog")
    if settings.test_vpcd_port is not None:
        from .testsource import DirectVpcdSource  # TEST ONLY, see the module

        source = DirectVpcdSource(settings.test_vpcd_port, pipeline.handle_card, stop)
        source.bind()
        start(source.run, "test-vpcd")
    uploader = Uploader(settings, device, stop=stop, wake=wake, reader_status=health.reader, feedback=feedback)
    start(uploader.run, "uploader")
    start(RevocationFeed(settings, device, stop=stop).run, "revocations")

    def on_signal(signum: int, _frame: object) -> None:
        log.info("signal %d: stopping", signum)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("edge reader running as device %s (site %s)", device.device_id, device.site_id)
    feedback.started(device.device_id)
    while not stop.wait(0.5):
        pass
    wake.set()
    if owner is not None:
        owner.cancel()
    for t in threads:
        t.join(timeout=5)
    log.info("edge reader stopped")
    return 0
