"""No tap lost, none doubled: 1,000 taps while the daemon is SIGKILLed at random moments
and the network to the server drops and returns.

Cards are presented by technicians who behave like real ones: a card stays on (or is
tapped again on) the reader until the daemon beeps ("ok" on its stdout).  Most taps come
through the daemon's TEST-ONLY direct vpcd source (pcscd's 400 ms polling and vpcd's two
readers cap real PC/SC at ~2.5 taps/s); the two real vpcd readers behind pcscd carry taps
at the same time, so both paths are killed mid-flight.

At the end the server must hold exactly the acknowledged taps: every acknowledged key
stored, nothing stored that was never acknowledged, one tap per technician.
"""

from __future__ import annotations

import random
import signal
import socket
import sqlite3
import threading
import time

from tests.edge_reader.chaos import ChaosProxy
from tests.pcsc_stack.vpcd import VirtualCardSlot

N_TAPS = 1000
DIRECT_WORKERS = 4
TEST_DEADLINE = 120.0  # seconds; the whole scenario normally takes ~35 s


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Technicians:
    """The queue of people waiting to tap, and what the daemon told them."""

    def __init__(self, cards: list) -> None:
        self.todo = list(reversed(cards))
        self.lock = threading.Lock()
        self.cond = threading.Condition(self.lock)
        self.acked: dict[str, set[str]] = {}  # card serial -> idempotency keys beeped for it
        self.via: dict[str, str] = {}

    def next(self):
        with self.lock:
            return self.todo.pop() if self.todo else None

    def on_event(self, event: dict) -> None:
        if event.get("event") == "tap" and event.get("result") == "ok":
            with self.cond:
                self.acked.setdefault(event["card_serial"], set()).add(event["idempotency_key"])
                self.via.setdefault(event["card_serial"], event["reader"])
                self.cond.notify_all()

    def wait_ack(self, serial: str, timeout: float) -> bool:
        with self.cond:
            return self.cond.wait_for(lambda: serial in self.acked, timeout)


def pending_in_outbox(db_path) -> int:
    db = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True, timeout=10)
    try:
        return db.execute("SELECT count(*) FROM taps WHERE state != 'sent'").fetchone()[0]
    finally:
        db.close()


