"""Reading a Japanese IC driver's licence over any ``transmit`` callable, with a PIN guard.

Order (license-ic.md §3, §10):

1. SELECT MF; read the common data (MF/EF01) and the PIN setting (MF/EF02) — no PIN.
2. Work out the reference data: the user's PINs, or ``****`` for both when the card says
   no PIN is set.  Check every precondition (format, PIN2 present when the photo is asked
   for) *before* the first VERIFY.
3. Query the retry counter of each PIN that will be verified (VERIFY with no data -> 63Cx).
   A VERIFY is sent only when the card answered 63Cx with at least ``min_tries`` left (2 by
   default, so that one mistyped PIN can never block the card; 1 only when the user
   explicitly accepts the last try).  Blocked (6984 / 63C0), unknown (any other answer) or
   too low: stop, nothing sent.  9000 (already verified in this card session): stop too.
4. VERIFY PIN1, and PIN2 only when the photo is wanted.  Exactly one VERIFY per PIN per
   call, never retried.
5. SELECT DF1; READ EF01 (記載事項) and EF04 (changes) in short chunks; parse; apply the
   changes so that a moved address is the current one.
6. With the photo: SELECT DF2; READ EF01.

The PIN never reaches a log line, an exception, a repr or the result.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from ..card import Transmit
from . import apdu
from .changes import ChangeFile, parse_changes
from .errors import (
    CardAlreadyUnlocked,
    LicenceDataError,
    LicenceError,
    NotALicence,
    PinBlocked,
    PinCounterUnknown,
    PinRequired,
    PinRetryTooLow,
    WrongPin,
)
from .model import CommonData, LicenceData, parse_common_data, parse_matters, parse_photo, parse_pin_setting
from .pin import Pin

log = logging.getLogger(__name__)

SAFE_MIN_TRIES = 2


def read_common(transmit: Transmit) -> tuple[CommonData, bool]:
    """Steps 1: (common data, PIN set?) — never needs a PIN."""
    _, sw = apdu.command(transmit, apdu.SELECT_MF)
    if sw != apdu.SW_OK:
        raise NotALicence(f"SELECT MF answered {sw:04X}")
    _, sw = apdu.command(transmit, apdu.select_ef(apdu.FID_COMMON))
    if sw != apdu.SW_OK:
        raise NotALicence(f"SELECT EF 2F01 (common data) answered {sw:04X}")
    common = parse_common_data(apdu.read_file(transmit, apdu.SIZE_COMMON, what="common data"))
    apdu.select(transmit, apdu.select_ef(apdu.FID_PIN_SETTING), "EF 000A (PIN setting)")
    pin_set = parse_pin_setting(apdu.read_file(transmit, apdu.SIZE_PIN_SETTING, what="PIN setting"))
    return common, pin_set


def tries_left(transmit: Transmit, ref: int) -> int:
    """The retry counter of PIN ``ref`` (1/2).  Raises instead of returning anything the
    guard could misread: blocked, already verified, or an unknown answer."""
    p2 = apdu.PIN1_REF if ref == 1 else apdu.PIN2_REF
    _, sw = transmit(apdu.verify_query(p2))
    if sw & 0xFFF0 == 0x63C0:
        left = sw & 0x0F
        log.info("licence: PIN%d has %d tries left", ref, left)
        if left == 0:
            raise PinBlocked(
                f"PIN{ref} is blocked (no tries left); only a licensing centre or a police station can unblock it",
                ref=ref,
                tries_left=0,
            )
        return left
    if sw == apdu.SW_PIN_BLOCKED:
        raise PinBlocked(
            f"PIN{ref} is blocked (6984); only a licensing centre or a police station can unblock it",
            ref=ref,
            tries_left=0,
        )
    if sw == apdu.SW_OK:
        raise CardAlreadyUnlocked(
            f"PIN{ref} is already verified in this card session; remove the card and present it again", ref=ref
        )
    raise PinCounterUnknown(f"PIN{ref} retry counter query answered {sw:04X}; no VERIFY sent", ref=ref)


def guard(transmit: Transmit, ref: int, min_tries: int) -> int:
    left = tries_left(transmit, ref)
    if left < min_tries:
        raise PinRetryTooLow(
            f"PIN{ref} has only {left} {'try' if left == 1 else 'tries'} left; not risking a "
            "VERIFY that could block the card",
            ref=ref,
            tries_left=left,
        )
    return left


def verify(transmit: Transmit, ref: int, pin: Pin) -> None:
    """One VERIFY, sent once.  The caller has run ``guard`` just before."""
    p2 = apdu.PIN1_REF if ref == 1 else apdu.PIN2_REF
    _, sw = transmit(pin.verify_apdu(p2))
    if sw == apdu.SW_OK:
        log.info("licence: PIN%d verified", ref)
        return
    if sw & 0xFFF0 == 0x63C0:
        left = sw & 0x0F
        log.warning("licence: PIN%d refused, %d tries left", ref, left)
        if left == 0:
            raise PinBlocked(f"PIN{ref} was wrong and the card blocked it", ref=ref, tries_left=0)
        raise WrongPin(f"PIN{ref} is wrong; {left} {'try' if left == 1 else 'tries'} left", ref=ref, tries_left=left)
    if sw == apdu.SW_VERIFY_FAILED:
        raise WrongPin(f"PIN{ref} is wrong", ref=ref)
    if sw in (apdu.SW_PIN_BLOCKED, apdu.SW_AUTH_BLOCKED):
        raise PinBlocked(f"PIN{ref} is blocked ({sw:04X})", ref=ref, tries_left=0)
    raise LicenceError(f"VERIFY PIN{ref} answered {sw:04X}")


def read_licence(
    transmit: Transmit,
    pin1: str | Pin | None,
    pin2: str | Pin | None = None,
    want_photo: bool = False,
    *,
    allow_last_try: bool = False,
    chunk: int = apdu.MAX_CHUNK,
) -> LicenceData:
    """Read and decode the licence.  ``pin1``/``pin2`` are 4-digit strings (or None when the
    user has none: a card without a PIN set expects ``****``, which is used automatically).
    ``allow_last_try`` lowers the guard from 2 tries left to 1 — only on the user's explicit
    confirmation."""
    # Format errors before the card is touched at all.
    user_pin1 = Pin.parse(pin1, ref=1) if pin1 not in (None, "") else None
    user_pin2 = Pin.parse(pin2, ref=2) if pin2 not in (None, "") else None
    min_tries = 1 if allow_last_try else SAFE_MIN_TRIES

    common, pin_set = read_common(transmit)
    if pin_set:
        if user_pin1 is None:
            raise PinRequired("this licence has a PIN set: PIN1 is needed", ref=1)
        if want_photo and user_pin2 is None:
            raise PinRequired("the photo needs PIN2", ref=2)
        ref1, ref2 = user_pin1, user_pin2
    else:
        log.info("licence: no PIN set on this card; using the default reference data")
        ref1 = ref2 = Pin.default()

    # Every guard before the first VERIFY: a PIN2 that cannot be risked must not cost a
    # PIN1 try either.
    guard(transmit, 1, min_tries)
    if want_photo:
        guard(transmit, 2, min_tries)
    verify(transmit, 1, ref1)
    if want_photo:
        assert ref2 is not None
        verify(transmit, 2, ref2)

    apdu.select(transmit, apdu.select_df(apdu.DF1_AID), "DF1")
    apdu.select(transmit, apdu.select_ef(apdu.FID_EF01), "DF1/EF01")
    matters = apdu.read_file(transmit, apdu.SIZE_MATTERS, chunk=chunk, what="DF1/EF01")
    changes: ChangeFile | None = None
    change_warning = None
    try:
        apdu.select(transmit, apdu.select_ef(apdu.FID_EF04), "DF1/EF04")
        changes = parse_changes(apdu.read_file(transmit, apdu.SIZE_CHANGES, chunk=chunk, what="DF1/EF04"))
    except LicenceDataError as exc:
        log.warning("licence: change file unreadable (%s); the address may be out of date", exc)
        change_warning = "changes_unreadable"
    except LicenceError as exc:
        log.warning("licence: change file not read (%s); the address may be out of date", exc)
        change_warning = "changes_unreadable"
    data = parse_matters(matters, common, changes, change_warning=change_warning)

    if want_photo:
        apdu.select(transmit, apdu.select_df(apdu.DF2_AID), "DF2")
        apdu.select(transmit, apdu.select_ef(apdu.FID_EF01), "DF2/EF01")
        photo = parse_photo(apdu.read_file(transmit, apdu.SIZE_PHOTO, chunk=chunk, what="DF2/EF01"))
        data = replace(data, photo_j2k=photo)
    log.info("licence: read %r", data)
    return data
