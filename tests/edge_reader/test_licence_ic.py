"""The driver's-licence IC path end to end: edge_reader.licence over the real PC/SC stack
(pcscd + vpcd + the virtual licence card of tests/pcsc_stack/licence.py), through the
edge reader's single PC/SC owner (``pcsc.read_one_card``).  pyscard is not mocked."""

from __future__ import annotations

import datetime as dt
import io
import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from PIL import Image

from edge_reader.licence import (
    LicenceData,
    NotALicence,
    PinBlocked,
    PinRequired,
    PinRetryTooLow,
    WrongPin,
    read_licence,
)
from edge_reader.pcsc import read_one_card
from tests.edge_reader.daemon_proc import ROOT, child_env
from tests.pcsc_stack.licence import ChangeEntry, LicenceCard, LicenceHolder, licence_card, licence_number
from tests.pcsc_stack.openccus import Personalisation, openccus_card

PIN1, PIN2 = "8642", "9753"  # chosen so that no test datum contains them


@pytest.fixture
def present(pcscd, vpcd_slots, reader_watch):
    """Put a card on the first virtual reader and wait until pcscd sees it (a card already
    there is taken away first, and pcscd must see it go: it polls every 400 ms)."""
    reader = pcscd.readers[0].name

    def put(card) -> str:
        if vpcd_slots[0].inserted:
            vpcd_slots[0].remove()
            reader_watch.wait(reader, present=False)
        vpcd_slots[0].insert(card)
        reader_watch.wait(reader, present=True)
        return reader

    return put


def over_pcsc(reader: str, fn: Callable, timeout: float = 10.0):
    """Run ``fn(transmit)`` against the card on ``reader`` through edge_reader.pcsc."""
    _, result = read_one_card(reader, fn, deadline=time.monotonic() + timeout)
    return result


def holder(**kw: object) -> LicenceHolder:
    return LicenceHolder(pin1=PIN1, pin2=PIN2, **kw)  # type: ignore[arg-type]


def data_verifies(card: LicenceCard) -> list[int]:
    """PIN refs of the VERIFY commands that carried a PIN (counter queries excluded)."""
    return [ref for ref, with_data in card.verify_log if with_data]


def test_correct_pin_reads_the_licence_in_short_chunks(present):
    card = licence_card(holder())
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1))
    assert isinstance(data, LicenceData)
    assert data.name == "試験　花子"
    assert data.birth_date == dt.date(1985, 5, 1)
    assert data.address == "東京都千代田区霞が関二丁目１番２号"
    assert data.expires == dt.date(2026, 6, 1) == data.common.expires
    assert data.issued == dt.date(2021, 5, 10)
    assert data.common.spec_version == "008"
    assert data.licence_number == card.holder.number and data.licence_number_check_ok
    assert data.conditions == ("眼鏡等",) and data.colour_class == "優良"
    assert data.commission == "東京都公安委員会"
    assert data.photo_j2k is None and data.warnings == ()
    # The guard queried PIN1 before its only VERIFY; PIN2 was never touched.
    assert card.verify_log == [(1, False), (1, True)]
    assert card.counters == {1: 3, 2: 3}
    # READ BINARY in short chunks with increasing offsets, never beyond the file.
    ef01 = [(off, le) for df, fid, off, le in card.reads if (df, fid) == ("DF1", "0001")]
    assert [off for off, _ in ef01] == [0, 255, 510, 765]
    assert all(le <= 255 for _, le in ef01)
    assert not any(df == "DF2" for df, *_ in card.reads)


def test_photo_needs_pin2_and_is_a_j2k_codestream(present):
    card = licence_card(holder())
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1, PIN2, want_photo=True))
    assert data.photo_j2k is not None and data.photo_j2k[:2] == b"\xff\x4f"
    assert Image.open(io.BytesIO(data.photo_j2k)).size == (48, 60)
    assert card.verify_log == [(1, False), (2, False), (1, True), (2, True)]
    # Asking for the photo without PIN2 stops before any VERIFY.
    card2 = licence_card(holder())
    present(card2)
    with pytest.raises(PinRequired) as info:
        over_pcsc(reader, lambda tx: read_licence(tx, PIN1, None, want_photo=True))
    assert info.value.ref == 2 and card2.verify_log == []


def test_custom_chunk_size_reads_the_same_data(present):
    card = licence_card(holder())
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1, chunk=64))
    assert data.name == "試験　花子"
    offsets = [off for df, fid, off, _ in card.reads if (df, fid) == ("DF1", "0001")]
    assert offsets == list(range(0, 880, 64))


