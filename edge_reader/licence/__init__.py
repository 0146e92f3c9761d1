"""Japanese IC driver's licence (IC運転免許証) over PC/SC: read with a PIN guard, decode.

``read_licence(transmit, pin1, pin2=None, want_photo=False)`` works over any transmit
callable (``edge_reader.pcsc`` in production, a virtual card in tests).  See docs/licence.md.
"""

from .errors import (
    CardAlreadyUnlocked,
    LicenceDataError,
    LicenceError,
    NotALicence,
    PinBlocked,
    PinCounterUnknown,
    PinError,
    PinFormatError,
    PinRequired,
    PinRetryTooLow,
    WrongPin,
)
from .flow import read_common, read_licence, tries_left
from .model import Category, CommonData, LicenceData
from .pin import Pin

__all__ = [
    "CardAlreadyUnlocked",
    "Category",
    "CommonData",
    "LicenceData",
    "LicenceDataError",
    "LicenceError",
    "NotALicence",
    "Pin",
    "PinBlocked",
    "PinCounterUnknown",
    "PinError",
    "PinFormatError",
    "PinRequired",
    "PinRetryTooLow",
    "WrongPin",
    "read_common",
    "read_licence",
    "tries_left",
]
