"""The card trust chain end to end (issue 17), on real pcscd + vpcd readers with the real API on PostgreSQL:
key rotation and revoke-and-reissue by key version, a clone tapped before the genuine card, the real verdict after a
lost answer, revocations at the gate within seconds, the drain after an outage, and one daemon per data folder."""

from __future__ import annotations

import json
import re
import time


from tests.edge_reader.chaos import ChaosProxy
from tests.edge_reader.daemon_proc import edge_cli
from tests.edge_reader.real_api import RealApi
from tests.edge_reader.test_edge_pcsc import wait_until
from tests.pcsc_stack.openccus import Personalisation, openccus_card


def enrol(api: RealApi, data_dir, url: str | None = None) -> None:
    done = edge_cli(data_dir, "--api-url", url or api.url, "enrol", api.enrolment_code())
    assert done.returncode == 0, done.stderr


class Gate:
    """One virtual reader that people tap cards on: present, wait for the daemon's answer, lift."""

    def __init__(self, daemon, slot, reader, watch) -> None:
        self.daemon, self.slot, self.reader, self.watch = daemon, slot, reader, watch

    def tap(self, card, timeout: float = 10.0) -> dict:
        after = len(self.daemon.events)
        self.slot.insert(card)
        self.watch.wait(self.reader.name, present=True)
        event = self.daemon.wait_for(lambda e: e.get("event") == "tap", timeout=timeout, after=after)
        self.slot.remove()
        self.watch.wait(self.reader.name, present=False)
        return event


def verdicts(daemon) -> dict[str, dict]:
    """idempotency_key -> the newest verdict event the reader showed for it."""
    return {e["idempotency_key"]: e for e in daemon.events if e.get("event") == "verdict"}


def server_taps(api: RealApi, technician_id: str) -> list[dict]:
    return api.fetch(
        "SELECT source_key, status, reject_reason, challenge FROM tap WHERE technician_code = $1 ORDER BY id",
        technician_id,
    )


def personalisation(api: RealApi, serial: str) -> Personalisation:
    import datetime as dt

    rec = api.get(f"/api/v1/cards/{serial}/personalisation", api.op)
    return Personalisation(
        rec["technician_id"],
        bytes.fromhex(rec["card_serial"]),
        dt.date.fromisoformat(rec["issued"]),
        dt.date.fromisoformat(rec["expires"]),
        rec["key_version"],
        bytes.fromhex(rec["card_key"]),
    )


