"""Fixtures for the edge reader tests: real pcscd + vpcd, the stand-in contract server,
the daemon as a subprocess, and virtual OpenCCUS cards registered with the server."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT) not in sys.path:  # `pytest` run without `python -m` from the repo root
    sys.path.insert(0, str(ROOT))

from tests.edge_reader.contract_server import ContractServer  # noqa: E402
from tests.edge_reader.daemon_proc import EdgeDaemon, edge_cli  # noqa: E402
from tests.edge_reader.real_api import RealApi  # noqa: E402
from tests.pcsc_stack.fixtures import pcscd, reader_watch, vpcd_slots  # noqa: E402,F401
from tests.pcsc_stack.iso7816 import Card  # noqa: E402
from tests.pcsc_stack.openccus import Personalisation, openccus_card  # noqa: E402

# Fast timings for tests; production defaults are in edge_reader/config.py.
FAST = {
    "upload_interval": 0.2,
    "heartbeat_interval": 0.5,
    "http_timeout": 2.0,
    "backoff_base": 0.05,
    "backoff_cap": 0.5,
    "poll_timeout_ms": 200,
    "watchdog_seconds": 5.0,
    "debounce_seconds": 30.0,
}


@pytest.fixture
def contract() -> Iterator[ContractServer]:
    with ContractServer() as server:
        yield server


class Cards:
    """Issues virtual cards and registers them with the stand-in server."""

    def __init__(self, server: ContractServer) -> None:
        self.server = server
        self.count = 0

    def perso(self, n: int | None = None, **kw: object) -> Personalisation:
        if n is None:
            self.count += 1
            n = self.count
        perso = Personalisation.issue(
            self.server.state.master_key, f"9{n:013d}", (0x0CC0_0000_0000_0000 + n).to_bytes(8, "big"), **kw
        )
        self.server.state.register_card(perso.serial.hex(), perso.technician_id, perso.key_version)
        return perso

    def card(self, n: int | None = None, **kw: object) -> Card:
        return openccus_card(self.perso(n, **kw))


@pytest.fixture
def cards(contract: ContractServer) -> Cards:
    return Cards(contract)


@pytest.fixture
def enrolled(contract: ContractServer, tmp_path: Path) -> Path:
    """A data dir enrolled with the stand-in server through the CLI."""
    data_dir = tmp_path / "edge"
    done = edge_cli(data_dir, "--api-url", contract.url, "enrol", contract.state.add_enrol_code())
    assert done.returncode == 0, done.stderr
    return data_dir


@pytest.fixture
def make_daemon(tmp_path: Path) -> Iterator:
    daemons: list[EdgeDaemon] = []

    def make(data_dir: Path, **settings: object) -> EdgeDaemon:
        daemon = EdgeDaemon(data_dir, tmp_path / f"daemon{len(daemons)}.log", {**FAST, **settings})
        daemons.append(daemon)
        return daemon

    yield make
    for daemon in daemons:
        daemon.stop()


@pytest.fixture(scope="module")
def api(tmp_path_factory) -> Iterator[RealApi]:
    """The real API on PostgreSQL (tests/edge_reader/real_api.py), seeded, shared by one test module's tests."""
    server = RealApi(tmp_path_factory.mktemp("real-api"))
    server.start()
    try:
        server.seed()
        yield server
    finally:
        server.stop()
