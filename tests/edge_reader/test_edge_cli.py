"""The CLI as an installer uses it: enrol, status, run without enrolment."""

from __future__ import annotations

import json

from tests.edge_reader.daemon_proc import edge_cli


def test_enrol_then_status(contract, tmp_path):
    data = tmp_path / "edge"
    done = edge_cli(data, "--api-url", contract.url, "enrol", contract.state.add_enrol_code())
    assert done.returncode == 0, done.stderr
    enrolled = json.loads(done.stdout)
    assert enrolled == {"device_id": "dev0001", "site_id": contract.state.site_id}
    status = json.loads(edge_cli(data, "status").stdout)
    assert status["enrolled"] is True and status["device_id"] == "dev0001"
    assert status["api_url"] == contract.url
    assert status["outbox"] == {"pending": 0, "sent": 0, "dead": 0}
    assert "device_token" not in json.dumps(status) and contract.state.tokens  # no secret shown
    assert all(tok not in json.dumps(status) for tok in contract.state.tokens)


def test_enrol_refuses_twice_and_bad_codes(contract, tmp_path):
    data = tmp_path / "edge"
    assert edge_cli(data, "--api-url", contract.url, "enrol", contract.state.add_enrol_code()).returncode == 0
    again = edge_cli(data, "--api-url", contract.url, "enrol", contract.state.add_enrol_code())
    assert again.returncode == 2 and "登録済みです" in again.stderr
    again = edge_cli(data, "--lang", "en", "--api-url", contract.url, "enrol", contract.state.add_enrol_code())
    assert again.returncode == 2 and "Already enrolled" in again.stderr
    forced = edge_cli(data, "--api-url", contract.url, "enrol", "--force", contract.state.add_enrol_code())
    assert forced.returncode == 0 and json.loads(forced.stdout)["device_id"] == "dev0002"
    bad = edge_cli(tmp_path / "other", "--api-url", contract.url, "enrol", "not-a-code")
    assert bad.returncode == 1 and "登録できませんでした" in bad.stderr
    assert json.loads(edge_cli(tmp_path / "other", "status").stdout)["enrolled"] is False
    down = edge_cli(tmp_path / "third", "--lang", "en", "--api-url", "http://127.0.0.1:9", "enrol", "x")
    assert down.returncode == 1 and "Enrolment failed" in down.stderr
    no_url = edge_cli(tmp_path / "fourth", "enrol", "x")
    assert no_url.returncode == 2


def test_run_refuses_without_enrolment(tmp_path):
    done = edge_cli(tmp_path / "edge", "run", timeout=30)
    assert done.returncode == 2 and "登録されていません" in done.stderr  # Japanese by default
    done = edge_cli(tmp_path / "edge", "--lang", "en", "run", timeout=30)
    assert done.returncode == 2 and "not enrolled" in done.stderr