def test_key_rotation_old_cards_verify_until_their_version_is_revoked(
    api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path
):
    data_dir = tmp_path / "edge"
    enrol(api, data_dir)
    reader = pcscd.readers[0]
    # Production heartbeat (60 s): the revocation can only reach the gate in time through the long-poll.
    daemon = make_daemon(data_dir, reader_filter=reader.name, heartbeat_interval=60, debounce_seconds=0)
    daemon.start()
    gate = Gate(daemon, vpcd_slots[0], reader, reader_watch)
    old = api.technician()
    assert old.key_version == 1

    rotated = api.cli("cards", "rotate")
    assert rotated.returncode == 0, rotated.stderr
    assert "version 2" in rotated.stdout and "card_master_keys" in rotated.stdout
    key_file = api.env["OPENCCUS_CARD_MASTER_KEY_FILE"]
    assert re.search(r"^2:[A-Za-z0-9_=-]{43,}$", open(key_file).read(), re.M)  # noqa: SIM115
    new = api.technician()  # issued by the running API after the rotation, without a restart
    assert new.key_version == 2
    versions = api.cli("cards", "versions")
    assert "version 1: configured, 1 active" in versions.stdout and "version 2: newest, 1 active" in versions.stdout

    # Both versions verify on the server.
    for perso in (old, new):
        assert gate.tap(openccus_card(perso))["result"] == "ok"
    wait_until(
        lambda: (
            [t["status"] for t in server_taps(api, old.technician_id) + server_taps(api, new.technician_id)]
            == ["accepted", "accepted"]
        ),
        timeout=15,
        what="both versions accepted",
    )

    # Key version 1 leaked: it cannot be revoked while it is the newest, and version 2 is.
    refused = api.cli("cards", "revoke-version", "2")
    assert refused.returncode == 2 and "rotate" in refused.stderr
    revoked_at = time.monotonic()
    done = api.cli("cards", "revoke-version", "1")
    assert done.returncode == 0, done.stderr
    assert f"revoked {old.serial.hex()} -> reissued" in done.stdout and "1 card(s) revoked and reissued" in done.stdout
    reissued_serial = re.search(rf"{old.serial.hex()} -> reissued ([0-9a-f]{{16}})", done.stdout).group(1)

    # The old card is refused at the gate within seconds, offline, by the reader itself.
    while True:
        event = gate.tap(openccus_card(old))
        if event["result"] == "refused":
            break
        assert time.monotonic() - revoked_at < 10, "the revoked card still beeps 10 s after the revocation"
        time.sleep(0.3)
    assert event["reason"] == "card_revoked" and event["message"] == "このカードは失効しています。使用できません。"
    assert time.monotonic() - revoked_at < 10

    # The reissued card is under key version 2, verifies, and the fee was waived; the holder was told.
    replacement = personalisation(api, reissued_serial)
    assert replacement.key_version == 2 and replacement.technician_id == old.technician_id
    assert gate.tap(openccus_card(replacement))["result"] == "ok"
    # (A beep of the old card before the reader synced would be stored, and rejected as card_revoked.)
    wait_until(
        lambda: (
            [t["status"] for t in server_taps(api, old.technician_id) if t["reject_reason"] != "card_revoked"]
            == ["accepted", "accepted"]
        ),
        timeout=15,
        what="the reissued card accepted",
    )
    cards = api.fetch(
        "SELECT c.serial, c.status, c.key_version FROM card c JOIN technician t ON t.id = c.technician_id "
        "WHERE t.technician_id = $1 ORDER BY c.id",
        old.technician_id,
    )
    assert [(c["serial"], c["status"], c["key_version"]) for c in cards] == [
        (old.serial.hex(), "revoked", 1),
        (reissued_serial, "active", 2),
    ]
    assert api.fetch("SELECT count(*) AS n FROM charge WHERE source_key LIKE 'card_reissue:%'")[0]["n"] == 0
    notices = api.fetch(
        "SELECT n.kind, n.message FROM notification n JOIN account a ON a.id = n.account_id "
        "JOIN technician t ON t.id = a.technician_id WHERE t.technician_id = $1 "
        "AND n.kind = 'card.reissued'",
        old.technician_id,
    )
    assert len(notices) == 1 and "無料で再発行" in notices[0]["message"]
    # Running it again reissues nothing twice.
    again = api.cli("cards", "revoke-version", "1")
    assert again.returncode == 0 and "0 card(s) revoked and reissued" in again.stdout
    # A version-2 card was never touched.
    assert gate.tap(openccus_card(new))["result"] == "ok"


def test_a_card_revoked_while_the_reader_is_online_is_refused_within_seconds(
    api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path
):
    data_dir = tmp_path / "edge"
    enrol(api, data_dir)
    reader = pcscd.readers[0]
    # Production heartbeat (60 s): only the long-poll can bring the revocation in time.
    daemon = make_daemon(data_dir, reader_filter=reader.name, heartbeat_interval=60, debounce_seconds=0)
    daemon.start()
    gate = Gate(daemon, vpcd_slots[0], reader, reader_watch)
    perso = api.technician()
    assert gate.tap(openccus_card(perso))["result"] == "ok"
    time.sleep(1.0)  # the long-poll is waiting now
    known = json.loads(edge_cli(data_dir, "status").stdout)["revoked_cards"]  # earlier tests' revocations
    api.post(f"/api/v1/cards/{perso.serial.hex()}/revoke", api.op, json={"reason": "lost"})
    revoked_at = time.monotonic()
    wait_until(
        lambda: json.loads(edge_cli(data_dir, "status").stdout)["revoked_cards"] == known + 1,
        timeout=10,
        what="the revocation reached the reader within 10 s",
    )
    event = gate.tap(openccus_card(perso))
    assert event["result"] == "refused" and event["reason"] == "card_revoked"
    assert time.monotonic() - revoked_at < 10
    assert "long-poll failed" not in daemon.log()


