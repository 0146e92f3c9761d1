"""The daemon against a real pcscd with vpcd virtual readers and the card emulator."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import threading
import time

import pytest

from edge_reader.pcsc import EXIT_WATCHDOG
from tests.edge_reader.daemon_proc import ROOT, child_env, edge_cli
from tests.pcsc_stack.iso7816 import INS_INTERNAL_AUTHENTICATE, INS_READ_BINARY
from tests.pcsc_stack.openccus import auth_response, openccus_card, uid_only_card


def wait_until(pred, timeout: float = 10.0, what: str = "condition") -> None:
    deadline = time.monotonic() + timeout
    while not pred():
        if time.monotonic() > deadline:
            raise TimeoutError(what)
        time.sleep(0.02)


def accepted(contract) -> dict[str, str]:
    """technician_id -> status of every tap the server stored."""
    with contract.state.lock:
        return {t.tap["technician_id"]: t.status for t in contract.state.taps.values()}


def test_tap_read_over_pcsc_is_recorded_uploaded_and_verified(
    pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon
):
    reader = pcscd.readers[0]
    daemon = make_daemon(enrolled, reader_filter=reader.name)
    daemon.start()
    perso = cards.perso()
    vpcd_slots[0].insert(openccus_card(perso))
    ok = daemon.wait_for(lambda e: e.get("result") == "ok", timeout=10)
    assert ok["technician_id"] == perso.technician_id
    assert ok["card_serial"] == perso.serial.hex()
    assert ok["reader"] == reader.name and ok["duplicate"] is False
    wait_until(lambda: accepted(contract) == {perso.technician_id: "accepted"}, what="upload")
    stored = next(iter(contract.state.taps.values()))
    assert stored.idempotency_key == ok["idempotency_key"]
    assert stored.tap["device_seq"] == 1
    # The reader reports itself in heartbeats while it has a reader.
    wait_until(
        lambda: any(h.get("reader") == reader.name for h in contract.state.heartbeats),
        what="heartbeat naming the reader",
    )
    status = json.loads(edge_cli(enrolled, "status").stdout)
    assert status["reader"] == reader.name and status["last_upload"] is not None
    assert status["outbox"] == {"pending": 0, "sent": 1, "dead": 0}


def test_repeat_tap_within_debounce_is_acknowledged_not_recorded_again(
    pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon
):
    reader = pcscd.readers[0]
    daemon = make_daemon(enrolled, reader_filter=reader.name, debounce_seconds=60)
    daemon.start()
    card = cards.card()
    for n in (1, 2):
        vpcd_slots[0].insert(card)
        reader_watch.wait(reader.name, present=True)
        # Like a person, keep the card on the reader until it beeps (a busy machine reads slower than pcscd notices
        # the card; lifting it earlier is a "tap again", which another test covers).
        wait_until(lambda: len(daemon.taps()) == n, what=f"acknowledgement {n}")
        vpcd_slots[0].remove()
        reader_watch.wait(reader.name, present=False)
    oks = daemon.taps()
    assert len(oks) == 2
    assert [e["duplicate"] for e in oks] == [False, True]
    assert oks[0]["idempotency_key"] == oks[1]["idempotency_key"]
    wait_until(lambda: len(contract.state.taps) == 1, what="upload")
    time.sleep(0.5)  # give a wrongly recorded second tap time to arrive
    assert len(contract.state.taps) == 1


def test_revoked_card_is_refused_offline(pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon):
    reader = pcscd.readers[0]
    revoked, good = cards.perso(), cards.perso()
    contract.state.revoke(revoked.serial.hex())
    daemon = make_daemon(enrolled, reader_filter=reader.name)
    daemon.start()
    wait_until(
        lambda: json.loads(edge_cli(enrolled, "status").stdout)["revoked_cards"] == 1, what="revocation list synced"
    )
    # Now the network goes away: the refusal must not depend on the server.
    contract.state.fault = "503"
    vpcd_slots[0].insert(openccus_card(revoked))
    refused = daemon.wait_for(lambda e: e.get("event") == "tap", timeout=10)
    assert refused["result"] == "refused" and refused["reason"] == "card_revoked"
    vpcd_slots[0].remove()
    reader_watch.wait(reader.name, present=False)
    vpcd_slots[0].insert(openccus_card(good))
    ok = daemon.wait_for(lambda e: e.get("result") == "ok", timeout=10)
    assert ok["technician_id"] == good.technician_id
    contract.state.fault = None
    wait_until(lambda: len(contract.state.taps) == 1, what="upload after recovery")
    assert accepted(contract) == {good.technician_id: "accepted"}


@pytest.mark.parametrize("pull_at", [INS_READ_BINARY, INS_INTERNAL_AUTHENTICATE])
def test_card_pulled_away_mid_read_gives_no_half_tap(
    pull_at, pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon
):
    reader = pcscd.readers[0]
    daemon = make_daemon(enrolled, reader_filter=reader.name)
    daemon.start()
    card = cards.card()
    vpcd_slots[0].insert(card, on_apdu=lambda apdu: apdu[1] == pull_at)
    retry = daemon.wait_for(lambda e: e.get("event") == "tap", timeout=10)
    assert retry["result"] == "retry"
    reader_watch.wait(reader.name, present=False)
    # Tapping again works, and exactly one tap exists.
    vpcd_slots[0].insert(card)
    daemon.wait_for(lambda e: e.get("result") == "ok", timeout=10)
    wait_until(lambda: len(contract.state.taps) == 1, what="upload")
    assert len(daemon.taps()) == 1
    assert len(daemon.taps("retry")) == 1
    assert list(accepted(contract).values()) == ["accepted"]


def test_pcscd_restart_mid_run_is_survived(pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon):
    if not pcscd.owned:
        pytest.skip("pcscd was started outside the tests; not restarting someone else's pcscd")
    reader = pcscd.readers[0]
    daemon = make_daemon(enrolled, reader_filter=reader.name)
    daemon.start()
    first = cards.card()
    vpcd_slots[0].insert(first)
    daemon.wait_for(lambda e: e.get("result") == "ok", timeout=10)
    for sig in (signal.SIGTERM, signal.SIGKILL):  # a clean restart, then a crash
        pcscd.restart(sig, down_for=1.0)
        assert daemon.alive()
        vpcd_slots[0].insert(cards.card())  # the old card went with the old pcscd
        n = len(daemon.taps())
        daemon.wait_for(lambda e, n=n: e.get("result") == "ok" and len(daemon.taps()) > n, timeout=15)
        vpcd_slots[0].remove()
        reader_watch.wait(reader.name, present=False)
    wait_until(lambda: len(contract.state.taps) == 3, what="upload")
    assert sorted(accepted(contract).values()) == ["accepted"] * 3
    assert "Traceback" not in daemon.log()


def test_mute_card_trips_the_watchdog_and_a_restart_recovers(
    pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon
):
    reader = pcscd.readers[0]
    daemon = make_daemon(enrolled, reader_filter=reader.name, watchdog_seconds=1.0)
    daemon.start()
    card = cards.card()
    gate = threading.Event()

    def mute(apdu: bytes) -> bool:  # never answer INTERNAL AUTHENTICATE while the gate is shut
        if apdu[1] == INS_INTERNAL_AUTHENTICATE:
            gate.wait(30)
            return True
        return False

    vpcd_slots[0].insert(card, on_apdu=mute)
    assert daemon.proc is not None
    assert daemon.proc.wait(timeout=15) == EXIT_WATCHDOG
    assert daemon.taps() == []
    gate.set()
    reader_watch.wait(reader.name, present=False)
    daemon.start()  # what systemd's Restart=always does
    vpcd_slots[0].insert(card)
    daemon.wait_for(lambda e: e.get("result") == "ok", timeout=10)
    wait_until(lambda: len(contract.state.taps) == 1, what="upload")


def test_read_once_cli_reads_openccus_and_uid_cards(pcscd, vpcd_slots, reader_watch, cards, contract, tmp_path):
    reader = pcscd.readers[1]
    perso = cards.perso()
    vpcd_slots[1].insert(openccus_card(perso))
    done = edge_cli(tmp_path / "x", "--reader", reader.name, "read-once", "--timeout", "10")
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["profile"] == "openccus" and out["technician_id"] == perso.technician_id
    assert out["card_serial"] == perso.serial.hex() and out["key_version"] == 1
    # The printed response is the one the server would verify.
    assert out["response"] == auth_response(perso.card_key, bytes.fromhex(out["challenge"])).hex()
    vpcd_slots[1].remove()
    reader_watch.wait(reader.name, present=False)
    vpcd_slots[1].insert(uid_only_card(bytes.fromhex("04a1b2c3d4e5f6")))
    done = edge_cli(tmp_path / "x", "--reader", reader.name, "read-once", "--timeout", "10")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"reader": reader.name, "profile": "uid", "uid": "04a1b2c3d4e5f6"}


def start_emulator(args: list[str]) -> tuple[subprocess.Popen, list[str], threading.Thread]:
    """The emulator process and its stdout lines (a thread reads, so buffering hides none)."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "tests.pcsc_stack", *args], cwd=ROOT, env=child_env(), text=True, stdout=subprocess.PIPE
    )
    lines: list[str] = []

    def pump() -> None:
        assert proc.stdout is not None
        with proc.stdout:
            for line in proc.stdout:
                lines.append(line.strip())

    thread = threading.Thread(target=pump, daemon=True)
    thread.start()
    return proc, lines, thread


