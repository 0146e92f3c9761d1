"""The durable outbox: keys, debounce, delivery states, revocations, crash durability."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

from edge_reader.outbox import Device, Outbox
from tests.edge_reader.daemon_proc import ROOT, child_env


def tap(serial: str = "0123456789abcdef", tech: str = "12345678901234") -> dict:
    return {
        "method": "card",
        "technician_id": tech,
        "card_serial": serial,
        "challenge": "00" * 16,
        "response": "11" * 16,
        "device_time": "2026-04-01T08:00:00.000+09:00",
    }


def test_connection_is_wal_and_fsyncs_every_commit(tmp_path: Path):
    box = Outbox(tmp_path / "o.db")
    assert box.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    assert box.db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_record_allocates_increasing_keys_and_stores_the_contract_payload(tmp_path: Path):
    box = Outbox(tmp_path / "o.db")
    recs = [box.record("devA", tap(f"{i:016x}"), now=1000.0 + i) for i in range(3)]
    assert [(r.idempotency_key, r.device_seq, r.duplicate) for r in recs] == [
        ("devA:1", 1, False),
        ("devA:2", 2, False),
        ("devA:3", 3, False),
    ]
    first = box.pending(10)[0]
    assert first == {"idempotency_key": "devA:1", **tap(f"{0:016x}"), "device_seq": 1}


def test_recent_taps_are_the_window_of_one_serial_with_their_challenges(tmp_path: Path):
    box = Outbox(tmp_path / "o.db")
    first = box.record("d", tap(), now=1000.0)
    second = box.record("d", {**tap(), "challenge": "22" * 16, "response": "33" * 16}, now=1010.0)
    box.record("d", tap("ffffffffffffffff"), now=1011.0)  # another card
    recent = box.recent_taps("0123456789abcdef", now=1029.0, window=30)
    # Newest first, each with what identifies it: the challenge and the card's answer.
    assert [(r.idempotency_key, r.challenge.hex(), r.response.hex()) for r in recent] == [
        (second.idempotency_key, "22" * 16, "33" * 16),
        (first.idempotency_key, "00" * 16, "11" * 16),
    ]
    assert [r.idempotency_key for r in box.recent_taps("0123456789abcdef", now=1031.0, window=30)] == [
        second.idempotency_key
    ]  # the first is 31 s old
    assert box.recent_taps("0123456789abcdef", now=1031.0, window=0) == []  # 0 = off
    # A known verdict travels with the recent tap (the gate can say it again).
    box.apply_results([(second.idempotency_key, "rejected", "bad_card_response")], [])
    rec = box.recent_taps("0123456789abcdef", now=1031.0, window=30)[0].as_recorded()
    assert (rec.duplicate, rec.server_status, rec.reject_reason) == (True, "rejected", "bad_card_response")


def test_an_old_servers_duplicate_never_hides_a_known_verdict(tmp_path: Path):
    box = Outbox(tmp_path / "o.db")
    box.record("d", tap(), now=1000.0)
    box.apply_results([("d:1", "duplicate", None)], [])  # old contract: verdict unknown
    assert box.recent_verdicts()[0]["status"] == "duplicate"
    box.record("d", tap("ffffffffffffffff"), now=1001.0)
    box.apply_results([("d:2", "accepted", None, True)], [])  # new contract: the stored verdict
    assert [(v["idempotency_key"], v["status"]) for v in box.recent_verdicts()] == [
        ("d:2", "accepted"),
        ("d:1", "duplicate"),
    ]


def test_sequence_is_never_reused_after_delivered_taps_are_pruned(tmp_path: Path):
    """A reused key would be answered 'duplicate' by the server: a silently lost tap."""
    box = Outbox(tmp_path / "o.db")
    for i in range(3):
        box.record("d", tap(f"{i:016x}"), now=1000.0)
    box.apply_results([(f"d:{i}", "accepted", None) for i in (1, 2, 3)], [])
    assert box.prune_sent(older_than=2000.0) == 3
    assert box.counts() == {"pending": 0, "sent": 0, "dead": 0}
    box.close()
    assert Outbox(tmp_path / "o.db").record("d", tap(), now=3000.0).device_seq == 4


def test_results_deliver_errors_dead_letter_and_unknown_entries_change_nothing(tmp_path: Path):
    box = Outbox(tmp_path / "o.db")
    for i in range(4):
        box.record("d", tap(f"{i:016x}"), now=1000.0)
    box.apply_results(
        [("d:1", "accepted", None), ("d:2", "rejected", "bad_card_response"), ("nope:9", "accepted", None)],
        [("d:3", "invalid_tap: technician_id")],
    )
    assert box.counts() == {"pending": 1, "sent": 2, "dead": 1}
    assert [t["idempotency_key"] for t in box.pending(10)] == ["d:4"]
    row = box.db.execute("SELECT state, server_status, reject_reason, error FROM taps ORDER BY seq").fetchall()
    assert row[:3] == [
        ("sent", "accepted", None, None),
        ("sent", "rejected", "bad_card_response", None),
        ("dead", None, None, "invalid_tap: technician_id"),
    ]
    # A late answer cannot resurrect a dead letter or re-deliver a sent tap.
    box.apply_results([("d:3", "accepted", None)], [("d:1", "x")])
    assert box.counts() == {"pending": 1, "sent": 2, "dead": 1}


def test_revocation_list_full_and_delta(tmp_path: Path):
    box = Outbox(tmp_path / "o.db")
    box.apply_revocations(2, ["AAAAAAAAAAAAAAAA", "bbbbbbbbbbbbbbbb"], full=True)
    assert box.is_revoked("aaaaaaaaaaaaaaaa") and box.revocations_version() == 2
    box.apply_revocations(3, ["cccccccccccccccc"], full=False)
    assert box.revoked_count() == 3 and box.revocations_version() == 3
    box.apply_revocations(4, ["dddddddddddddddd"], full=True)
    assert box.revoked_count() == 1 and not box.is_revoked("aaaaaaaaaaaaaaaa")


def test_device_credentials_round_trip(tmp_path: Path):
    box = Outbox(tmp_path / "o.db")
    assert box.device() is None
    box.save_device(Device("dev1", "tok", "13000000000019", "http://x"))
    assert Outbox(tmp_path / "o.db").device() == Device("dev1", "tok", "13000000000019", "http://x")


def test_a_committed_tap_survives_sigkill(tmp_path: Path):
    """record() returns only once the tap is committed: kill -9 right after loses nothing."""
    script = textwrap.dedent("""
        import json, pathlib, sys, time
        from edge_reader.outbox import Outbox
        box = Outbox(pathlib.Path(sys.argv[1]))
        base = json.loads(sys.argv[2])
        for i in range(50):
            rec = box.record("d", {**base, "card_serial": f"{i:016x}"}, now=1000.0)
            print(rec.idempotency_key, flush=True)
        time.sleep(60)
    """)
    proc = subprocess.Popen(
        [sys.executable, "-c", script, str(tmp_path / "o.db"), json.dumps(tap())],
        cwd=ROOT,
        env=child_env(),
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    printed = [proc.stdout.readline().strip() for _ in range(50)]
    proc.send_signal(signal.SIGKILL)
    proc.wait(10)
    proc.stdout.close()
    keys = [t["idempotency_key"] for t in Outbox(tmp_path / "o.db").pending(100)]
    assert keys == printed == [f"d:{i}" for i in range(1, 51)]
