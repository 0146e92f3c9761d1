"""The server's half of docs/card-profile.md, checked against the document's own test vectors and against the
virtual card that the PC/SC tests use (tests/pcsc_stack/openccus.py): both sides must agree byte for byte."""

from datetime import date

from api.cards.profile import card_response, derive_card_key, ef_card, response_is_valid
from tests.api.helpers import auth, operator_token, submitted_technician

VECTORS = [
    (
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "0123456789abcdef",
        1,
        "4c7685f908791d135d0e80e1bcc08642",
        "00112233445566778899aabbccddeeff",
        "815e5e3ebcc7a258eb1a062135a5e10f",
    ),
    (
        "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        "0123456789abcdef",
        2,
        "28c82ace8c8e9b0354f2c3c50336bf3e",
        "00000000000000000000000000000000",
        "41ce2637cb38636c6df285dc88ffb295",
    ),
    (
        "4242424242424242424242424242424242424242424242424242424242424242",
        "0cc0000000000001",
        1,
        "d167970134f9a5f7bc53372dd780c9f9",
        "f0e1d2c3b4a5968778695a4b3c2d1e0f",
        "4fca56f4ba3fe80f5d9868c385a29c27",
    ),
]


def test_key_derivation_and_response_match_the_test_vectors():
    for master, serial, v, key, challenge, response in VECTORS:
        card_key = derive_card_key(master_key=bytes.fromhex(master), serial=bytes.fromhex(serial), key_version=v)
        assert card_key.hex() == key
        assert card_response(card_key=card_key, challenge=bytes.fromhex(challenge)).hex() == response
        assert response_is_valid(
            master_key=bytes.fromhex(master),
            serial=bytes.fromhex(serial),
            key_version=v,
            challenge=bytes.fromhex(challenge),
            response=bytes.fromhex(response),
        )
        flipped = bytes.fromhex(response)[:-1] + bytes([bytes.fromhex(response)[-1] ^ 1])
        assert not response_is_valid(
            master_key=bytes.fromhex(master),
            serial=bytes.fromhex(serial),
            key_version=v,
            challenge=bytes.fromhex(challenge),
            response=flipped,
        )


def test_ef_card_matches_the_documented_example():
    data = ef_card(
        technician_id="12345678901234",
        serial=bytes.fromhex("0123456789ABCDEF"),
        issued=date(2024, 4, 1),
        expires=date(2034, 3, 31),
        key_version=1,
    )
    assert data.hex().upper() == (
        "C00101C10E3132333435363738393031323334C2080123456789ABCDEFC3083230323430343031C4083230333430333331C50101"
    )


async def test_operator_exports_personalisation_and_it_is_audited(client, settings):
    op = await operator_token(client)
    t = await submitted_technician(client)
    await client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))
    tech = (await client.get(f"/api/v1/technicians/{t['pk']}", headers=auth(op))).json()
    serial = tech["card"]["serial"]
    r = await client.get(f"/api/v1/cards/{serial}/personalisation", headers=auth(t["token"]))
    assert r.status_code == 403
    r = await client.get(f"/api/v1/cards/{serial}/personalisation", headers=auth(op))
    assert r.status_code == 200
    rec = r.json()
    assert rec["technician_id"] == tech["technician_id"] and rec["expires"] == tech["card"]["valid_until"]
    # A card written with this record answers challenges the server accepts.
    challenge = bytes(range(16))
    answer = card_response(card_key=bytes.fromhex(rec["card_key"]), challenge=challenge)
    assert response_is_valid(
        master_key=settings.secret("card_master_key"),
        serial=bytes.fromhex(serial),
        key_version=rec["key_version"],
        challenge=challenge,
        response=answer,
    )
    trail = (await client.get("/api/v1/audit?entity_type=card", headers=auth(op))).json()
    assert [e["action"] for e in trail] == ["card.personalisation_export"]
    assert (await client.get("/api/v1/cards/ffffffffffffffff/personalisation", headers=auth(op))).status_code == 404