def test_a_clone_tapped_first_does_not_mask_the_genuine_card(
    api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path
):
    data_dir = tmp_path / "edge"
    enrol(api, data_dir)
    reader = pcscd.readers[0]
    daemon = make_daemon(data_dir, reader_filter=reader.name, debounce_seconds=30)
    daemon.start()
    gate = Gate(daemon, vpcd_slots[0], reader, reader_watch)
    genuine = api.technician()
    clone = openccus_card(genuine, wrong_key=True)  # the card's data copied, not its key

    first = gate.tap(clone)
    assert first["result"] == "ok" and first["duplicate"] is False  # offline the reader cannot tell
    second = gate.tap(openccus_card(genuine))  # within the 30 s window
    assert second["result"] == "ok" and second["duplicate"] is False
    assert second["idempotency_key"] != first["idempotency_key"]
    third = gate.tap(openccus_card(genuine))  # the genuine card again: now a real double tap
    assert third["duplicate"] is True and third["idempotency_key"] == second["idempotency_key"]

    wait_until(lambda: len(server_taps(api, genuine.technician_id)) == 2, timeout=15, what="both taps uploaded")
    taps = server_taps(api, genuine.technician_id)
    assert [(t["status"], t["reject_reason"]) for t in taps] == [("rejected", "bad_card_response"), ("accepted", None)]
    wait_until(
        lambda: {first["idempotency_key"], second["idempotency_key"]} <= set(verdicts(daemon)),
        timeout=15,
        what="verdicts shown",
    )
    shown = verdicts(daemon)
    assert (shown[first["idempotency_key"]]["status"], shown[first["idempotency_key"]]["reject_reason"]) == (
        "rejected",
        "bad_card_response",
    )
    assert "複製の疑い" in shown[first["idempotency_key"]]["message"]
    assert shown[second["idempotency_key"]]["status"] == "accepted"


def lost_answers(*, proxy, daemon, gate, genuine, copied, stored) -> dict[str, dict]:
    """Tap a genuine card and a copy while the server's answers are lost; return the verdicts the reader shows once
    the network is back (learnt from re-sending the same taps)."""
    proxy.set_mode("mute")  # the server gets the taps; its answers are lost
    ok = gate.tap(openccus_card(genuine))
    bad = gate.tap(openccus_card(copied, wrong_key=True))
    wait_until(lambda: stored() == 2, timeout=20, what="the server stored both taps")
    time.sleep(2.5)  # at least one answer timed out
    assert not verdicts(daemon)
    proxy.set_mode("up")
    wait_until(
        lambda: {ok["idempotency_key"], bad["idempotency_key"]} <= set(verdicts(daemon)),
        timeout=20,
        what="verdicts after the re-send",
    )
    shown = verdicts(daemon)
    assert shown[ok["idempotency_key"]]["duplicate"] is True  # learnt from the re-send, not the first answer
    assert (shown[ok["idempotency_key"]]["status"], shown[ok["idempotency_key"]]["message"]) == (
        "accepted",
        "就業履歴として受け付けられました。",
    )
    assert (shown[bad["idempotency_key"]]["status"], shown[bad["idempotency_key"]]["reject_reason"]) == (
        "rejected",
        "bad_card_response",
    )
    assert (
        shown[bad["idempotency_key"]]["message"]
        == "受け付けられませんでした：カードの認証に失敗しました（複製の疑い）。"
    )
    return {"ok": ok, "bad": bad}


def test_lost_answer_the_reader_shows_the_stored_verdict(api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path):
    with ChaosProxy(api.port) as proxy:
        data_dir = tmp_path / "edge"
        enrol(api, data_dir, proxy.url)
        reader = pcscd.readers[0]
        daemon = make_daemon(data_dir, reader_filter=reader.name, http_timeout=2.0)
        daemon.start()
        genuine, copied = api.technician(), api.technician()
        taps = lost_answers(
            proxy=proxy,
            daemon=daemon,
            gate=Gate(daemon, vpcd_slots[0], reader, reader_watch),
            genuine=genuine,
            copied=copied,
            stored=lambda: len(server_taps(api, genuine.technician_id) + server_taps(api, copied.technician_id)),
        )
    status = json.loads(edge_cli(data_dir, "status").stdout)
    assert {(v["idempotency_key"], v["status"]) for v in status["recent_verdicts"]} == {
        (taps["ok"]["idempotency_key"], "accepted"),
        (taps["bad"]["idempotency_key"], "rejected"),
    }
    assert status["outbox"]["pending"] == 0


