"""STAND-IN for the OpenCCUS server's device API — edge_reader tests only.

This is NOT the real server.  It implements the edge-reader upload contract (see
edge_reader/uploader.py and docs/card-profile.md §Server-side verification) closely enough
to test the reader against it until the real endpoints exist in ``api/``; then the same
tests should also run against the real app.

It stores each idempotency key once (in memory, guarded by a lock), verifies the card
response with the profile's key derivation, refuses replays of (serial, challenge), and has
fault switches to simulate an unhealthy server (503 before processing; 500 after storing).
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
import socket
import threading
import time
from dataclasses import dataclass, field

import uvicorn
from starlette.applications import Starlette
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from tests.pcsc_stack.openccus import auth_response, derive_card_key

HEX16 = re.compile(r"[0-9a-f]{16}")
HEX32 = re.compile(r"[0-9a-f]{32}")
DIGITS14 = re.compile(r"[0-9]{14}")
MAX_BATCH = 1000


@dataclass
class StoredTap:
    idempotency_key: str
    device_id: str
    tap: dict
    status: str
    reject_reason: str | None
    received_at: float


@dataclass
class ContractState:
    master_key: bytes = field(default_factory=lambda: secrets.token_bytes(32))
    site_id: str = "13000000000019"
    lock: threading.Lock = field(default_factory=threading.Lock)
    enrol_codes: set[str] = field(default_factory=set)
    tokens: dict[str, str] = field(default_factory=dict)  # token -> device_id
    cards: dict[str, tuple[str, int]] = field(default_factory=dict)  # serial -> (tech, kv)
    taps: dict[str, StoredTap] = field(default_factory=dict)
    challenges: set[tuple[str, str]] = field(default_factory=set)
    revoked: list[str] = field(default_factory=list)  # index + 1 = version that added it
    heartbeats: list[dict] = field(default_factory=list)
    batch_calls: int = 0
    duplicate_answers: int = 0
    # None, "503" (refuse before storing) or "500-after-store" (store, then fail)
    fault: str | None = None

    # --- test set-up ------------------------------------------------------------------
    def add_enrol_code(self) -> str:
        code = secrets.token_hex(4)
        self.enrol_codes.add(code)
        return code

    def register_card(self, serial_hex: str, technician_id: str, key_version: int = 1) -> None:
        with self.lock:
            self.cards[serial_hex] = (technician_id, key_version)

    def revoke(self, serial_hex: str) -> int:
        with self.lock:
            self.revoked.append(serial_hex)
            return len(self.revoked)

    def stored_keys(self) -> list[str]:
        with self.lock:
            return list(self.taps)

    # --- contract logic -------------------------------------------------------------
    def verify(self, tap: dict) -> tuple[str, str | None]:
        """Server-side verification per the card profile (the lead's real one lives in api/)."""
        serial = tap["card_serial"]
        if serial in self.revoked:
            return "rejected", "card_revoked"
        if serial not in self.cards:
            return "rejected", "unknown_card"
        technician, kv = self.cards[serial]
        if technician != tap["technician_id"]:
            return "rejected", "technician_mismatch"
        if (serial, tap["challenge"]) in self.challenges:
            return "rejected", "replayed_challenge"
        self.challenges.add((serial, tap["challenge"]))
        key = derive_card_key(self.master_key, bytes.fromhex(serial), kv)
        expected = auth_response(key, bytes.fromhex(tap["challenge"]))
        if not secrets.compare_digest(expected.hex(), tap["response"]):
            return "rejected", "bad_card_response"
        return "accepted", None


def malformed(tap: object) -> str | None:
    if not isinstance(tap, dict):
        return "tap is not an object"
    key = tap.get("idempotency_key")
    if not isinstance(key, str) or not 0 < len(key) <= 64:
        return "idempotency_key"
    if tap.get("method") != "card":
        return "method"
    checks = {"technician_id": DIGITS14, "card_serial": HEX16, "challenge": HEX32, "response": HEX32}
    for name, pattern in checks.items():
        value = tap.get(name)
        if not isinstance(value, str) or not pattern.fullmatch(value):
            return name
    seq = tap.get("device_seq")
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        return "device_seq"
    try:
        when = dt.datetime.fromisoformat(tap.get("device_time"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "device_time"
    if when.utcoffset() is None:
        return "device_time"
    return None


async def read_json(request: Request) -> object:
    """The body as JSON; None if it is not JSON or the client vanished mid-body (the
    chaos proxy cuts connections at random, which must not spray tracebacks)."""
    try:
        return await request.json()
    except (ClientDisconnect, ValueError):
        return None


def create_app(state: ContractState) -> Starlette:
    def device_of(request: Request) -> str | None:
        auth = request.headers.get("authorization", "")
        if not auth.startswith("Bearer "):
            return None
        return state.tokens.get(auth[7:])

    async def enrol(request: Request) -> JSONResponse:
        body = await read_json(request)
        if not isinstance(body, dict):
            return JSONResponse({"error": "bad_request"}, status_code=400)
        with state.lock:
            if body.get("code") not in state.enrol_codes:
                return JSONResponse({"error": "invalid_code"}, status_code=400)
            state.enrol_codes.discard(body["code"])  # one-time
            device_id, token = f"dev{len(state.tokens) + 1:04d}", secrets.token_urlsafe(24)
            state.tokens[token] = device_id
        return JSONResponse({"device_id": device_id, "device_token": token, "site_id": state.site_id}, status_code=201)

    async def batch(request: Request) -> JSONResponse:
        device_id = device_of(request)
        if device_id is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if state.fault == "503":
            return JSONResponse({"error": "unavailable"}, status_code=503)
        body = await read_json(request)
        taps = body.get("taps") if isinstance(body, dict) else None
        if not isinstance(taps, list):
            return JSONResponse({"error": "bad_request"}, status_code=400)
        if len(taps) > MAX_BATCH:
            return JSONResponse({"error": "too_many_taps"}, status_code=413)
        results, errors = [], []
        with state.lock:
            state.batch_calls += 1
            for i, tap in enumerate(taps):
                if (problem := malformed(tap)) is not None:
                    errors.append({"index": i, "error": "invalid_tap", "message": problem})
                    continue
                key = tap["idempotency_key"]
                if (stored := state.taps.get(key)) is not None:
                    if stored.tap != tap:  # the same key for a different tap: refused, never merged
                        errors.append(
                            {
                                "index": i,
                                "error": "idempotency_key_reused",
                                "message": "this key was used for a different tap",
                            }
                        )
                        continue
                    # A re-sent tap: the stored tap's verdict, marked as a duplicate.
                    state.duplicate_answers += 1
                    results.append(
                        {
                            "index": i,
                            "idempotency_key": key,
                            "status": stored.status,
                            "duplicate": True,
                            "reject_reason": stored.reject_reason,
                        }
                    )
                    continue
                status, reason = state.verify(tap)
                state.taps[key] = StoredTap(key, device_id, tap, status, reason, time.time())
                results.append(
                    {"index": i, "idempotency_key": key, "status": status, "duplicate": False, "reject_reason": reason}
                )
        if state.fault == "500-after-store":
            return JSONResponse({"error": "internal"}, status_code=500)
        return JSONResponse({"results": results, "errors": errors})

    async def heartbeat(request: Request) -> JSONResponse:
        if device_of(request) is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        if state.fault == "503":
            return JSONResponse({"error": "unavailable"}, status_code=503)
        body = await read_json(request)
        if not isinstance(body, dict):
            return JSONResponse({"error": "bad_request"}, status_code=400)
        with state.lock:
            state.heartbeats.append(body)
            version = len(state.revoked)
        return JSONResponse({"revocations_version": version})

    async def revocations(request: Request) -> JSONResponse:
        if device_of(request) is None:
            return JSONResponse({"error": "unauthorized"}, status_code=401)
        since = int(request.query_params.get("since", "0"))
        with state.lock:
            version = len(state.revoked)
            full = since <= 0 or since > version
            revoked = state.revoked if full else state.revoked[since:]
            return JSONResponse({"version": version, "full": full, "revoked": list(revoked)})

    async def health(request: Request) -> JSONResponse:
        if state.fault == "503":
            return JSONResponse({"error": "unavailable"}, status_code=503)
        return JSONResponse({"status": "ok"})

    return Starlette(
        routes=[
            Route("/api/v1/health", health, methods=["GET"]),
            Route("/api/v1/devices/enrol", enrol, methods=["POST"]),
            Route("/api/v1/taps/batch", batch, methods=["POST"]),
            Route("/api/v1/devices/heartbeat", heartbeat, methods=["POST"]),
            Route("/api/v1/devices/revocations", revocations, methods=["GET"]),
        ]
    )


class ContractServer:
    """Runs the stand-in with uvicorn on 127.0.0.1:<free port> in a background thread."""

    def __init__(self, state: ContractState | None = None) -> None:
        self.state = state or ContractState()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        config = uvicorn.Config(create_app(self.state), log_level="warning", lifespan="off", access_log=False)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.sock]}, name="contract-server", daemon=True
        )

    def __enter__(self) -> ContractServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("contract server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.sock.close()
