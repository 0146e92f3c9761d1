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
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import signal
import sys
import threading
import time
from typing import IO

from . import card
from .config import Settings
from .outbox import Device, Outbox, Recorded
from .pcsc import Health, PcscOwner, Watchdog
from .uploader import Uploader

log = logging.getLogger(__name__)


class Feedback:
    """What the technician sees/hears.  Emits one JSON line per outcome on ``stream``
    (stdout), the hook for a gate display or buzzer; the tests treat an ``ok`` line as
    the beep.  A line is written only after the tap is durable."""

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream or sys.stdout
        self._lock = threading.Lock()

    def _emit(self, **event: object) -> None:
        line = json.dumps(event, ensure_ascii=False)
        with self._lock:
            self.stream.write(line + "\n")
            self.stream.flush()

    def tap_ok(self, reader: str, ident: card.CardIdentity, rec: Recorded) -> None:
        self._emit(event="tap", result="ok", duplicate=rec.duplicate, reader=reader,
                   idempotency_key=rec.idempotency_key, technician_id=ident.technician_id,
                   card_serial=ident.serial_hex)

    def refused(self, reader: str, reason: str, serial: str | None = None) -> None:
        self._emit(event="tap", result="refused", reason=reason, reader=reader,
                   card_serial=serial)

    def retry(self, reader: str, reason: str) -> None:
        self._emit(event="tap", result="retry", reason=reason, reader=reader)

    def started(self, device_id: str) -> None:
        self._emit(event="started", device_id=device_id)


class TapPipeline:
    """Turns a card on a reader into a durable tap (or a refusal).  Thread-safe: each
    calling thread gets its own outbox connection."""

    def __init__(self, settings: Settings, device: Device, feedback: Feedback,
                 wake: threading.Event) -> None:
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
            self.feedback.retry(reader, "card removed, tap again")
        except card.NotOpenCCUS:
            self.feedback.refused(reader, "not an OpenCCUS card")
        except card.CardError as exc:
            log.warning("unreadable card on %s: %s", reader, exc)
            self.feedback.retry(reader, "card unreadable, tap again")

    def _handle(self, reader: str, transmit: card.Transmit) -> None:
        outbox = self._outbox()
        ident = card.read_identity(transmit)
        serial = ident.serial_hex
        if outbox.is_revoked(serial):
            log.warning("revoked card %s (technician %s) refused", serial, ident.technician_id)
            self.feedback.refused(reader, "card revoked", serial)
            return
        now = time.time()
        local_now = dt.datetime.now(dt.timezone.utc).astimezone()
        if ident.expires < local_now.date():
            self.feedback.refused(reader, "card expired", serial)
            return
        # Debounce before the challenge: a repeat tap needs no fresh authentication.
        if (key := outbox.recent_tap(serial, now, self.settings.debounce_seconds)) is not None:
            seq = int(key.rsplit(":", 1)[1])
            self.feedback.tap_ok(reader, ident, Recorded(key, seq, duplicate=True))
            return
        challenge = card.new_challenge()
        response = card.internal_authenticate(transmit, challenge)
        tap = {"method": "card", "technician_id": ident.technician_id, "card_serial": serial,
               "challenge": challenge.hex(), "response": response.hex(),
               "device_time": local_now.isoformat(timespec="milliseconds")}
        rec = outbox.record(self.device.device_id, tap, now=now,
                            debounce=self.settings.debounce_seconds)
        self.feedback.tap_ok(reader, ident, rec)  # after the commit, never before
        self.wake.set()


def run(settings: Settings, *, feedback: Feedback | None = None) -> int:
    outbox = Outbox(settings.db_path)
    device = outbox.device()
    outbox.close()
    if device is None:
        log.error("this device is not enrolled; run `python -m edge_reader enrol` first")
        return 2
    stop, wake = threading.Event(), threading.Event()
    health = Health()
    feedback = feedback or Feedback()
    pipeline = TapPipeline(settings, device, feedback, wake)
    threads: list[threading.Thread] = []
    owner: PcscOwner | None = None

    def start(target, name: str) -> None:  # noqa: ANN001
        t = threading.Thread(target=target, name=name, daemon=True)
        t.start()
        threads.append(t)

    if settings.pcsc_enabled:
        owner = PcscOwner(pipeline.handle_card, reader_filter=settings.reader_filter, stop=stop,
                          health=health, poll_timeout_ms=settings.poll_timeout_ms)
        start(owner.run, "pcsc")
        start(Watchdog(owner, health, timeout=settings.watchdog_seconds, stop=stop).run, "watchdog")
    if settings.test_vpcd_port is not None:
        from .testsource import DirectVpcdSource  # TEST ONLY, see the module

        source = DirectVpcdSource(settings.test_vpcd_port, pipeline.handle_card, stop)
        source.bind()
        start(source.run, "test-vpcd")
    uploader = Uploader(settings, device, stop=stop, wake=wake, reader_status=health.reader)
    start(uploader.run, "uploader")

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
