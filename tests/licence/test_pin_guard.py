"""The PIN guard's edge cases and the no-leak rule, in-process against the virtual licence
(the same card object the PC/SC tests put behind pcscd; see
tests/edge_reader/test_licence_ic.py for the scenarios over the real stack)."""

from __future__ import annotations

import copy
import datetime as dt
import json
import logging
import pickle

import pytest

from edge_reader.card import CardGone
from edge_reader.licence import (
    CardAlreadyUnlocked,
    LicenceDataError,
    LicenceError,
    Pin,
    PinCounterUnknown,
    PinFormatError,
    WrongPin,
    read_licence,
)
from tests.pcsc_stack.licence import ChangeEntry, LicenceCard, LicenceHolder, jis, licence_card, tlv

PIN1, PIN2 = "8642", "9753"


class Spy:
    """transmit() to an in-process card, recording what was sent (for the assertions only)."""

    def __init__(self, card: LicenceCard, override=None) -> None:
        card.power_on()
        self.card, self.sent, self.override = card, [], override

    def __call__(self, apdu: bytes) -> tuple[bytes, int]:
        self.sent.append(apdu)
        if self.override is not None and (answer := self.override(apdu)) is not None:
            return answer
        resp = self.card.process(apdu)
        return resp[:-2], int.from_bytes(resp[-2:], "big")

    @property
    def verifies_with_data(self) -> list[bytes]:
        return [a for a in self.sent if a[1] == 0x20 and len(a) > 4]


def holder(**kw: object) -> LicenceHolder:
    return LicenceHolder(pin1=PIN1, pin2=PIN2, **kw)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["123", "12345", "12a4", " ", "１２３", "12 34"])
def test_badly_formed_pin_sends_nothing(bad):
    spy = Spy(licence_card(holder()))
    with pytest.raises(PinFormatError) as info:
        read_licence(spy, bad)
    assert spy.sent == []
    if bad.strip():
        assert bad.strip() not in str(info.value)


def test_full_width_digits_are_accepted():
    spy = Spy(licence_card(holder()))
    assert read_licence(spy, "８６４２").name == "試験　花子"


def test_counter_query_answering_9000_stops_the_read():
    """A card already unlocked by an earlier read in the same power session (the reader left
    it powered): reading on would release the data without this user's PIN."""
    card = licence_card(holder())
    spy = Spy(card)
    read_licence(spy, PIN1)
    again = Spy.__new__(Spy)
    again.card, again.sent, again.override = card, [], None  # same session, no power cycle
    with pytest.raises(CardAlreadyUnlocked):
        read_licence(again, "1111")
    assert again.verifies_with_data == [] and card.counters[1] == 3
    card.reset()  # a reset (or removing the card) clears it
    assert read_licence(Spy(card), PIN1).name == "試験　花子"


@pytest.mark.parametrize("answer", [0x6D00, 0x6A88, 0x6300, 0x6982, 0x6700])
def test_unknown_counter_answer_means_no_verify(answer):
    def no_counter(apdu: bytes):
        return (b"", answer) if apdu[1] == 0x20 and len(apdu) == 4 else None

    spy = Spy(licence_card(holder()), no_counter)
    with pytest.raises(PinCounterUnknown):
        read_licence(spy, PIN1)
    assert spy.verifies_with_data == []


def test_a_6cxx_answer_to_verify_is_not_resent():
    """A generic 'wrong Le, resend' helper would patch the last PIN digit and resend: a
    second VERIFY with a wrong PIN.  VERIFY goes out exactly once."""

    def odd(apdu: bytes):
        return (b"", 0x6C04) if apdu[1] == 0x20 and len(apdu) > 4 else None

    spy = Spy(licence_card(holder()), odd)
    with pytest.raises(LicenceError):
        read_licence(spy, PIN1)
    assert len(spy.verifies_with_data) == 1