def chaos_run(
    *,
    pcscd,
    vpcd_slots,
    reader_watch,
    persos,
    server_port: int,
    enrolled,
    make_daemon,
    set_fault=None,
):
    """Tap every card once while the daemon is killed and the network fails; return what the people heard.

    `set_fault(mode)` injects server-side faults ("503", "500-after-store", None) where the server supports them."""
    rng = random.Random()
    seed = rng.randrange(1 << 30)
    rng.seed(seed)
    print(f"random seed {seed}")
    deadline = time.monotonic() + TEST_DEADLINE
    people = Technicians(persos)
    from tests.pcsc_stack.openccus import openccus_card

    port = free_port()
    with ChaosProxy(server_port) as proxy:
        daemon = make_daemon(
            enrolled,
            api_url=proxy.url,
            test_vpcd_port=port,
            debounce_seconds=3600,
            reader_filter=pcscd.readers[0].name[:-2],
            batch_size=50,
            http_timeout=0.5,
            watchdog_seconds=30,
        )
        daemon.listeners.append(people.on_event)
        daemon.start()
        running = threading.Event()
        running.set()
        failures: list[BaseException] = []

        def guarded(fn):
            def run(*args) -> None:
                try:
                    fn(*args)
                except BaseException as exc:  # surfaced in the main thread
                    failures.append(exc)
                    running.clear()

            return run

        def direct_worker() -> None:
            slot = VirtualCardSlot(port)
            while running.is_set() and (perso := people.next()) is not None:
                serial = perso.serial.hex()
                while serial not in people.acked:
                    assert time.monotonic() < deadline, "direct worker ran out of time"
                    try:
                        slot.insert(openccus_card(perso), timeout=0.3)
                    except OSError:
                        continue  # daemon down: the technician tries again
                    end = time.monotonic() + 3
                    while slot.inserted and serial not in people.acked and time.monotonic() < end:
                        time.sleep(0.002)
                    slot.remove()
                    people.wait_ack(serial, 0.5 if daemon.alive() else 0.05)
                time.sleep(rng.uniform(0, 0.2))  # pace: keep taps flowing through the kills

        def pcsc_worker(index: int) -> None:
            slot, reader = vpcd_slots[index], pcscd.readers[index].name
            while running.is_set() and (perso := people.next()) is not None:
                serial = perso.serial.hex()
                while serial not in people.acked:
                    assert time.monotonic() < deadline, "pc/sc worker ran out of time"
                    slot.insert(openccus_card(perso))
                    # The card stays on the reader through daemon restarts until the beep.
                    if people.wait_ack(serial, 8):
                        break
                    slot.remove()  # no beep for a long time: lift the card and tap again
                    reader_watch.wait(reader, present=False, timeout=5)
                slot.remove()
                reader_watch.wait(reader, present=False, timeout=5)

        kills = 0

        def killer() -> None:
            nonlocal kills
            while running.is_set():
                time.sleep(rng.uniform(0.3, 1.5))
                if not running.is_set():
                    break
                daemon.kill(signal.SIGKILL)
                kills += 1
                time.sleep(rng.uniform(0, 0.3))
                daemon.start()

        def network() -> None:
            while running.is_set():
                mode = rng.choice(["up", "up", "reset", "blackhole", "503", "500-after-store"])
                proxy.set_mode(mode if mode in ("up", "reset", "blackhole") else "up")
                if set_fault is not None:
                    set_fault(mode if mode in ("503", "500-after-store") else None)
                time.sleep(rng.uniform(0.1, 0.8))

        workers = [threading.Thread(target=guarded(direct_worker)) for _ in range(DIRECT_WORKERS)]
        workers += [threading.Thread(target=guarded(pcsc_worker), args=(i,)) for i in range(2)]
        chaos = [threading.Thread(target=guarded(killer)), threading.Thread(target=guarded(network))]
        for t in workers + chaos:
            t.start()
        for t in workers:
            t.join(max(1.0, deadline - time.monotonic()))
        running.clear()
        for t in chaos:
            t.join(10)
        if failures:
            raise failures[0]
        assert not any(t.is_alive() for t in workers), "workers did not finish in time"

        # Everyone has heard the beep.  Heal the network, let the daemon drain the outbox.
        proxy.set_mode("up")
        if set_fault is not None:
            set_fault(None)
        if not daemon.alive():
            daemon.start()
        db_path = enrolled / "edge.sqlite3"
        while pending_in_outbox(db_path):
            assert time.monotonic() < deadline, "outbox never drained"
            time.sleep(0.1)
        assert daemon.stop() == 0

    return people, kills, daemon, proxy


def test_sigkill_and_network_loss_lose_and_double_nothing(
    pcscd, vpcd_slots, reader_watch, cards, contract, enrolled, make_daemon
):
    persos = [cards.perso() for _ in range(N_TAPS)]

    def set_fault(mode):
        contract.state.fault = mode

    people, kills, daemon, proxy = chaos_run(
        pcscd=pcscd,
        vpcd_slots=vpcd_slots,
        reader_watch=reader_watch,
        persos=persos,
        server_port=contract.port,
        enrolled=enrolled,
        make_daemon=make_daemon,
        set_fault=set_fault,
    )
    acked_keys = {k for keys in people.acked.values() for k in keys}
    state = contract.state
    stored = state.stored_keys()
    print(
        f"kills={kills} daemon_starts={daemon.starts} proxy_aborts={proxy.aborted} "
        f"batches={state.batch_calls} duplicate_answers={state.duplicate_answers} "
        f"via_pcsc={sum(1 for r in people.via.values() if not r.startswith('test-vpcd'))}"
    )
    # The core property: exactly the acknowledged taps, each stored once.
    assert len(stored) == len(set(stored))
    assert set(stored) == acked_keys
    # One tap per technician: a re-tap after a crash got the same key, never a new one.
    assert all(len(keys) == 1 for keys in people.acked.values())
    assert len(people.acked) == N_TAPS
    technicians = sorted(state.taps[k].tap["technician_id"] for k in stored)
    assert technicians == sorted(p.technician_id for p in persos)
    # Every stored tap carries a fresh challenge and a response the server could verify.
    assert {t.status for t in state.taps.values()} == {"accepted"}
    # The scenario really happened: crashes, network loss, resends, and real PC/SC taps.
    assert kills >= 10
    assert proxy.aborted > 0 and state.duplicate_answers > 0
    assert any(not r.startswith("test-vpcd") for r in people.via.values())
