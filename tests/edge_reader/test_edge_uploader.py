"""The uploader against the stand-in contract server (real HTTP, real SQLite)."""

from __future__ import annotations

import secrets
import threading
import time
from pathlib import Path

import httpx
import pytest

from edge_reader.config import Settings
from edge_reader.outbox import Outbox
from edge_reader.uploader import ApiClient, ApiError, ApiUnauthorized, Uploader, enrol, split_answer
from tests.edge_reader.chaos import ChaosProxy
from tests.edge_reader.contract_server import ContractServer
from tests.pcsc_stack.openccus import Personalisation, auth_response


def setup(contract: ContractServer, tmp_path: Path, **settings: object):
    s = Settings(
        data_dir=tmp_path,
        api_url=contract.url,
        backoff_base=0.01,
        backoff_cap=0.05,
        http_timeout=2.0,
        upload_interval=0.05,
        heartbeat_interval=0.2,
        **settings,
    )
    device = enrol(contract.url, contract.state.add_enrol_code(), software_version="t")
    box = Outbox(s.db_path)
    box.save_device(device)
    uploader = Uploader(
        s, device, stop=threading.Event(), wake=threading.Event(), reader_status=lambda: "Virtual PCD 00 00"
    )
    return s, device, box, uploader, ApiClient(device, s)


def add_taps(contract: ContractServer, box: Outbox, device_id: str, n: int, start: int = 0) -> list[str]:
    keys = []
    for i in range(start, start + n):
        p = Personalisation.issue(contract.state.master_key, f"9{i:013d}", i.to_bytes(8, "big"))
        contract.state.register_card(p.serial.hex(), p.technician_id)
        challenge = secrets.token_bytes(16)
        tap = {
            "method": "card",
            "technician_id": p.technician_id,
            "card_serial": p.serial.hex(),
            "challenge": challenge.hex(),
            "response": auth_response(p.card_key, challenge).hex(),
            "device_time": "2026-04-01T08:00:00.000+09:00",
        }
        keys.append(box.record(device_id, tap, now=time.time()).idempotency_key)
    return keys


def test_batches_are_delivered_and_marked(contract, tmp_path):
    s, device, box, up, api = setup(contract, tmp_path, batch_size=10)
    keys = add_taps(contract, box, device.device_id, 25)
    up._heartbeat(api, box)
    assert contract.state.heartbeats[-1]["outbox_depth"] == 25  # the portal sees the backlog
    assert [up.upload_once(api, box) for _ in range(4)] == [10, 10, 5, 0]
    assert contract.state.batch_calls == 3
    assert sorted(contract.state.stored_keys()) == sorted(keys)
    assert {t.status for t in contract.state.taps.values()} == {"accepted"}
    assert box.counts() == {"pending": 0, "sent": 25, "dead": 0}


def test_an_answer_lost_after_the_server_stored_is_resent_and_answered_duplicate(contract, tmp_path):
    s, device, box, up, api = setup(contract, tmp_path)
    keys = add_taps(contract, box, device.device_id, 3)
    contract.state.fault = "500-after-store"
    with pytest.raises(ApiError):
        up.upload_once(api, box)
    assert box.counts()["pending"] == 3  # we do not know, so nothing is marked
    contract.state.fault = None
    assert up.upload_once(api, box) == 3
    assert contract.state.duplicate_answers == 3
    assert sorted(contract.state.stored_keys()) == sorted(keys)
    assert box.counts() == {"pending": 0, "sent": 3, "dead": 0}


def test_malformed_taps_become_dead_letters_and_the_rest_is_delivered(contract, tmp_path):
    import io
    import json

    from edge_reader.daemon import Feedback

    s, device, box, up, api = setup(contract, tmp_path)
    shown = io.StringIO()
    up.feedback = Feedback(shown)
    good = add_taps(contract, box, device.device_id, 2)
    bad = box.record(
        device.device_id,
        {
            "method": "card",
            "technician_id": "123",
            "card_serial": "00" * 8,
            "challenge": "00" * 16,
            "response": "00" * 16,
            "device_time": "yesterday",
        },
        now=time.time(),
    ).idempotency_key
    assert up.upload_once(api, box) == 3
    assert box.counts() == {"pending": 0, "sent": 2, "dead": 1}
    assert (
        box.db.execute("SELECT error FROM taps WHERE idempotency_key = ?", (bad,)).fetchone()[0]
        == "invalid_tap: technician_id"
    )
    assert up.upload_once(api, box) == 0  # never retried
    assert sorted(contract.state.stored_keys()) == sorted(good)
    events = [json.loads(line) for line in shown.getvalue().splitlines()]
    assert sorted((e["event"], e["idempotency_key"]) for e in events) == sorted(
        [("verdict", k) for k in good] + [("undelivered", bad)]
    )
    assert next(e for e in events if e["event"] == "undelivered")["message"] == (
        "送信できませんでした：タッチの内容が正しくありません。"
    )


def test_server_trouble_is_retried_and_unauthorized_is_reported(contract, tmp_path):
    s, device, box, up, api = setup(contract, tmp_path)
    add_taps(contract, box, device.device_id, 1)
    contract.state.fault = "503"
    with pytest.raises(ApiError, match="503"):
        up.upload_once(api, box)
    contract.state.fault = None
    contract.state.tokens.clear()  # device deleted in the portal
    with pytest.raises(ApiUnauthorized):
        up.upload_once(api, box)
    assert box.counts()["pending"] == 1 and contract.state.taps == {}


