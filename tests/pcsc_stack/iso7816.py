"""A small ISO 7816-4 card framework for virtual cards.

A ``Card`` has an ATR, an optional contactless UID and a set of ``Application`` objects
selected by AID.  It turns raw command APDUs into raw response APDUs (data + SW1 SW2),
so it can sit behind any transport (vpcd here).  Applications raise ``CardError(sw)``
for error status words; the card catches it and answers with just the status word.

Kept deliberately generic: the OpenCCUS card is one application; a virtual driver's-licence
card (several DFs, VERIFY with a retry counter) is meant to be another.
"""

from __future__ import annotations

from dataclasses import dataclass

# Status words used by the framework and the applications (ISO 7816-4 §5.6).
SW_OK = 0x9000
SW_END_OF_FILE = 0x6282  # fewer bytes than Le available
SW_WRONG_LENGTH = 0x6700
SW_SECURITY_NOT_SATISFIED = 0x6982
SW_CONDITIONS_NOT_SATISFIED = 0x6985
SW_COMMAND_NOT_ALLOWED_NO_EF = 0x6986
SW_WRONG_DATA = 0x6A80
SW_FUNC_NOT_SUPPORTED = 0x6A81
SW_FILE_NOT_FOUND = 0x6A82
SW_INCORRECT_P1P2 = 0x6A86
SW_WRONG_P1P2 = 0x6B00
SW_INS_NOT_SUPPORTED = 0x6D00
SW_CLA_NOT_SUPPORTED = 0x6E00

INS_SELECT = 0xA4
INS_READ_BINARY = 0xB0
INS_INTERNAL_AUTHENTICATE = 0x88
INS_GET_DATA = 0xCA


class CardError(Exception):
    """An error answer: the card replies with this status word and no data."""

    def __init__(self, sw: int) -> None:
        super().__init__(f"SW {sw:04X}")
        self.sw = sw


@dataclass(frozen=True)
class CommandApdu:
    cla: int
    ins: int
    p1: int
    p2: int
    data: bytes = b""
    # None = no Le field; 0 is kept as 0 and means "up to 256" (short) / 65536 (extended).
    le: int | None = None

    @classmethod
    def parse(cls, raw: bytes) -> CommandApdu:
        """Parse cases 1-4, short and extended (ISO 7816-3 §12.1)."""
        if len(raw) < 4:
            raise CardError(SW_WRONG_LENGTH)
        cla, ins, p1, p2 = raw[:4]
        body = raw[4:]
        if not body:  # case 1
            return cls(cla, ins, p1, p2)
        if len(body) == 1:  # case 2 short
            return cls(cla, ins, p1, p2, le=body[0])
        if body[0] != 0:  # short Lc
            lc = body[0]
            data = body[1 : 1 + lc]
            rest = body[1 + lc :]
            if len(data) != lc or len(rest) > 1:
                raise CardError(SW_WRONG_LENGTH)
            return cls(cla, ins, p1, p2, bytes(data), rest[0] if rest else None)
        # extended length: 00 then two bytes
        if len(body) == 3:  # case 2 extended
            return cls(cla, ins, p1, p2, le=int.from_bytes(body[1:3], "big"))
        lc = int.from_bytes(body[1:3], "big")
        data = body[3 : 3 + lc]
        rest = body[3 + lc :]
        if len(data) != lc or len(rest) not in (0, 2):
            raise CardError(SW_WRONG_LENGTH)
        le = int.from_bytes(rest, "big") if rest else None
        return cls(cla, ins, p1, p2, bytes(data), le)


def response(data: bytes = b"", sw: int = SW_OK) -> bytes:
    return bytes(data) + sw.to_bytes(2, "big")


class Application:
    """One ISO 7816-4 application; subclasses set ``aid`` and implement ``handle``."""

    aid: bytes = b""

    def select(self) -> bytes:
        """Called on SELECT by AID; returns the FCI (may be empty)."""
        return b""

    def deselect(self) -> None:
        """Called when another application is selected or the card is reset."""

    def handle(self, apdu: CommandApdu) -> bytes | tuple[bytes, int]:
        """Return response data (SW 9000) or (data, sw); raise CardError for errors."""
        raise CardError(SW_INS_NOT_SUPPORTED)


class Card:
    """A virtual card: ATR, optional UID, applications selected by AID."""

    def __init__(self, atr: bytes, applications: list[Application] | None = None, uid: bytes | None = None) -> None:
        self.atr = bytes(atr)
        self.applications = list(applications or [])
        self.uid = uid
        self.selected: Application | None = None
        self.powered = False

    # --- power events (vpcd control codes) -------------------------------------------
    def power_on(self) -> None:
        self.powered = True
        self._deselect()

    def power_off(self) -> None:
        self.powered = False
        self._deselect()

    def reset(self) -> None:
        self.powered = True
        self._deselect()

    def _deselect(self) -> None:
        if self.selected is not None:
            self.selected.deselect()
        self.selected = None

    # --- APDU processing ---------------------------------------------------------------
    def process(self, raw: bytes) -> bytes:
        try:
            apdu = CommandApdu.parse(raw)
            result = self._dispatch(apdu)
        except CardError as exc:
            return response(sw=exc.sw)
        if isinstance(result, tuple):
            return response(*result)
        return response(result)

    def _dispatch(self, apdu: CommandApdu) -> bytes | tuple[bytes, int]:
        if apdu.cla == 0xFF and apdu.ins == INS_GET_DATA:
            # PC/SC part 3 pseudo-APDU.  A real contactless reader answers it itself; over vpcd
            # the card sees it, so the card plays the reader's part here.
            if self.uid is None or (apdu.p1, apdu.p2) != (0, 0):
                raise CardError(SW_FUNC_NOT_SUPPORTED)
            return self.uid
        if apdu.cla & 0x80:  # proprietary class: nothing here speaks it
            raise CardError(SW_CLA_NOT_SUPPORTED)
        if apdu.ins == INS_SELECT and apdu.p1 == 0x04:
            return self._select_aid(apdu)
        if self.selected is None:
            raise CardError(SW_INS_NOT_SUPPORTED)
        return self.selected.handle(apdu)

    def _select_aid(self, apdu: CommandApdu) -> bytes:
        for app in self.applications:
            if app.aid == apdu.data:
                self._deselect()
                self.selected = app
                fci = app.select()
                # P2 bit 0x0C set = "no response data requested"
                return b"" if (apdu.p2 & 0x0C) == 0x0C else fci
        raise CardError(SW_FILE_NOT_FOUND)


def make_atr(historical: bytes) -> bytes:
    """ATR announcing T=1 (TD1=0x80, TD2=0x01) with the given historical bytes and TCK.

    This is the shape PC/SC readers synthesise for contactless cards (3B 8n 80 01 ...),
    so pcscd negotiates T=1 and passes case-4 APDUs through unchanged.
    """
    if len(historical) > 15:
        raise ValueError("at most 15 historical bytes")
    body = bytes([0x80 | len(historical), 0x80, 0x01]) + historical
    tck = 0
    for b in body:
        tck ^= b
    return bytes([0x3B]) + body + bytes([tck])
