"""Errors of the licence read.  All are ``edge_reader.card.CardError`` subclasses so that the
single PC/SC owner (``pcsc.read_one_card``) reports them instead of retrying the card.

No message or attribute ever carries a PIN: messages are fixed strings plus the PIN
*reference* (1 or 2), a status word or a retry count.
"""

from __future__ import annotations

from ..card import CardError


class LicenceError(CardError):
    """The licence read failed; ``code`` is a stable machine-readable reason."""

    code = "licence_error"


class NotALicence(LicenceError):
    """The card does not have the driver's-licence file system (SELECT answered an error)."""

    code = "not_a_licence"


class LicenceDataError(LicenceError):
    """A file was read but its content is not what the specification says."""

    code = "bad_data"


class PinError(LicenceError):
    """Base of the PIN guard's refusals and of VERIFY failures."""

    code = "pin_error"

    def __init__(self, message: str, *, ref: int, tries_left: int | None = None) -> None:
        super().__init__(message)
        self.ref = ref  # 1 = PIN1, 2 = PIN2 (never the PIN itself)
        self.tries_left = tries_left


class PinFormatError(PinError):
    """The PIN given is not 4 digits; nothing was sent to the card."""

    code = "pin_format"


class PinRequired(PinError):
    """The card has a PIN set (or the photo was asked for) and no PIN was given."""

    code = "pin_required"


class PinBlocked(PinError):
    """The PIN is blocked (SW 6984, or no tries left).  Only a licensing centre or a police
    station can unblock it; no VERIFY was sent."""

    code = "pin_blocked"


class PinCounterUnknown(PinError):
    """The retry-counter query did not answer 63Cx, so the number of tries left is
    unknown and no VERIFY is sent."""

    code = "pin_counter_unknown"


class PinRetryTooLow(PinError):
    """Fewer tries are left than the guard accepts (default: at least 2, so that a mistyped
    PIN can never block the card); no VERIFY was sent."""

    code = "pin_retry_too_low"


class WrongPin(PinError):
    """The card refused the PIN; ``tries_left`` is what the card reported (None if it did
    not say)."""

    code = "wrong_pin"


class CardAlreadyUnlocked(PinError):
    """The counter query answered 9000: the PIN is already verified in this card session
    (an earlier read left the card powered).  Reading on would release the data without
    this user's PIN, so the read stops; removing and presenting the card again resets it."""

    code = "card_already_unlocked"
