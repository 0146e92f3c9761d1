"""The vpcd wire protocol and a virtual card slot speaking it.

vpcd (Debian ``vsmartcard-vpcd``) is a pcscd reader driver that *listens* on TCP
(127.0.0.1:35963 for "Virtual PCD 00 00", 35964 for "... 00 01").  A card emulator connects
to it; every message is a 2-byte big-endian length followed by a payload.  A 1-byte payload
is a control code (0 power off, 1 power on, 2 reset, 4 get ATR — answered with the ATR);
anything longer is a command APDU, answered with the response APDU.

For pcscd a connected emulator is a present card, so ``insert`` connects and ``remove``
closes the socket — which is also exactly what a card pulled away mid-read looks like.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
import time
from collections.abc import Callable

from .iso7816 import Card

log = logging.getLogger(__name__)

CTRL_OFF, CTRL_ON, CTRL_RESET, CTRL_ATR = 0, 1, 2, 4
DEFAULT_PORT = 35963  # CHANNELID 0x8C7B in /etc/reader.conf.d/vpcd

# Called with each command APDU before the card sees it; return True to pull the card
# away at that moment instead of answering (the reader then sees a removed card).
ApduHook = Callable[[bytes], bool]


def _recv_exact(sock: socket.socket, n: int) -> bytes | None:
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except OSError:
            return None
        if not chunk:
            return None
        buf += chunk
        # vpcd writes the length and the payload separately with Nagle on; acking at once
        # (instead of the 40 ms delayed ACK) cuts every APDU round trip from ~44 ms to <1 ms.
        try:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)
        except OSError:
            pass
    return bytes(buf)


def _send(sock: socket.socket, payload: bytes) -> None:
    sock.sendall(struct.pack(">H", len(payload)) + payload)


class VirtualCardSlot:
    """One emulator connection to one vpcd reader; at most one card at a time.

    Thread-safe: ``insert``/``remove`` may be called from the test while a background
    thread serves pcscd's requests.
    """

    def __init__(self, port: int = DEFAULT_PORT, host: str = "127.0.0.1") -> None:
        self.host, self.port = host, port
        self._lock = threading.Lock()
        self._sock: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self.card: Card | None = None
        self.on_apdu: ApduHook | None = None
        self.apdu_count = 0
        self.powered_on = threading.Event()  # set when pcscd powers the current card

    # --- test-facing API ---------------------------------------------------------------
    def insert(self, card: Card, *, on_apdu: ApduHook | None = None, timeout: float = 10.0) -> None:
        """Connect to vpcd with ``card``; retries until vpcd listens (pcscd may be restarting)."""
        self.remove()
        deadline = time.monotonic() + timeout
        while True:
            try:
                sock = socket.create_connection((self.host, self.port), timeout=1.0)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)
        sock.settimeout(None)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        with self._lock:
            self._sock, self.card, self.on_apdu = sock, card, on_apdu
            self.powered_on.clear()
            self._thread = threading.Thread(
                target=self._serve, args=(sock, card), name=f"vpcd-{self.port}", daemon=True
            )
            self._thread.start()

    def remove(self) -> None:
        """Pull the card: close the connection (pcscd sees the card gone)."""
        with self._lock:
            sock, thread = self._sock, self._thread
            self._sock = self._thread = None
            self.card = None
        if sock is not None:
            _close(sock)
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=5)

    @property
    def inserted(self) -> bool:
        with self._lock:
            return self._sock is not None

    # --- serving pcscd -----------------------------------------------------------------
    def _serve(self, sock: socket.socket, card: Card) -> None:
        while True:
            header = _recv_exact(sock, 2)
            if header is None:
                break
            payload = _recv_exact(sock, struct.unpack(">H", header)[0])
            if payload is None:
                break
            try:
                if len(payload) == 1:
                    self._control(sock, card, payload[0])
                    continue
                self.apdu_count += 1
                hook = self.on_apdu
                if hook is not None and hook(payload):
                    log.info("emulator: card pulled away at APDU %s", payload[:4].hex())
                    break
                _send(sock, card.process(payload))
            except OSError:
                break
        # Ends here when pcscd went away (restart) or we were removed.
        with self._lock:
            if self._sock is sock:
                self._sock = None
                self.card = None
        _close(sock)

    def _control(self, sock: socket.socket, card: Card, code: int) -> None:
        if code == CTRL_OFF:
            card.power_off()
        elif code == CTRL_ON:
            card.power_on()
            self.powered_on.set()
        elif code == CTRL_RESET:
            card.reset()
            self.powered_on.set()
        elif code == CTRL_ATR:
            _send(sock, card.atr)
        else:
            log.warning("emulator: unknown vpcd control code %d", code)


def _close(sock: socket.socket) -> None:
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    sock.close()
