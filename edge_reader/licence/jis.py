"""JIS X 0208 text as the licence chip stores it: bare two-byte row/cell codes (each byte
0x21-0x7E), no escape sequences (license-ic.md §6).

Decoding adds 0x80 to each byte and decodes as EUC-JP, which is exactly JIS X 0208 in that
range.  The card's own placeholders ``FF F1``-``FF F7`` (外字1-7, bitmaps in EF03/EF05) and
``FF FA`` (欠字) are compared big-endian and become 〓 (U+3013 GETA MARK, the customary
substitute); so does any code EUC-JP cannot map.  The result says whether that happened, so
the caller can ask the user to check the text.
"""

from __future__ import annotations

from .errors import LicenceDataError

GETA = "〓"
GAIJI_CODES = {0xFFF1, 0xFFF2, 0xFFF3, 0xFFF4, 0xFFF5, 0xFFF6, 0xFFF7, 0xFFFA}


def decode_jisx0208(raw: bytes) -> tuple[str, bool]:
    """Return (text, has_placeholder).  Leading/trailing full-width and ASCII spaces are
    stripped; inner spaces (between family and given name) are kept."""
    if len(raw) % 2:
        raise LicenceDataError("JIS X 0208 text has an odd number of bytes")
    out: list[str] = []
    placeholder = False
    for i in range(0, len(raw), 2):
        hi, lo = raw[i], raw[i + 1]
        code = hi << 8 | lo
        if code in GAIJI_CODES:
            out.append(GETA)
            placeholder = True
            continue
        if not (0x21 <= hi <= 0x7E and 0x21 <= lo <= 0x7E):
            raise LicenceDataError(f"byte pair {code:04X} is not JIS X 0208")
        try:
            out.append(bytes([hi | 0x80, lo | 0x80]).decode("euc_jp"))
        except UnicodeDecodeError:
            out.append(GETA)
            placeholder = True
    return "".join(out).strip(" \u3000"), placeholder
