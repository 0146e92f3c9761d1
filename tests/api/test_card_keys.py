"""Card master keys by version (docs/card-profile.md §7.1): the key table from settings and the key file, rotation,
new cards under the newest version, taps verified with each card's own version, revoke-and-reissue by version, and the
revocation long-poll."""

from __future__ import annotations

import asyncio
import base64
import os
import time
from types import SimpleNamespace

import pytest

from api.cards.keys import KeyConfigError, load, new_key_version
from api.cards.profile import card_response
from api.errors import Conflict
from api.settings import Settings
from tests.api.helpers import auth
from tests.api.site_world import make_world

K1, K2, K3 = (base64.urlsafe_b64encode(bytes([n]) * 32).decode() for n in (1, 2, 3))
PG = "postgresql://postgres@127.0.0.1:5432/unused"


@pytest.fixture
def settings(settings: Settings, tmp_path) -> Settings:
    """The shared settings with a key file, so that a rotation has somewhere to go."""
    return settings.model_copy(update={"card_master_key_file": tmp_path / "card_master_keys"})


def test_the_key_table_merges_the_single_key_the_versioned_form_and_the_key_file(tmp_path):
    keys = load(Settings(DATABASE_URL=PG, OPENCCUS_CARD_MASTER_KEY=K1, OPENCCUS_CARD_MASTER_KEYS=f"2:{K2}"))
    assert list(keys) == [1, 2] and keys.newest == 2 and keys[1] == bytes([1]) * 32
    assert K1 not in repr(keys) and "versions=[1, 2]" in repr(keys)  # never print a key
    # Standard base64 works as well as the URL-safe form; the single key is version 1.
    std = base64.b64encode(bytes([250]) * 32).decode()
    assert load(Settings(DATABASE_URL=PG, OPENCCUS_CARD_MASTER_KEYS=f"1:{std}, 3:{K3}")).newest == 3
    key_file = tmp_path / "keys"
    key_file.write_text(f"# comment\n3:{K3}\n")
    key_file.chmod(0o600)
    keys = load(Settings(DATABASE_URL=PG, OPENCCUS_CARD_MASTER_KEY=K1, OPENCCUS_CARD_MASTER_KEY_FILE=str(key_file)))
    assert list(keys) == [1, 3]
    problems = {
        "a version given twice with different keys": dict(
            OPENCCUS_CARD_MASTER_KEY=K1, OPENCCUS_CARD_MASTER_KEYS=f"1:{K2}"
        ),
        "not version:key": dict(OPENCCUS_CARD_MASTER_KEYS=K1),
        "version 0": dict(OPENCCUS_CARD_MASTER_KEYS=f"0:{K1}"),
        "a short key": dict(OPENCCUS_CARD_MASTER_KEYS="2:" + base64.urlsafe_b64encode(b"x" * 16).decode()),
        "no key at all": {},
    }
    for what, env in problems.items():
        with pytest.raises(KeyConfigError):
            load(Settings(DATABASE_URL=PG, **env))
            pytest.fail(what)
    key_file.chmod(0o644)  # readable by others: refused
    with pytest.raises(KeyConfigError, match="chmod 600"):
        load(Settings(DATABASE_URL=PG, OPENCCUS_CARD_MASTER_KEY=K1, OPENCCUS_CARD_MASTER_KEY_FILE=str(key_file)))


def test_the_documented_setting_gives_the_documented_master_key():
    """docs/card-profile.md §7.1: OPENCCUS_CARD_MASTER_KEY is base64 of the master key; test vector 1 of §11."""
    from api.cards.profile import derive_card_key

    keys = load(Settings(DATABASE_URL=PG, OPENCCUS_CARD_MASTER_KEY="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="))
    assert keys[1] == bytes(range(32))
    card_key = derive_card_key(master_key=keys[1], serial=bytes.fromhex("0123456789abcdef"), key_version=1)
    assert card_key.hex() == "4c7685f908791d135d0e80e1bcc08642"


def test_rotate_appends_the_next_version_to_the_key_file_or_only_prints_it(tmp_path):
    key_file = tmp_path / "secrets" / "keys"
    s = Settings(DATABASE_URL=PG, OPENCCUS_CARD_MASTER_KEY=K1, OPENCCUS_CARD_MASTER_KEY_FILE=str(key_file))
    assert new_key_version(s) == (2, key_file, "")
    assert new_key_version(s)[0] == 3
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    keys = load(s)
    assert list(keys) == [1, 2, 3] and len({keys[v] for v in keys}) == 3
    # Keys held in settings only: the entry is handed back for the operator to configure; nothing is written.
    version, path, entry = new_key_version(Settings(DATABASE_URL=PG, OPENCCUS_CARD_MASTER_KEY=K1))
    assert (version, path) == (2, None) and entry.startswith("2:") and len(base64.urlsafe_b64decode(entry[2:])) == 32


