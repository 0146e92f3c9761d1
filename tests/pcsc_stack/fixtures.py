"""pytest fixtures for the real PC/SC stack.  Use from a conftest::

    from tests.pcsc_stack.fixtures import pcscd, vpcd_slots, reader_watch  # noqa: F401

``pcscd`` (session): a running pcscd with the two vpcd readers (started and stopped here
unless one was already running).  ``vpcd_slots``: one ``VirtualCardSlot`` per virtual
reader, emptied again after the test.  ``reader_watch``: waits for pcscd to *see* a card
arrive or leave (its poll period is 400 ms, so a test must not swap cards faster).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator

import pytest

from .pcscd import PcscdService
from .vpcd import VirtualCardSlot


class ReaderWatch:
    """A PC/SC context of the test's own (separate from the daemon's) to observe readers."""

    def present(self, reader: str) -> bool | None:
        from smartcard import scard

        hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
        if hr != scard.SCARD_S_SUCCESS:
            return None
        try:
            hr, states = scard.SCardGetStatusChange(ctx, 0, [(reader, scard.SCARD_STATE_UNAWARE)])
            if hr != scard.SCARD_S_SUCCESS:
                return None
            return bool(states[0][1] & scard.SCARD_STATE_PRESENT)
        finally:
            scard.SCardReleaseContext(ctx)

    def wait(self, reader: str, present: bool, timeout: float = 5.0) -> None:
        deadline = time.monotonic() + timeout
        while self.present(reader) is not present:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{reader}: card {'never arrived' if present else 'never left'}")
            time.sleep(0.02)


@pytest.fixture(scope="session")
def pcscd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[PcscdService]:
    log = tmp_path_factory.mktemp("pcscd") / "pcscd.log"
    service = PcscdService(log, debug=os.environ.get("OPENCCUS_PCSCD_DEBUG") == "1")
    try:
        service.ensure()
    except (RuntimeError, TimeoutError, FileNotFoundError) as exc:
        service.stop()
        pytest.fail(f"pcscd with vpcd is not available ({exc}); install pcscd vsmartcard-vpcd")
    yield service
    service.stop()


@pytest.fixture
def reader_watch() -> ReaderWatch:
    return ReaderWatch()


@pytest.fixture
def vpcd_slots(pcscd: PcscdService, reader_watch: ReaderWatch) -> Iterator[list[VirtualCardSlot]]:
    slots = [VirtualCardSlot(r.port) for r in pcscd.readers]
    for reader in pcscd.readers:  # start from empty readers
        reader_watch.wait(reader.name, present=False, timeout=10)
    yield slots
    for slot, reader in zip(slots, pcscd.readers, strict=True):
        slot.remove()
        reader_watch.wait(reader.name, present=False, timeout=10)
