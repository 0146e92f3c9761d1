"""A TCP proxy between the edge daemon and the contract server that can lose the network.

Modes: ``up`` forwards; ``reset`` aborts every connection with a RST and refuses new ones
(cable pulled, server host down); ``blackhole`` accepts and swallows bytes without an
answer (a dead NAT/Wi-Fi: the client has to time out); ``mute`` forwards requests to the
server but swallows its answers (the answer is lost after the server acted on the request).
Leaving ``blackhole`` or ``mute`` aborts the connections they held, as a real network would
once the peer's state is gone.
"""

from __future__ import annotations

import selectors
import socket
import struct
import threading

MODES = ("up", "reset", "blackhole", "mute")


def _abort(sock: socket.socket) -> None:
    """Close with RST instead of FIN (SO_LINGER 0)."""
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    except OSError:
        pass
    sock.close()


class ChaosProxy:
    def __init__(self, target_port: int, target_host: str = "127.0.0.1") -> None:
        self.target = (target_host, target_port)
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.listener.setblocking(False)
        self.port = self.listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.mode = "up"
        self._applied = "up"
        self._peers: dict[socket.socket, socket.socket | None] = {}
        self._upstreams: set[socket.socket] = set()
        self._sel = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="chaos-proxy", daemon=True)
        self.aborted = 0

    def __enter__(self) -> ChaosProxy:
        self._sel.register(self.listener, selectors.EVENT_READ)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        for sock in list(self._peers):
            _abort(sock)
        self.listener.close()
        self._sel.close()

    def set_mode(self, mode: str) -> None:
        assert mode in MODES
        self.mode = mode  # applied by the proxy thread on its next turn (≤ 20 ms)

    # --- proxy thread --------------------------------------------------------------
    def _drop(self, sock: socket.socket) -> None:
        peer = self._peers.pop(sock, None)
        for s in (sock, peer):
            if s is None:
                continue
            self._peers.pop(s, None)
            self._upstreams.discard(s)
            try:
                self._sel.unregister(s)
            except (KeyError, ValueError):
                pass
            _abort(s)

    def _drop_all(self) -> None:
        for sock in list(self._peers):
            if sock in self._peers:
                self.aborted += 1
                self._drop(sock)

    def _loop(self) -> None:
        while not self._stop.is_set():
            mode = self.mode
            if mode != self._applied:
                if mode == "reset" or self._applied in ("blackhole", "mute"):
                    self._drop_all()
                self._applied = mode
            for key, _ in self._sel.select(timeout=0.02):
                sock = key.fileobj
                if sock is self.listener:
                    self._accept(mode)
                    continue
                try:
                    data = sock.recv(65536)  # type: ignore[union-attr]
                except OSError:
                    data = b""
                if sock not in self._peers:
                    continue
                if not data:
                    self._drop(sock)  # type: ignore[arg-type]
                    continue
                peer = self._peers[sock]  # type: ignore[index]
                if peer is None or mode == "blackhole" or mode == "reset":
                    continue  # swallow
                if mode == "mute" and sock in self._upstreams:
                    continue  # the server's answer is lost on the way back
                try:
                    peer.setblocking(True)
                    peer.sendall(data)
                    peer.setblocking(False)
                except OSError:
                    self._drop(sock)  # type: ignore[arg-type]

    def _accept(self, mode: str) -> None:
        try:
            client, _ = self.listener.accept()
        except OSError:
            return
        if mode == "reset":
            _abort(client)
            return
        upstream = None
        if mode in ("up", "mute"):
            try:
                upstream = socket.create_connection(self.target, timeout=2)
            except OSError:
                _abort(client)
                return
            upstream.setblocking(False)
            self._upstreams.add(upstream)
            self._peers[upstream] = client
            self._sel.register(upstream, selectors.EVENT_READ)
        client.setblocking(False)
        self._peers[client] = upstream
        self._sel.register(client, selectors.EVENT_READ)
