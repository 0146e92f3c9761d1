"""The single owner of the PC/SC context, and its watchdog.

Only ``PcscOwner.run`` (one thread) touches the context.  It uses pyscard's low-level
``smartcard.scard`` API with an explicit ``SCardGetStatusChange`` loop rather than
pyscard's CardMonitor/PCSCContext singletons, which do not survive a pcscd restart
(pyscard #27, #82) and have threading bugs (#162, #220).  Any service-level error
(pcscd restarted, reader unplugged) releases the context and re-establishes it after a
back-off; a card leaving mid-read raises ``CardGone`` and produces no tap.

The watchdog covers what a loop cannot: a call that never returns (a wedged pcscd, a mute
card).  It first cancels the blocking call; if the thread still makes no progress the
process exits with EXIT_WATCHDOG so the service manager restarts it.  That is safe because
every signalled tap is already on disk.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable

from smartcard import scard

from .card import CardError, CardGone, Transmit

log = logging.getLogger(__name__)

EXIT_WATCHDOG = 70
PNP_READER = "\\\\?PnP?\\Notification"  # pcsc-lite's pseudo reader: reader added/removed

# Errors meaning "the card is gone or unusable": end this read, no tap.
_CARD_ERRORS = {
    scard.SCARD_W_REMOVED_CARD,
    scard.SCARD_E_NO_SMARTCARD,
    scard.SCARD_W_RESET_CARD,
    scard.SCARD_E_NOT_TRANSACTED,
    scard.SCARD_W_UNRESPONSIVE_CARD,
    scard.SCARD_W_UNPOWERED_CARD,
    scard.SCARD_E_PROTO_MISMATCH,
    scard.SCARD_E_TIMEOUT,
    scard.SCARD_F_COMM_ERROR,
    scard.SCARD_E_COMM_DATA_LOST,
    scard.SCARD_W_UNSUPPORTED_CARD,
    scard.SCARD_E_SHARING_VIOLATION,
    scard.SCARD_E_READER_UNAVAILABLE,
    scard.SCARD_E_UNKNOWN_READER,
}

HandleCard = Callable[[str, Transmit], None]


class PcscUnavailable(Exception):
    """pcscd or the reader set went away: release the context and start over."""


def _check(hr: int, what: str) -> None:
    if hr != scard.SCARD_S_SUCCESS:
        raise PcscUnavailable(f"{what}: {scard.SCardGetErrorMessage(hr)} (0x{hr & 0xFFFFFFFF:08X})")


class Health:
    """Shared, thread-safe view of the reader state for heartbeats and ``status``."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.readers: list[str] = []
        self.state = "starting"
        self.last_progress = time.monotonic()

    def set(self, state: str, readers: list[str] | None = None) -> None:
        with self._lock:
            if state != self.state:
                log.info("reader state: %s %s", state, readers or "")
            self.state = state
            if readers is not None:
                self.readers = list(readers)

    def reader(self) -> str | None:
        with self._lock:
            return ", ".join(self.readers) if self.state == "ready" and self.readers else None

    def tick(self) -> None:
        self.last_progress = time.monotonic()