def test_wrong_pin_drops_the_counter_and_the_reader_stops_before_blocking(present, caplog):
    caplog.set_level(logging.DEBUG)
    card = licence_card(holder())
    reader = present(card)
    wrong = "1111"
    with pytest.raises(WrongPin) as first:
        over_pcsc(reader, lambda tx: read_licence(tx, wrong))
    assert first.value.tries_left == 2 and card.counters[1] == 2
    with pytest.raises(WrongPin) as second:
        over_pcsc(reader, lambda tx: read_licence(tx, wrong))
    assert second.value.tries_left == 1 and card.counters[1] == 1
    # One try left: the guard refuses, even with the right PIN, and sends no VERIFY.
    sent = len(data_verifies(card))
    for pin in (wrong, PIN1):
        with pytest.raises(PinRetryTooLow) as low:
            over_pcsc(reader, lambda tx, pin=pin: read_licence(tx, pin))
        assert low.value.tries_left == 1
    assert len(data_verifies(card)) == sent == 2
    assert card.counters[1] == 1  # not blocked
    # Only an explicit "I accept the last try" lets the right PIN through; it resets the counter.
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1, allow_last_try=True))
    assert data.name == "試験　花子" and card.counters[1] == 3
    text = caplog.text + repr(first.value) + str(second.value) + repr(data)
    assert PIN1 not in text and wrong not in text


def test_blocked_card_is_never_sent_a_verify(present):
    card = licence_card(holder(), counters=(0, 3))
    reader = present(card)
    with pytest.raises(PinBlocked) as info:
        over_pcsc(reader, lambda tx: read_licence(tx, PIN1))
    assert info.value.ref == 1 and info.value.tries_left == 0
    assert card.verify_log == [(1, False)] and card.counters[1] == 0
    # A blocked PIN2 stops a photo read before PIN1 is spent.
    card2 = licence_card(holder(), counters=(3, 0))
    present(card2)
    with pytest.raises(PinBlocked) as info2:
        over_pcsc(reader, lambda tx: read_licence(tx, PIN1, PIN2, want_photo=True))
    assert info2.value.ref == 2 and data_verifies(card2) == []


def test_card_without_pin_uses_the_default_for_pin1_and_pin2(present):
    card = licence_card(LicenceHolder(pin1=None, pin2=None))
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, None, want_photo=True))
    assert data.photo_j2k is not None and data.name == "試験　花子"
    assert data_verifies(card) == [1, 2] and card.counters == {1: 3, 2: 3}
    # A PIN typed anyway is not sent: the card expects **** and gets it.
    card2 = licence_card(LicenceHolder(pin1=None, pin2=None))
    present(card2)
    assert over_pcsc(reader, lambda tx: read_licence(tx, "1234")).name == "試験　花子"
    assert card2.counters == {1: 3, 2: 3}


def test_pin_set_but_none_given_stops_before_verify(present):
    card = licence_card(holder())
    reader = present(card)
    with pytest.raises(PinRequired):
        over_pcsc(reader, lambda tx: read_licence(tx, None))
    assert card.verify_log == []


def test_old_and_new_era_dates(present):
    cats = {0x22: "3620401", 0x23: "4010108", 0x24: "5010501", 0x26: "4010108", 0x31: "5061231", 0x25: "5000000"}
    card = licence_card(
        holder(
            birth="3350101",  # 昭和35年1月1日
            issued=dt.date(2018, 7, 1),
            expires=dt.date(2021, 8, 1),
            expires_code="4330801",  # 平成33年8月1日: printed before 令和 was known
            categories=cats,
        )
    )
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1))
    assert data.birth_date == dt.date(1960, 1, 1)
    assert data.issued == dt.date(2018, 7, 1)  # 平成30年
    assert data.expires == dt.date(2021, 8, 1)  # 平成33 = 2021
    assert data.warnings == ()  # chip expiry agrees with the common data
    assert data.first_licensed == {
        "motorcycle_small_moped_first": dt.date(1987, 4, 1),
        "other_first": dt.date(1989, 1, 8),
        "class2_first": dt.date(2019, 5, 1),
    }  # 令和元年
    assert {c.key: c.since for c in data.categories} == {
        "ordinary": dt.date(1989, 1, 8),
        "medium": dt.date(2024, 12, 31),
    }


