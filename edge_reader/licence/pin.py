"""A PIN value that cannot leak by accident.

``Pin`` keeps the 4 bytes the card expects and refuses every ordinary way of turning itself
into text or bytes on the outside: ``repr``/``str``/``format`` say ``<redacted>``, pickling
and copying raise.  Only ``verify_apdu`` (used by the flow, right before transmit) reads the
digits.  Python cannot wipe memory reliably, so this is about logs, exceptions, reprs and
files, not about memory forensics.
"""

from __future__ import annotations

import unicodedata

from .errors import PinFormatError

DEFAULT_PIN_BYTES = b"****"  # what a card with "no PIN set" expects for PIN1 and PIN2


class Pin:
    __slots__ = ("_value",)

    def __init__(self, value: bytes) -> None:
        object.__setattr__(self, "_value", bytes(value))

    @classmethod
    def parse(cls, value: str | Pin, *, ref: int) -> Pin:
        """A user-typed PIN: 4 digits.  Full-width digits (a Japanese IME) are accepted."""
        if isinstance(value, Pin):
            return value
        if not isinstance(value, str):
            raise PinFormatError(f"PIN{ref} must be given as text", ref=ref)
        digits = unicodedata.normalize("NFKC", value).strip()
        if len(digits) != 4 or not all("0" <= c <= "9" for c in digits):
            raise PinFormatError(f"PIN{ref} must be exactly 4 digits", ref=ref)
        return cls(digits.encode("ascii"))

    @classmethod
    def default(cls) -> Pin:
        return cls(DEFAULT_PIN_BYTES)

    @property
    def is_default(self) -> bool:
        return self._value == DEFAULT_PIN_BYTES

    def verify_apdu(self, p2: int) -> bytes:
        """VERIFY with the reference data: ``00 20 00 P2 04 d1 d2 d3 d4``."""
        return bytes([0x00, 0x20, 0x00, p2, len(self._value)]) + self._value

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("Pin is immutable")

    def __repr__(self) -> str:
        return "Pin(<redacted>)"

    __str__ = __repr__

    def __format__(self, spec: str) -> str:
        return repr(self)

    def __reduce__(self):  # pickling is refused on purpose: a PIN never leaves the process
        raise TypeError("a PIN cannot be pickled")

    def __copy__(self):
        raise TypeError("a PIN cannot be copied")

    def __deepcopy__(self, memo):
        raise TypeError("a PIN cannot be copied")
