"""The password policy, after NIST SP 800-63B-4 (2025) §3.1.1.2 "Password Verifiers":

* at least 15 characters, because a password is the only factor here ("If passwords are used as a single-factor
  authentication mechanism, they SHALL be a minimum of 15 characters in length"); at most 200 (≥ 64 is required);
  every Unicode character counts once (after NFKC, which NIST recommends applying before the checks);
* no composition rules (no "one digit, one symbol");
* checked against a blocklist of common and breached passwords (data/common-passwords.txt.gz, its source in
  data/SOURCE.md) and context-specific words (the service's names), also when merely padded with digits or symbols
  or repeated ("password2026!!!!", "qwertyqwertyqwerty");
* not equal to and not containing the login name.

Each refusal has its own error code, so the PWA can say exactly what to change.
"""

from __future__ import annotations

import gzip
import re
import unicodedata
from functools import lru_cache
from pathlib import Path

from api.errors import Unprocessable

MIN_LENGTH = 15
MAX_LENGTH = 200
_DATA = Path(__file__).resolve().parent / "data" / "common-passwords.txt.gz"
# Context-specific words (SP 800-63B: "the name of the service"): with padding stripped these are refused too.
CONTEXT_WORDS = frozenset(
    {
        "openccus",
        "ccus",
        "kensetsu",
        "careerup",
        "kensetsucareerup",
        "construction",
        "constructioncareerup",
        "kensetsucareerupsystem",
        "ccuscard",
    }
)
_PADDING = re.compile(r"^[\W\d_]+|[\W\d_]+$")


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    with gzip.open(_DATA, "rt", encoding="utf-8") as f:
        return frozenset(line.strip() for line in f if line.strip())


def _unit(text: str) -> str:
    """The shortest unit whose repetition the text is (a prefix of): "qwertyqwertyqw" → "qwerty",
    "1234567890123456" → "1234567890". At least 4 characters must repeat; otherwise the text itself."""
    for size in range(1, len(text) - 3):
        if (text[:size] * (len(text) // size + 1))[: len(text)] == text:
            return text[:size]
    return text


def _candidates(lowered: str) -> set[str]:
    """What is looked up in the blocklist: the password, without leading/trailing digits and symbols
    ("password2026!!" → "password"), without separators, and a repeated unit reduced to one."""
    core = _PADDING.sub("", lowered)
    compact = re.sub(r"[\W_]+", "", lowered)
    return {c for c in (lowered, core, compact, _unit(lowered), _unit(core), _unit(compact)) if c}


def check_password(password: str, *, login: str | None, field: str = "password") -> None:
    """Raise a 422 with a specific code when the password breaks the policy."""
    text = unicodedata.normalize("NFKC", password)
    if len(text) < MIN_LENGTH:
        raise Unprocessable.field(
            field,
            f"use at least {MIN_LENGTH} characters (a phrase of several words is easiest)",
            code="password_too_short",
        )
    if len(text) > MAX_LENGTH:
        raise Unprocessable.field(field, f"use at most {MAX_LENGTH} characters", code="password_too_long")
    lowered = text.lower()
    if login and login.lower() in lowered:
        raise Unprocessable.field(field, "the password must not contain the login name", code="password_contains_login")
    blocked = common_passwords() | CONTEXT_WORDS
    if len(set(lowered)) <= 3 or any(c in blocked for c in _candidates(lowered)):
        raise Unprocessable.field(
            field,
            "this password is too common or easy to guess (it appears in lists of breached passwords); choose another",
            code="password_common",
        )
