"""The console script on the embedded default, as the README's run command uses it."""

import os
import re
import sqlite3
import subprocess
import sys


def run(args, var):
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    env["OPENCCUS_VAR_DIR"] = str(var)
    return subprocess.run(
        [sys.executable, "-m", "api.cli", *args], env=env, capture_output=True, text=True, timeout=120
    )


def test_migrate_and_demo_data_on_sqlite(tmp_path):
    assert run(["migrate"], tmp_path).returncode == 0
    first = run(["demo-data"], tmp_path)
    assert first.returncode == 0 and "operator" in first.stdout
    again = run(["demo-data"], tmp_path)
    assert again.returncode == 0 and "already loaded" in again.stdout
    db = sqlite3.connect(tmp_path / "openccus.sqlite3")
    assert db.execute("select count(*) from business where status='approved'").fetchone() == (3,)
    assert db.execute("select count(*) from technician").fetchone() == (10,)
    assert db.execute("select count(*) from technician where tier='detailed'").fetchone() == (3,)
    assert db.execute(
        "select count(*) from technician where nationality!='JP' and residence_expiry is not null"
    ).fetchone() == (1,)
    assert db.execute("select count(*) from card").fetchone() == (7,)
    assert db.execute("select count(*) from account where role='operator'").fetchone() == (1,)
    # One assessment body per trade body, each with its login; demo qualifications were approved with the upgrade.
    assert db.execute("select count(*) from assessment_body").fetchone() == (5,)
    assert db.execute(
        "select count(*) from account where role='assessment_body' and assessment_body_id is not null"
    ).fetchone() == (5,)
    assert db.execute("select count(*) from qualification where approved_at is null").fetchone() == (0,)


def test_cli_errors_are_clear(tmp_path):
    r = run(["worker"], tmp_path)
    assert r.returncode != 0 and "REDIS_URL is not set" in (r.stderr + r.stdout)
    r = run(["bogus"], tmp_path)
    assert r.returncode == 2 and "invalid choice" in r.stderr
    # Without a terminal and without OPENCCUS_OPERATOR_PASSWORD: a sentence, not an EOFError traceback.
    env_password = os.environ.pop("OPENCCUS_OPERATOR_PASSWORD", None)
    try:
        r = subprocess.run(
            [sys.executable, "-m", "api.cli", "create-operator", "--login", "ops2"],
            env={k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
            | {"OPENCCUS_VAR_DIR": str(tmp_path)},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=120,
        )
    finally:
        if env_password is not None:
            os.environ["OPENCCUS_OPERATOR_PASSWORD"] = env_password
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert "needs a password" in r.stderr
    # A key version that was never configured is named as such (not "the newest one").
    assert run(["migrate"], tmp_path).returncode == 0
    r = run(["cards", "revoke-version", "99"], tmp_path)
    assert r.returncode == 2 and re.fullmatch(
        r"openccus: There is no key version 99: the versions are 1 to \d+ \(`openccus cards versions`\)\.",
        r.stderr.strip(),
    ), r.stderr
    r = run(["openapi", "--out", str(tmp_path / "no-such-folder" / "openapi.json")], tmp_path)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
    assert r.stderr.startswith("openccus: cannot write ") and "No such file or directory" in r.stderr, r.stderr

    r = run(["serve", "--port", "99999"], tmp_path)
    assert r.returncode == 2 and "a port is 0 to 65535, not 99999" in r.stderr, r.stderr