def test_lost_answer_verdict_against_the_contract_stand_in(
    contract, cards, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path
):
    """The same over the stand-in server that speaks the batch contract of edge_reader/uploader.py (stored verdict
    with ``duplicate`` for a re-sent key)."""
    with ChaosProxy(contract.port) as proxy:
        data_dir = tmp_path / "edge"
        assert edge_cli(data_dir, "--api-url", proxy.url, "enrol", contract.state.add_enrol_code()).returncode == 0
        reader = pcscd.readers[0]
        daemon = make_daemon(data_dir, reader_filter=reader.name, http_timeout=2.0)
        daemon.start()
        taps = lost_answers(
            proxy=proxy,
            daemon=daemon,
            gate=Gate(daemon, vpcd_slots[0], reader, reader_watch),
            genuine=cards.perso(),
            copied=cards.perso(),
            stored=lambda: len(contract.state.taps),
        )
    assert contract.state.duplicate_answers >= 2
    status = json.loads(edge_cli(data_dir, "--lang", "en", "status").stdout)
    shown = {v["idempotency_key"]: v for v in status["recent_verdicts"]}
    assert shown[taps["ok"]["idempotency_key"]]["message"] == "Accepted."
    assert shown[taps["bad"]["idempotency_key"]]["message"] == "Rejected: card authentication failed (suspected copy)"


def test_queued_taps_drain_within_seconds_of_the_servers_return(
    api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path
):
    people = [api.technician() for _ in range(3)]
    with ChaosProxy(api.port) as proxy:
        data_dir = tmp_path / "edge"
        enrol(api, data_dir, proxy.url)
        reader = pcscd.readers[0]
        # Production back-off: by the end of the outage the next retry is up to a minute away.
        daemon = make_daemon(
            data_dir,
            reader_filter=reader.name,
            backoff_base=4.0,
            backoff_cap=60.0,
            probe_interval=1.0,
            heartbeat_interval=60,
        )
        daemon.start()
        gate = Gate(daemon, vpcd_slots[0], reader, reader_watch)
        proxy.set_mode("reset")
        for perso in people:
            assert gate.tap(openccus_card(perso))["result"] == "ok"

        def long_wait_begun() -> bool:  # the uploader has just begun a back-off of 8 s or more
            waits = re.findall(r"upload failed .* retry in ([0-9.]+)s at most", daemon.log())
            return bool(waits) and float(waits[-1]) >= 8

        wait_until(long_wait_begun, timeout=60, what="a long back-off")
        time.sleep(1.0)
        assert all(not server_taps(api, p.technician_id) for p in people)
        proxy.set_mode("up")  # at least 7 s before the back-off would end
        back = time.monotonic()
        wait_until(lambda: all(server_taps(api, p.technician_id) for p in people), timeout=30, what="drain")
        drained = time.monotonic() - back
    assert drained < 5, f"queued taps took {drained:.1f} s to drain after the server came back"
    assert "health probe again" in daemon.log()


def test_a_second_daemon_on_the_same_data_folder_refuses_to_start(
    api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path
):
    data_dir = tmp_path / "edge"
    enrol(api, data_dir)
    first = make_daemon(data_dir, reader_filter=pcscd.readers[0].name)
    first.start()
    second = edge_cli(data_dir, "run", timeout=30)
    assert second.returncode == 3
    assert "既に edge_reader が動作しています" in second.stderr and f"PID {first.proc.pid}" in second.stderr
    english = edge_cli(data_dir, "--lang", "en", "run", timeout=30)
    assert (
        english.returncode == 3 and f"Another edge_reader (pid {first.proc.pid}) is already running" in english.stderr
    )
    # The first daemon still works, and a crash (SIGKILL) never leaves a stale lock behind.
    gate = Gate(first, vpcd_slots[0], pcscd.readers[0], reader_watch)
    assert gate.tap(openccus_card(api.technician()))["result"] == "ok"
    first.kill()
    first.start()
    assert first.alive()