def test_run_loop_delivers_through_network_loss_with_backoff(contract, tmp_path):
    with ChaosProxy(contract.port) as proxy:
        s, device, box, up, _ = setup(contract, tmp_path)
        up.settings = s.model_copy(update={"api_url": proxy.url, "http_timeout": 0.3})
        keys = add_taps(contract, box, device.device_id, 30)
        proxy.set_mode("reset")
        thread = threading.Thread(target=up.run)
        thread.start()
        try:
            time.sleep(0.3)
            assert contract.state.taps == {} and up.failures > 0
            proxy.set_mode("blackhole")
            time.sleep(0.5)
            assert contract.state.taps == {}
            proxy.set_mode("up")
            deadline = time.monotonic() + 10
            while box.counts()["pending"] and time.monotonic() < deadline:
                time.sleep(0.05)
            drained = {"software_version": s.software_version, "outbox_depth": 0, "reader": "Virtual PCD 00 00"}
            while drained not in contract.state.heartbeats and time.monotonic() < deadline:
                time.sleep(0.05)
        finally:
            up.stop.set()
            up.wake.set()
            thread.join(10)
    assert sorted(contract.state.stored_keys()) == sorted(keys)
    assert box.counts() == {"pending": 0, "sent": 30, "dead": 0}
    assert drained in contract.state.heartbeats


def test_backoff_grows_is_capped_and_jittered(contract, tmp_path):
    s, _, _, up, _ = setup(contract, tmp_path)
    up.settings = s.model_copy(update={"backoff_base": 1.0, "backoff_cap": 8.0})
    for failures, full in [(1, 1.0), (2, 2.0), (3, 4.0), (4, 8.0), (10, 8.0)]:
        up.failures = failures
        delays = [up.backoff() for _ in range(200)]
        assert all(full / 2 <= d <= full for d in delays)
        assert max(delays) - min(delays) > full / 10  # jittered, not lock-step


def test_revocations_sync_delta_then_full(contract, tmp_path):
    s, device, box, up, api = setup(contract, tmp_path)
    contract.state.revoke("aaaaaaaaaaaaaaaa")
    contract.state.revoke("bbbbbbbbbbbbbbbb")
    assert up._heartbeat(api, box) == s.heartbeat_interval
    assert box.revocations_version() == 2 and box.revoked_count() == 2
    contract.state.revoke("cccccccccccccccc")
    up._heartbeat(api, box)
    assert box.revocations_version() == 3 and box.is_revoked("cccccccccccccccc")
    box.apply_revocations(99, ["dddddddddddddddd"], full=True)  # ahead of the server: resync
    up._heartbeat(api, box)
    assert box.revocations_version() == 3 and box.revoked_count() == 3
    assert not box.is_revoked("dddddddddddddddd")


def test_split_answer_trusts_only_entries_matching_what_was_sent():
    taps = [{"idempotency_key": "d:1"}, {"idempotency_key": "d:2"}]
    results, errors = split_answer(
        taps,
        {
            "results": [
                {"index": 0, "idempotency_key": "d:1", "status": "accepted"},
                {"index": 1, "idempotency_key": "d:9", "status": "accepted"},
                {"index": True, "status": "accepted"},
                {"index": 5, "status": "accepted"},
                "junk",
            ],
            "errors": [{"index": 1, "error": "invalid_tap", "message": "x"}],
        },
    )
    assert results == [("d:1", "accepted", None, False)]
    assert errors == [("d:2", "invalid_tap: x")]


def test_split_answer_reads_the_stored_verdict_of_a_resent_tap_and_tolerates_the_old_duplicate():
    taps = [{"idempotency_key": "d:1"}, {"idempotency_key": "d:2"}, {"idempotency_key": "d:3"}]
    results, _ = split_answer(
        taps,
        {
            "results": [
                {
                    "index": 0,
                    "idempotency_key": "d:1",
                    "status": "rejected",
                    "duplicate": True,
                    "reject_reason": "bad_card_response",
                },
                {"index": 1, "idempotency_key": "d:2", "status": "accepted", "duplicate": True},
                {"index": 2, "idempotency_key": "d:3", "status": "duplicate"},
            ]
        },
    )  # a server before the change
    assert results == [
        ("d:1", "rejected", "bad_card_response", True),
        ("d:2", "accepted", None, True),
        ("d:3", "duplicate", None, True),
    ]


def test_enrolment_code_is_single_use(contract):
    code = contract.state.add_enrol_code()
    device = enrol(contract.url, code, software_version="t")
    assert device.site_id == contract.state.site_id and device.api_url == contract.url
    with pytest.raises(ApiError, match="400"):
        enrol(contract.url, code, software_version="t")
    with pytest.raises(httpx.ConnectError):
        enrol("http://127.0.0.1:9", code, software_version="t", timeout=0.5)


def test_backoff_is_capped_and_jittered():
    from edge_reader.uploader import backoff_delay

    delays = [backoff_delay(n, 1.0, 60.0) for n in range(1, 200)]
    assert all(d <= 60.0 for d in delays) and all(d >= 30.0 for d in delays[10:])  # capped: 30–60 s from the 7th
    assert len({round(d, 6) for d in delays[10:]}) > 100  # jittered: readers do not retry in lock-step


def test_a_health_probe_ends_the_back_off_as_soon_as_the_server_answers(contract, tmp_path):
    from edge_reader.uploader import wait_or_probe

    _, _, _, _, api = setup(contract, tmp_path)
    contract.state.fault = "503"
    threading.Timer(1.0, lambda: setattr(contract.state, "fault", None)).start()
    started = time.monotonic()
    assert wait_or_probe(api, 60.0, probe=True, interval=0.2, stop=threading.Event()) == "probe"
    assert time.monotonic() - started < 10
    assert wait_or_probe(api, 0.3, probe=False, interval=0.2, stop=threading.Event()) == "elapsed"
    api.close()
