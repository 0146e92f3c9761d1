"""TEST ONLY — a card source that bypasses pcscd.  Never enable it on a site PC.

Why it exists: pcscd polls vpcd's virtual readers every 400 ms and vpcd offers only two
readers, so real PC/SC taps top out near 2.5 per second; the crash test needs 1,000 taps
in well under a minute.  This source plays the role of pcscd + vpcd for the *same* card
emulators (tests/pcsc_stack): it listens on 127.0.0.1:<port>, and every emulator
connection is one card presented.  The card is then read by exactly the code the PC/SC
path uses (``TapPipeline.handle_card``: card profile, debounce, revocation, outbox,
feedback), so only the transport differs.  Enabled by ``Settings.test_vpcd_port``.

Wire format (vpcd's): 2-byte big-endian length + payload; 1-byte payloads are control
codes (1 power on, 4 get ATR), longer ones are APDUs.
"""

from __future__ import annotations

import logging
import socket
import struct
import threading
from collections.abc import Callable

from .card import CardGone, Transmit

log = logging.getLogger(__name__)

MAX_CONCURRENT = 16


def _recv_exact(sock: socket.socket, n: int) -> bytes:
    buf = bytearray()
    while len(buf) < n:
        try:
            chunk = sock.recv(n - len(buf))
        except OSError as exc:
            raise CardGone(str(exc)) from exc
        if not chunk:
            raise CardGone("emulator closed the connection")
        buf += chunk
    return bytes(buf)


def _send(sock: socket.socket, payload: bytes) -> None:
    try:
        sock.sendall(struct.pack(">H", len(payload)) + payload)
    except OSError as exc:
        raise CardGone(str(exc)) from exc


def _call(sock: socket.socket, payload: bytes) -> bytes:
    _send(sock, payload)
    (length,) = struct.unpack(">H", _recv_exact(sock, 2))
    return _recv_exact(sock, length)


class DirectVpcdSource:
    def __init__(self, port: int, handle_card: Callable[[str, Transmit], None], stop: threading.Event) -> None:
        self.port, self.handle_card, self.stop = port, handle_card, stop
        self.name = f"test-vpcd:{port}"
        self.server: socket.socket | None = None
        self._slots = threading.BoundedSemaphore(MAX_CONCURRENT)

    def bind(self) -> None:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        # A SIGKILLed predecessor leaves connections in TIME_WAIT on this port.
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind(("127.0.0.1", self.port))
        server.listen(64)
        server.settimeout(0.5)
        self.server = server

    def run(self) -> None:
        assert self.server is not None, "bind() first"
        with self.server:
            while not self.stop.is_set():
                try:
                    conn, _ = self.server.accept()
                except TimeoutError:
                    continue
                except OSError:
                    if self.stop.is_set():
                        break
                    raise
                self._slots.acquire()
                threading.Thread(target=self._serve, args=(conn,), daemon=True).start()

    def _serve(self, conn: socket.socket) -> None:
        try:
            conn.settimeout(10.0)
            conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            _send(conn, b"\x01")  # power on: no answer
            _call(conn, b"\x04")  # ATR: answered, content not needed
            self.handle_card(self.name, lambda apdu: self._transmit(conn, apdu))
        except (CardGone, OSError) as exc:
            log.info("test card left mid-read: %s", exc)
        finally:
            conn.close()
            self._slots.release()

    @staticmethod
    def _transmit(conn: socket.socket, apdu: bytes) -> tuple[bytes, int]:
        resp = _call(conn, apdu)
        if len(resp) < 2:
            raise CardGone("short response")
        return resp[:-2], (resp[-2] << 8) | resp[-1]