class PcscOwner:
    def __init__(
        self,
        handle_card: HandleCard,
        *,
        reader_filter: str,
        stop: threading.Event,
        health: Health,
        poll_timeout_ms: int = 1000,
    ) -> None:
        self.handle_card = handle_card
        self.reader_filter = reader_filter
        self.stop = stop
        self.health = health
        self.poll_timeout_ms = poll_timeout_ms
        self.ctx: int | None = None

    # --- outer loop: (re-)establish the context ------------------------------------------
    def run(self) -> None:
        backoff = 0.2
        while not self.stop.is_set():
            self.health.tick()
            established = time.monotonic()
            try:
                self._establish()
                self._monitor()
            except PcscUnavailable as exc:
                self.health.set("pcsc unavailable")
                log.warning("PC/SC: %s; re-establishing in %.1fs", exc, backoff)
            except Exception:  # never let the reader loop die
                self.health.set("error")
                log.exception("PC/SC loop error; re-establishing in %.1fs", backoff)
            finally:
                self._release()
            if time.monotonic() - established > 10:
                backoff = 0.2  # it worked for a while: this is a new outage, start small
            self._idle(backoff)
            backoff = min(backoff * 2, 5.0)

    def _idle(self, seconds: float) -> None:
        """Back-off wait that still counts as progress for the watchdog."""
        deadline = time.monotonic() + seconds
        while not self.stop.is_set() and (left := deadline - time.monotonic()) > 0:
            self.stop.wait(min(left, 0.5))
            self.health.tick()

    def cancel(self) -> None:
        """Unblock SCardGetStatusChange (called from other threads: stop, watchdog)."""
        ctx = self.ctx
        if ctx is not None:
            scard.SCardCancel(ctx)

    def _establish(self) -> None:
        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        _check(hr, "SCardEstablishContext")
        self.ctx = ctx

    def _release(self) -> None:
        ctx, self.ctx = self.ctx, None
        if ctx is not None:
            scard.SCardReleaseContext(ctx)

    def _list_readers(self) -> list[str]:
        hr, readers = scard.SCardListReaders(self.ctx, [])
        if hr in (scard.SCARD_E_NO_READERS_AVAILABLE,):
            return []
        _check(hr, "SCardListReaders")
        return sorted(r for r in readers if self.reader_filter in r)

    # --- inner loop: wait for cards ------------------------------------------------------
    def _monitor(self) -> None:
        readers = self._list_readers()
        self.health.set("ready" if readers else "no reader", readers)
        # Last state seen per reader, including pcsc-lite's event counter in the high 16
        # bits: a card swapped between two polls shows up as a counter change.
        states = dict.fromkeys(readers, scard.SCARD_STATE_UNAWARE)
        pnp = scard.SCARD_STATE_UNAWARE
        while not self.stop.is_set():
            self.health.tick()
            query = [(r, s) for r, s in states.items()] + [(PNP_READER, pnp)]
            hr, result = scard.SCardGetStatusChange(self.ctx, self.poll_timeout_ms, query)
            if hr in (scard.SCARD_E_TIMEOUT, scard.SCARD_E_CANCELLED):
                continue
            _check(hr, "SCardGetStatusChange")
            for name, event, _atr in result:
                if name == PNP_READER:
                    if event & scard.SCARD_STATE_CHANGED and pnp != scard.SCARD_STATE_UNAWARE:
                        return  # a reader came or went: list them again
                    pnp = event & ~scard.SCARD_STATE_CHANGED
                    continue
                if event & (scard.SCARD_STATE_UNKNOWN | scard.SCARD_STATE_UNAVAILABLE):
                    log.warning("reader %s went away", name)
                    return  # unplugged: list the readers again
                before = states[name]
                states[name] = event & ~scard.SCARD_STATE_CHANGED
                if self._is_new_card(before, event):
                    self._read(name)

    @staticmethod
    def _is_new_card(before: int, event: int) -> bool:
        if not event & scard.SCARD_STATE_PRESENT or event & scard.SCARD_STATE_MUTE:
            return False
        if before == scard.SCARD_STATE_UNAWARE or not before & scard.SCARD_STATE_PRESENT:
            return True  # inserted (or already there when we started: nobody read it yet)
        return (before >> 16) != (event >> 16)  # removed and re-inserted between polls

    def _read(self, reader: str) -> None:
        """Connect, hand the card to the tap pipeline inside a transaction, disconnect."""
        hr, hcard, proto = scard.SCardConnect(
            self.ctx, reader, scard.SCARD_SHARE_SHARED, scard.SCARD_PROTOCOL_T0 | scard.SCARD_PROTOCOL_T1
        )
        if hr in _CARD_ERRORS:
            log.info("card on %s not readable: %s", reader, scard.SCardGetErrorMessage(hr))
            return
        _check(hr, "SCardConnect")
        try:
            # A transaction keeps other applications' APDUs from interleaving with ours.
            hr = scard.SCardBeginTransaction(hcard)
            if hr in _CARD_ERRORS:
                return
            _check(hr, "SCardBeginTransaction")
            self.handle_card(reader, self._transmitter(hcard, proto))
        except CardGone as exc:
            log.info("card left %s mid-read: %s", reader, exc)
        finally:
            scard.SCardEndTransaction(hcard, scard.SCARD_LEAVE_CARD)
            scard.SCardDisconnect(hcard, scard.SCARD_LEAVE_CARD)

    def _transmitter(self, hcard: int, proto: int) -> Transmit:
        def transmit(apdu: bytes) -> tuple[bytes, int]:
            self.health.tick()
            hr, resp = scard.SCardTransmit(hcard, proto, list(apdu))
            if hr in _CARD_ERRORS:
                raise CardGone(scard.SCardGetErrorMessage(hr))
            _check(hr, "SCardTransmit")  # service gone: PcscUnavailable, handled by run()
            if len(resp) < 2:
                raise CardGone("short response")
            return bytes(resp[:-2]), (resp[-2] << 8) | resp[-1]

        return transmit


class Watchdog:
    """Exit the process when the PC/SC thread stops making progress."""

    def __init__(
        self,
        owner: PcscOwner,
        health: Health,
        *,
        timeout: float,
        stop: threading.Event,
        exit: Callable[[int], None] = os._exit,
    ) -> None:
        self.owner, self.health, self.timeout, self.stop = owner, health, timeout, stop
        self._exit = exit

    def run(self) -> None:
        cancelled = False
        while not self.stop.wait(min(1.0, self.timeout / 4)):
            stalled = time.monotonic() - self.health.last_progress
            if stalled < self.timeout:
                cancelled = False
                continue
            if not cancelled:
                log.error("PC/SC thread stalled for %.1fs; cancelling its call", stalled)
                self.owner.cancel()
                cancelled = True
            elif stalled >= 2 * self.timeout:
                log.critical(
                    "PC/SC thread still stalled after %.1fs; exiting with %d so that the service manager restarts us",
                    stalled,
                    EXIT_WATCHDOG,
                )
                logging.shutdown()
                self._exit(EXIT_WATCHDOG)
                return


def read_one_card(reader_filter: str, fn: Callable[[Transmit], object], *, deadline: float) -> tuple[str, object]:
    """For the ``read-once`` CLI: wait for a card on a matching reader, run ``fn`` on it.
    A short-lived context of its own (the CLI is its own process, not the daemon)."""
    result: list[tuple[str, object]] = []
    failure: list[CardError] = []
    stop = threading.Event()

    def handle(reader: str, transmit: Transmit) -> None:
        try:
            result.append((reader, fn(transmit)))
        except CardError as exc:  # CardGone is not caught: wait for the next presentation
            failure.append(exc)
        stop.set()

    owner = PcscOwner(handle, reader_filter=reader_filter, stop=stop, health=Health(), poll_timeout_ms=200)
    thread = threading.Thread(target=owner.run, name="read-once", daemon=True)
    thread.start()
    while not stop.wait(0.05):
        if time.monotonic() > deadline:
            stop.set()
            owner.cancel()
            thread.join(timeout=2)
            raise TimeoutError("no card")
    thread.join(timeout=2)
    if failure:
        raise failure[0]
    return result[0]