def test_moved_address_comes_from_the_change_file(present):
    moves = [
        # Newest first in the file: the newest by date must win, not the last in the file.
        ChangeEntry(0x54, dt.date(2024, 2, 1), "福岡県福岡市中央区天神一丁目８番１号", "福岡県"),
        ChangeEntry(0x54, dt.date(2022, 9, 15), "大阪府大阪市北区中之島一丁目３番２０号", "大阪府", date_form="ascii"),
        ChangeEntry(0x55, dt.date(2023, 1, 5), "眼鏡等", "大阪府"),
    ]
    card = licence_card(holder(changes=moves))
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1))
    assert data.address == "福岡県福岡市中央区天神一丁目８番１号"
    assert data.address_on_card == "東京都千代田区霞が関二丁目１番２号"
    assert [(c.kind, c.changed_on) for c in data.changes] == [
        ("address", dt.date(2024, 2, 1)),
        ("address", dt.date(2022, 9, 15)),
        ("condition_added", dt.date(2023, 1, 5)),
    ]
    assert data.changes[0].commission == "福岡県"


def test_missing_licence_types_are_not_held(present):
    cats = {
        0x22: None,
        0x23: dt.date(2010, 4, 1),
        0x24: None,
        0x25: "5000000",
        0x26: dt.date(2010, 4, 1),
        0x29: "4000000",
    }  # no 準中型 tag at all (older card)
    card = licence_card(holder(categories=cats, spec_version="007"))
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1))
    assert [c.name for c in data.categories] == ["普通"]
    assert data.first_licensed == {"other_first": dt.date(2010, 4, 1)}
    assert data.common.spec_version == "007"


def test_bad_check_digit_is_a_warning_not_a_failure(present):
    good = licence_number("45", "12", "000777", 1)
    bad = good[:10] + str((int(good[10]) + 1) % 10) + good[11]
    card = licence_card(holder(number=bad))
    reader = present(card)
    data = over_pcsc(reader, lambda tx: read_licence(tx, PIN1))
    assert data.licence_number == bad and not data.licence_number_check_ok
    assert "licence_number_check_digit" in data.warnings and "licence_number" in data.needs_review


def test_an_openccus_card_is_not_a_licence(present):
    card = openccus_card(Personalisation.issue(bytes(32), "12345678901234", bytes(8)))
    reader = present(card)
    with pytest.raises(NotALicence):
        over_pcsc(reader, lambda tx: read_licence(tx, PIN1))


def _cli(reader: str, stdin: str, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = child_env({"HOME": str(cwd)})
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "edge_reader.licence",
            "--reader",
            reader,
            "--timeout",
            "10",
            "--pin-stdin",
            "-v",
            *args,
        ],
        cwd=ROOT,
        env=env,
        input=stdin,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )


def test_cli_reads_and_never_prints_or_stores_the_pin(present, tmp_path):
    card = licence_card(holder())
    reader = present(card)
    photo = tmp_path / "photo.png"
    done = _cli(reader, f"{PIN1}\n{PIN2}\n", "--photo", "--photo-out", str(photo), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["reader"] == reader and out["licence"]["name"] == "試験　花子"
    assert "licence_number" not in out["licence"]
    assert out["licence"]["licence_number_masked"].endswith(card.holder.number[-4:])
    assert Image.open(photo).size == (48, 60)
    # A wrong PIN: machine-readable error, exit 3, the counter went down by one.
    card2 = licence_card(holder())
    present(card2)
    failed = _cli(reader, "2468\n", cwd=tmp_path)
    assert failed.returncode == 3
    assert json.loads(failed.stdout) == {
        "error": "wrong_pin",
        "message": "PIN1 is wrong; 2 tries left",
        "pin": 1,
        "tries_left": 2,
        "advice": "暗証番号（PIN1）が違います。残り2回です。",
    }
    assert "暗証番号（PIN1）が違います。残り2回です。" in failed.stderr
    for text in (done.stdout, done.stderr, failed.stdout, failed.stderr):
        assert PIN1 not in text and PIN2 not in text and "2468" not in text
    for path in tmp_path.rglob("*"):
        if path.is_file():
            blob = path.read_bytes()
            assert PIN1.encode() not in blob and PIN2.encode() not in blob, path


def test_cli_gives_the_pin_blocked_advice_in_japanese_or_english(present, tmp_path):
    reader = present(licence_card(holder(), counters=(0, 3)))
    blocked = _cli(reader, f"{PIN1}\n", cwd=tmp_path)
    assert blocked.returncode == 3
    out = json.loads(blocked.stdout)
    assert (out["error"], out["pin"], out["tries_left"]) == ("pin_blocked", 1, 0)
    assert "運転免許センター" in out["advice"] and "警察署" in out["advice"] and "ロック" in out["advice"]
    assert out["advice"] in blocked.stderr
    english = _cli(reader, f"{PIN1}\n", "--lang", "en", cwd=tmp_path)
    assert english.returncode == 3
    assert json.loads(english.stdout)["advice"] == (
        "PIN1 is blocked. Do not try again: only a driving licence centre or a police station can unblock it."
    )