def test_emulator_process_killed_mid_read_is_a_removed_card(
    pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon
):
    """The literal scenario: the stand-alone emulator process holds INTERNAL AUTHENTICATE
    and is SIGKILLed while the daemon waits for the answer."""
    reader = pcscd.readers[0]
    daemon = make_daemon(enrolled, reader_filter=reader.name)
    daemon.start()
    perso = cards.perso()
    args = [
        "--port",
        str(reader.port),
        "--technician",
        perso.technician_id,
        "--serial",
        perso.serial.hex(),
        "--master-key-hex",
        contract.state.master_key.hex(),
    ]
    stalled, lines, pump = start_emulator([*args, "--stall-ins", "88"])
    try:
        wait_until(lambda: "APDU 88" in lines, what="INTERNAL AUTHENTICATE reached the card")
    finally:
        stalled.kill()  # the card is gone while the daemon waits for its answer
        stalled.wait(10)
        pump.join(10)
    event = daemon.wait_for(lambda e: e.get("event") == "tap", timeout=10)
    assert event["result"] == "retry"
    reader_watch.wait(reader.name, present=False)
    healthy, _, pump = start_emulator(args)
    try:
        daemon.wait_for(lambda e: e.get("result") == "ok", timeout=10)
    finally:
        healthy.terminate()
        healthy.wait(10)
        pump.join(10)
    wait_until(lambda: len(contract.state.taps) == 1, what="upload")
    assert accepted(contract) == {perso.technician_id: "accepted"}
    assert [e["result"] for e in daemon.events if e.get("event") == "tap"] == ["retry", "ok"]