def test_card_gone_mid_read_propagates_without_retry():
    def gone(apdu: bytes):
        if apdu[1] == 0xB0 and apdu[2:4] != b"\x00\x00":
            raise CardGone("card removed")
        return None

    spy = Spy(licence_card(holder()), gone)
    with pytest.raises(CardGone):
        read_licence(spy, PIN1)
    assert len(spy.verifies_with_data) == 1


def test_malformed_pin_setting_stops_before_verify():
    card = licence_card(holder())
    card.files[("MF", bytes.fromhex("000A"))] = (b"\xc1\x01\x07", frozenset())
    spy = Spy(card)
    with pytest.raises(LicenceDataError):
        read_licence(spy, PIN1)
    assert spy.verifies_with_data == []


def test_unreadable_change_file_is_a_warning_and_flags_the_address():
    card = licence_card(holder(changes=[ChangeEntry(0x54, dt.date(2024, 1, 1), "大阪府大阪市", "大阪府")]))
    del card.files[("DF1", bytes.fromhex("0004"))]
    data = read_licence(Spy(card), PIN1)
    assert data.address == data.address_on_card
    assert "changes_unreadable" in data.warnings and "address" in data.needs_review
    card2 = licence_card(holder())
    card2.files[("DF1", bytes.fromhex("0004"))] = (tlv(0x50, b"\x01") + tlv(0x54, b"\x90\x23"), frozenset({1}))
    assert "changes_unreadable" in read_licence(Spy(card2), PIN1).warnings


def test_gaiji_in_the_name_asks_for_review():
    raw = LicenceHolder().matters()
    name = tlv(0x12, jis("試験\u3000花子"))
    patched = raw.replace(name, tlv(0x12, jis("試") + bytes.fromhex("FFF1") + jis("\u3000花子")))
    card = licence_card(holder(raw_matters=patched.rstrip(b"\xff")))
    data = read_licence(Spy(card), PIN1)
    assert data.name == "試〓\u3000花子" and "name" in data.needs_review


def test_a_bad_category_date_is_a_warning():
    card = licence_card(holder(categories={0x23: dt.date(2010, 4, 1), 0x25: "4131301", 0x26: dt.date(2010, 4, 1)}))
    data = read_licence(Spy(card), PIN1)
    assert [c.name for c in data.categories] == ["普通"] and "bad_category_date:25" in data.warnings


def test_missing_required_tag_is_bad_data():
    raw = LicenceHolder().matters().rstrip(b"\xff")
    card = licence_card(holder(raw_matters=raw.replace(tlv(0x16, b"3600501"), b"")))
    with pytest.raises(LicenceDataError):
        read_licence(Spy(card), PIN1)


def test_the_pin_never_leaks(caplog):
    caplog.set_level(logging.DEBUG)
    seen: list[str] = []
    card = licence_card(holder())
    data = read_licence(Spy(card), PIN1, PIN2, want_photo=True)
    seen += [repr(data), str(data), json.dumps(data.to_dict(include_photo=True), ensure_ascii=False)]
    card2 = licence_card(holder())
    for wrong in ("1357", "2468"):
        with pytest.raises(WrongPin) as info:
            read_licence(Spy(card2), wrong, PIN2, want_photo=True)
        exc = info.value
        seen += [repr(exc), str(exc), repr(exc.args), repr(vars(exc))]
    pin = Pin.parse(PIN1, ref=1)
    seen += [repr(pin), str(pin), f"{pin}", f"{pin!r:>20}", "%s" % (pin,)]  # noqa: UP031
    with pytest.raises(TypeError):
        pickle.dumps(pin)
    with pytest.raises(TypeError):
        copy.copy(pin)
    with pytest.raises(AttributeError):
        pin._value = b"0000"
    text = "\n".join(seen) + caplog.text
    for secret in (PIN1, PIN2, "1357", "2468", PIN1.encode().hex(), PIN2.encode().hex()):
        assert secret not in text
    assert "PIN1" in caplog.text  # the logs do talk about the PIN, just never its value
