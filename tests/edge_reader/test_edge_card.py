"""The card profile: edge_reader.card against the virtual card, and the document's vectors."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from edge_reader import card
from tests.edge_reader.daemon_proc import ROOT
from tests.pcsc_stack import openccus
from tests.pcsc_stack.iso7816 import Card, CommandApdu
from tests.pcsc_stack.openccus import Personalisation, auth_response, derive_card_key

DOC = (ROOT / "docs" / "card-profile.md").read_text()
MASTER = bytes(range(32))


def transmit_to(vcard: Card) -> card.Transmit:
    """Talk to a virtual card in-process (same bytes as over vpcd, no transport)."""
    vcard.power_on()

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        resp = vcard.process(apdu)
        return resp[:-2], int.from_bytes(resp[-2:], "big")

    return transmit


def example_perso() -> Personalisation:
    return Personalisation.issue(
        MASTER,
        "12345678901234",
        bytes.fromhex("0123456789abcdef"),
        issued=dt.date(2024, 4, 1),
        expires=dt.date(2034, 3, 31),
    )


def test_reader_and_card_agree_on_the_profile_constants():
    assert card.AID == openccus.AID == b"\xf0OPENCCUS"
    assert card.EF_CARD_FID == openccus.EF_CARD_FID
    assert "`F0 4F 50 45 4E 43 43 55 53`" in DOC


def test_read_identity_and_authenticate_against_the_virtual_card():
    perso = example_perso()
    transmit = transmit_to(openccus.openccus_card(perso))
    ident = card.read_identity(transmit)
    assert ident == card.CardIdentity("12345678901234", perso.serial, dt.date(2024, 4, 1), dt.date(2034, 3, 31), 1)
    assert ident.serial_hex == "0123456789abcdef"
    challenge = card.new_challenge()
    assert card.internal_authenticate(transmit, challenge) == auth_response(perso.card_key, challenge)


def test_a_card_without_the_application_is_not_openccus_but_has_a_uid():
    transmit = transmit_to(openccus.uid_only_card(bytes.fromhex("04a1b2c3d4e5f6")))
    with pytest.raises(card.NotOpenCCUS):
        card.read_identity(transmit)
    assert card.read_uid(transmit) == bytes.fromhex("04a1b2c3d4e5f6")


def test_challenges_are_fresh():
    seen = {card.new_challenge() for _ in range(1000)}
    assert len(seen) == 1000 and all(len(c) == 16 for c in seen)


def test_doc_test_vectors_match_the_reference_derivation():
    rows = re.findall(
        r"^\| (\d) \| `([0-9a-f]+)` \| `([0-9a-f]+)` \| (\d+) \| `([0-9a-f]+)` \| "
        r"`([0-9a-f]+)` \| `([0-9a-f]+)` \| `([0-9a-f]+)` \|$",
        DOC,
        re.M,
    )
    assert len(rows) == 3
    for _, master, serial, kv, msg, card_key, challenge, response in rows:
        master_b, serial_b, kv_i = bytes.fromhex(master), bytes.fromhex(serial), int(kv)
        assert bytes.fromhex(msg) == b"openccus-card-key" + serial_b + bytes([kv_i])
        assert derive_card_key(master_b, serial_b, kv_i).hex() == card_key
        assert auth_response(bytes.fromhex(card_key), bytes.fromhex(challenge)).hex() == response


def test_doc_apdu_trace_is_what_the_card_and_reader_exchange():
    trace = DOC.split("APDU trace of vector 1")[1].split("```")[1]
    pairs, current = [], None
    for line in trace.strip().splitlines():
        text = bytes.fromhex(line.strip().lstrip("<> ").replace(" ", ""))
        if line.startswith(">"):
            current = [text, b""]
            pairs.append(current)
        else:
            assert current is not None
            current[1] += text
    exchanged: list[tuple[bytes, bytes]] = []
    inner = transmit_to(openccus.openccus_card(example_perso()))

    def recording(apdu: bytes) -> tuple[bytes, int]:
        data, sw = inner(apdu)
        exchanged.append((apdu, data + sw.to_bytes(2, "big")))
        return data, sw

    card.read_identity(recording)
    card.internal_authenticate(recording, bytes.fromhex("00112233445566778899aabbccddeeff"))
    assert exchanged == [tuple(p) for p in pairs]


def test_doc_ef_card_example_is_the_personalised_file():
    block = DOC.split("Example (technician 12345678901234")[1].split("```")[1]
    assert bytes.fromhex(block.replace("\n", " ").replace(" ", "")) == example_perso().ef_card()


GOOD = example_perso().ef_card()


def test_parse_accepts_padding_reordering_and_unknown_tags():
    objs = []
    i = 0
    while i < len(GOOD):
        objs.append(GOOD[i : i + 2 + GOOD[i + 1]])
        i += 2 + GOOD[i + 1]
    shuffled = b"\x00\x00" + b"".join(reversed(objs)) + b"\xdf\x02ab" + b"\xff" * 10
    assert card.parse_ef_card(shuffled) == card.parse_ef_card(GOOD)


@pytest.mark.parametrize(
    "data, why",
    [
        (GOOD + b"\xc5\x01\x01", "duplicate"),
        (GOOD[:-1], "truncated"),
        (GOOD.replace(b"\xc5\x01\x01", b""), "missing"),
        (GOOD.replace(b"\xc0\x01\x01", b"\xc0\x01\x02"), "format"),
        (GOOD.replace(b"\xc5\x01\x01", b"\xc5\x01\x00"), "key version"),
        (GOOD.replace(b"12345678901234", b"1234567890123A"), "14 ASCII digits"),
        (GOOD.replace(b"20340331", b"20341331"), "bad date"),
        (GOOD.replace(b"\xc2\x08", b"\xc2\x88"), "long-form"),
    ],
)
def test_parse_refuses_malformed_files(data: bytes, why: str):
    with pytest.raises(card.CardError, match=why):
        card.parse_ef_card(data)


def test_exchange_follows_61xx_and_6cxx():
    calls: list[bytes] = []
    answers = {
        bytes.fromhex("00B0000000"): (b"", 0x6C05),
        bytes.fromhex("00B0000005"): (b"ab", 0x6103),
        bytes.fromhex("00C0000003"): (b"cde", 0x9000),
    }

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        calls.append(apdu)
        return answers[apdu]

    assert card.exchange(transmit, bytes.fromhex("00B0000000")) == (b"abcde", 0x9000)
    assert len(calls) == 3


def test_wrong_lengths_are_refused_by_the_card():
    transmit = transmit_to(openccus.openccus_card(example_perso()))
    card.select_application(transmit)
    assert transmit(bytes.fromhex("008800000F") + bytes(15) + b"\x00")[1] == 0x6700
    assert CommandApdu.parse(bytes.fromhex("00880000") + b"\x00\x00\x10" + bytes(16) + b"\x00\x00").data == bytes(
        16
    )  # extended form parses too