async def test_new_cards_take_the_newest_version_and_each_verifies_with_its_own(client, settings):
    w = await make_world(client)
    old = await w.worker(w.prime)
    new_key_version(settings)  # no restart: the running app re-reads the key file
    new = await w.worker(w.prime)
    versions = [
        (await client.get(f"/api/v1/cards/{x.serial}/personalisation", headers=auth(w.op))).json()["key_version"]
        for x in (old, new)
    ]
    assert versions == [1, 2]
    r = await w.upload(old.tap("k1"), new.tap("k2"))
    assert [(x["status"], x["reject_reason"]) for x in r.json()["results"]] == [("accepted", None)] * 2
    # A response computed under the other version's key is a bad response.
    challenge = os.urandom(16)
    forged = new.tap("k3", challenge=challenge, response=card_response(card_key=old.card_key, challenge=challenge))
    assert (await w.upload(forged)).json()["results"][0]["reject_reason"] == "bad_card_response"
    # A version whose key the server no longer holds is refused as such, not as a forgery.
    settings.card_master_key_file.unlink()
    r = await w.upload(new.tap("k4"), old.tap("k5"))
    assert [x["reject_reason"] for x in r.json()["results"]] == ["unknown_key_version", None]
    r = await client.get(f"/api/v1/cards/{new.serial}/personalisation", headers=auth(w.op))
    assert (r.status_code, r.json()["error"]) == (409, "card_key_version_unavailable")


async def test_revoke_version_reissues_free_under_the_newest_key_once_and_notifies(client, settings, app, drain):
    from api.cards.models import Card
    from api.cards.rekey import revoke_version

    w = await make_world(client)
    a, b = await w.worker(w.prime), await w.worker(w.prime)
    new_key_version(settings)
    c = await w.worker(w.prime)  # version 2
    state = SimpleNamespace(queue=app.state.queue)
    with pytest.raises(Conflict) as refused:
        await revoke_version(version=2, newest=2, state=state)
    assert refused.value.code == "key_version_is_newest"
    for never in (3, 0):
        with pytest.raises(Conflict) as refused:
            await revoke_version(version=never, newest=2, state=state)
        assert refused.value.code == "key_version_unknown"
    before = {x.serial: await Card.get(serial=x.serial) for x in (a, b)}
    out = await revoke_version(version=1, newest=settings.card_keys().newest, state=state)
    assert sorted(old for old, _ in out.reissued) == sorted([a.serial, b.serial]) and out.skipped == 0
    for old_serial, new_serial in out.reissued:
        old_card, new_card = await Card.get(serial=old_serial), await Card.get(serial=new_serial)
        assert (old_card.status.value, new_card.status.value, new_card.key_version) == ("revoked", "active", 2)
        assert new_card.valid_until == before[old_serial].valid_until  # a replacement, not a renewal
    assert (await Card.get(serial=c.serial)).status.value == "active"
    # The readers' list has both serials; no reissue fee was charged; each holder is told once.
    full = (await client.get("/api/v1/devices/revocations?since=0", headers=auth(w.device_token))).json()
    assert full["revoked"] == [old for old, _ in out.reissued]
    from api.billing.models import Charge

    assert not await Charge.filter(source_key__startswith="card_reissue:").exists()
    await drain()
    for x in (a, b):
        notes = [
            n
            for n in (await client.get("/api/v1/notifications", headers=auth(x.token))).json()
            if n["kind"] == "card.reissued"
        ]
        assert (
            len(notes) == 1 and "無料で再発行" in notes[0]["message"] and x.serial[-4:].upper() in notes[0]["message"]
        )
    again = await revoke_version(version=1, newest=2, state=state)
    assert again.reissued == [] and await Card.filter(key_version=2).count() == 3
    trail = (await client.get("/api/v1/audit?entity_type=card", headers=auth(w.op))).json()
    assert [e["action"] for e in trail].count("card.reissue_key_version") == 2


async def test_revocation_long_poll_answers_when_the_list_changes(client):
    w = await make_world(client)
    a, b = await w.worker(w.prime), await w.worker(w.prime)
    assert (
        await client.post(f"/api/v1/cards/{b.serial}/revoke", headers=auth(b.token), json={"reason": "lost"})
    ).status_code == 200
    version = (await client.get("/api/v1/devices/revocations?since=0", headers=auth(w.device_token))).json()["version"]
    started = time.monotonic()
    quiet = (
        await client.get(f"/api/v1/devices/revocations?since={version}&wait=1", headers=auth(w.device_token))
    ).json()
    assert quiet == {"version": version, "full": False, "revoked": []} and time.monotonic() - started >= 0.9

    async def revoke_soon():
        await asyncio.sleep(0.5)
        return await client.post(f"/api/v1/cards/{a.serial}/revoke", headers=auth(a.token), json={"reason": "lost"})

    started = time.monotonic()
    polled, revoked = await asyncio.gather(
        client.get(f"/api/v1/devices/revocations?since={version}&wait=25", headers=auth(w.device_token)), revoke_soon()
    )
    assert revoked.status_code == 200
    assert polled.json() == {"version": version + 1, "full": False, "revoked": [a.serial]}
    assert time.monotonic() - started < 5  # answered on the change, not at the end of the wait
    bad = await client.get("/api/v1/devices/revocations?since=0&wait=31", headers=auth(w.device_token))
    assert bad.status_code == 422
