"""TapPipeline in-process: the ordering rules behind "no tap lost, none doubled".

The crash test exercises these at random; here each narrow window is hit on purpose.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import sqlite3
import threading
from pathlib import Path

import pytest

from edge_reader import card
from edge_reader.config import Settings
from edge_reader.daemon import Feedback, TapPipeline
from edge_reader.outbox import Device, Outbox
from tests.pcsc_stack.iso7816 import INS_INTERNAL_AUTHENTICATE, INS_READ_BINARY, INS_SELECT, Card
from tests.pcsc_stack.openccus import Personalisation, auth_response, openccus_card, uid_only_card

MASTER = b"\x07" * 32
DEVICE = Device("devP", "token", "13000000000019", "http://127.0.0.1:9")


class CheckingStream(io.StringIO):
    """Feedback sink that, at the moment of the beep, looks at the database from another
    connection: the tap must already be committed."""

    def __init__(self, db_path: Path) -> None:
        super().__init__()
        self.db_path = db_path
        self.events: list[dict] = []
        self.committed_at_beep: list[bool] = []

    def write(self, text: str) -> int:
        event = json.loads(text)
        self.events.append(event)
        if event.get("result") == "ok":
            db = sqlite3.connect(self.db_path)
            row = db.execute("SELECT 1 FROM taps WHERE idempotency_key = ?", (event["idempotency_key"],)).fetchone()
            db.close()
            self.committed_at_beep.append(row is not None)
        return len(text)


def make(tmp_path: Path, **settings: object) -> tuple[TapPipeline, CheckingStream]:
    s = Settings(data_dir=tmp_path, **settings)
    box = Outbox(s.db_path)
    box.save_device(DEVICE)
    box.close()
    stream = CheckingStream(s.db_path)
    return TapPipeline(s, DEVICE, Feedback(stream), threading.Event()), stream


def present(pipeline: TapPipeline, vcard: Card, pull_at: int | None = None) -> None:
    """One presentation of a card; ``pull_at``: the card leaves when this INS arrives."""
    vcard.power_on()

    def transmit(apdu: bytes) -> tuple[bytes, int]:
        if pull_at is not None and apdu[1] == pull_at:
            raise card.CardGone("card left the field")
        resp = vcard.process(apdu)
        return resp[:-2], int.from_bytes(resp[-2:], "big")

    pipeline.handle_card("test-reader", transmit)


def perso(n: int = 1, **kw: object) -> Personalisation:
    return Personalisation.issue(MASTER, f"9{n:013d}", n.to_bytes(8, "big"), **kw)


def rows(tmp_path: Path) -> list[dict]:
    return Outbox(tmp_path / "edge.sqlite3").pending(1000)


def test_beep_comes_after_the_commit_and_carries_a_verifiable_tap(tmp_path: Path):
    pipeline, stream = make(tmp_path)
    p = perso()
    present(pipeline, openccus_card(p))
    assert stream.committed_at_beep == [True]
    (tap,) = rows(tmp_path)
    assert tap["idempotency_key"] == stream.events[0]["idempotency_key"] == "devP:1"
    assert tap["technician_id"] == p.technician_id and tap["card_serial"] == p.serial.hex()
    assert bytes.fromhex(tap["response"]) == auth_response(p.card_key, bytes.fromhex(tap["challenge"]))
    assert dt.datetime.fromisoformat(tap["device_time"]).utcoffset() is not None


def test_retap_after_a_crash_between_commit_and_beep_gets_the_same_key(tmp_path: Path):
    pipeline, _ = make(tmp_path)
    vcard = openccus_card(perso())
    present(pipeline, vcard)  # committed; pretend the process died before the beep
    restarted, stream = make(tmp_path)  # a new process on the same outbox
    present(restarted, vcard)
    assert stream.events == [{**stream.events[0], "result": "ok", "duplicate": True, "idempotency_key": "devP:1"}]
    assert len(rows(tmp_path)) == 1


@pytest.mark.parametrize("pull_at", [INS_SELECT, INS_READ_BINARY, INS_INTERNAL_AUTHENTICATE])
def test_card_leaving_at_any_step_records_nothing(tmp_path: Path, pull_at: int):
    pipeline, stream = make(tmp_path)
    vcard = openccus_card(perso())
    present(pipeline, vcard, pull_at=pull_at)
    assert [e["result"] for e in stream.events] == ["retry"]
    assert rows(tmp_path) == []
    present(pipeline, vcard)  # the technician taps again: one tap, not a duplicate
    assert [e["result"] for e in stream.events] == ["retry", "ok"]
    assert stream.events[1]["duplicate"] is False and len(rows(tmp_path)) == 1


def test_every_tap_gets_a_fresh_challenge(tmp_path: Path):
    pipeline, _ = make(tmp_path, debounce_seconds=0)
    vcard = openccus_card(perso())
    for _ in range(20):
        present(pipeline, vcard)
    challenges = [t["challenge"] for t in rows(tmp_path)]
    assert len(challenges) == 20 == len(set(challenges))


def test_revoked_expired_and_foreign_cards_are_refused_without_a_tap(tmp_path: Path):
    pipeline, stream = make(tmp_path)
    revoked = perso(1)
    box = Outbox(tmp_path / "edge.sqlite3")
    box.apply_revocations(1, [revoked.serial.hex()], full=True)
    present(pipeline, openccus_card(revoked))
    present(pipeline, openccus_card(perso(2, issued=dt.date(2010, 1, 1), expires=dt.date(2020, 1, 1))))
    present(pipeline, uid_only_card(b"\x04\x01\x02\x03"))
    assert [(e["result"], e["reason"], e["message"]) for e in stream.events] == [
        ("refused", "card_revoked", "このカードは失効しています。使用できません。"),
        ("refused", "card_expired", "カードの有効期限が切れています。"),
        ("refused", "not_openccus", "建設キャリアアップのカードではありません。"),
    ]
    assert rows(tmp_path) == []


def test_a_card_answering_garbage_is_a_retry_not_a_tap(tmp_path: Path):
    pipeline, stream = make(tmp_path)
    p = perso()
    p.technician_id = "12345"  # a badly personalised card: EF.CARD fails to parse
    present(pipeline, openccus_card(p))
    assert [e["result"] for e in stream.events] == ["retry"]
    assert rows(tmp_path) == []
