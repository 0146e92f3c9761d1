"""edge_reader against the real API (not the contract stand-in): a card read over real pcscd + vpcd is uploaded,
verified by the server's card check and stored once; a card revoked on the server is refused by the reader offline."""

from __future__ import annotations

import json


from tests.edge_reader.daemon_proc import edge_cli
from tests.edge_reader.test_edge_pcsc import wait_until
from tests.pcsc_stack.openccus import openccus_card


def test_tap_goes_from_the_card_to_the_real_server(api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path):
    data_dir = tmp_path / "edge"
    done = edge_cli(data_dir, "--api-url", api.url, "enrol", api.enrolment_code())
    assert done.returncode == 0, done.stderr
    reader = pcscd.readers[0]
    daemon = make_daemon(data_dir, reader_filter=reader.name)
    daemon.start()
    perso = api.technician()
    vpcd_slots[0].insert(openccus_card(perso))
    ok = daemon.wait_for(lambda e: e.get("result") == "ok", timeout=10)
    assert ok["technician_id"] == perso.technician_id
    wait_until(lambda: len(api.taps()) == 1, timeout=15, what="upload to the real API")
    tap = api.taps()[0]
    assert (tap["technician_code"], tap["status"], tap["method"]) == (perso.technician_id, "accepted", "card")
    devices = api.get(f"/api/v1/sites/{api.site['id']}/devices", api.prime_token)
    wait_until(
        lambda: api.get(f"/api/v1/sites/{api.site['id']}/devices", api.prime_token)[-1]["reader_name"] == reader.name,
        timeout=15,
        what="heartbeat with the reader's name",
    )
    assert devices[-1]["software_version"]

    # Revoke the card on the server: the reader learns it and refuses the card by itself.
    owner = perso.technician_id
    api.post(f"/api/v1/cards/{perso.serial.hex()}/revoke", api.op, json={"reason": "lost"})
    wait_until(
        lambda: json.loads(edge_cli(data_dir, "status").stdout)["revoked_cards"] == 1,
        timeout=15,
        what="revocation list synced",
    )
    vpcd_slots[0].remove()
    reader_watch.wait(reader.name, present=False)
    vpcd_slots[0].insert(openccus_card(perso))
    refused = daemon.wait_for(lambda e: e.get("event") == "tap" and e.get("result") == "refused", timeout=10)
    assert refused["reason"] == "card_revoked"
    assert [t["technician_code"] for t in api.taps()] == [owner]  # nothing new recorded


def test_sigkill_and_network_loss_against_the_real_server(api, pcscd, vpcd_slots, reader_watch, make_daemon, tmp_path):
    """The no-loss scenario of test_edge_crash.py, with the real API on PostgreSQL behind the failing network."""
    from tests.edge_reader.test_edge_crash import N_TAPS, chaos_run

    data_dir = tmp_path / "edge-crash"
    done = edge_cli(data_dir, "--api-url", api.url, "enrol", api.enrolment_code())
    assert done.returncode == 0, done.stderr
    persos = api.bulk_people(N_TAPS)
    before = {key for key, _, _ in api.stored()}
    people, kills, daemon, proxy = chaos_run(
        pcscd=pcscd,
        vpcd_slots=vpcd_slots,
        reader_watch=reader_watch,
        persos=persos,
        server_port=api.port,
        enrolled=data_dir,
        make_daemon=make_daemon,
    )
    acked = {k for keys in people.acked.values() for k in keys}
    new = [(key, code, status) for key, code, status in api.stored() if key not in before]
    # The server namespaces each device's keys ("d<device>:<key>"); strip that to compare with what the reader said.
    keys = [key.split(":", 1)[1] for key, _, _ in new]
    assert len(keys) == len(set(keys)) == len(acked) == N_TAPS
    assert set(keys) == acked
    assert sorted(code for _, code, _ in new) == sorted(p.technician_id for p in persos)
    assert {status for _, _, status in new} == {"accepted"}  # every response verified by the server's card check
    assert kills >= 10 and proxy.aborted > 0
