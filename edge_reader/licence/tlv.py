"""The licence files' simple TLV (license-ic.md §5, §8).

* Tag: one byte, except ``5F xx`` (the photo's ``5F 40``).  Tag ``1F`` (免許の条件4) is a
  one-byte tag here, so the BER rule "low five bits set = multi-byte tag" must NOT be used.
* Length: ``00``-``7F`` short form, ``81 ll`` or ``82 hh ll`` long form.
* ``FF`` where a tag would start is padding: parsing stops there (files are padded with FF
  up to their fixed size).  A truncated object is an error.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import LicenceDataError

TWO_BYTE_TAG_FIRST = {0x5F}


@dataclass(frozen=True)
class Tlv:
    tag: int
    value: bytes


def parse_tlv(data: bytes) -> list[Tlv]:
    out: list[Tlv] = []
    i, n = 0, len(data)
    while i < n:
        tag = data[i]
        if tag == 0xFF:
            break
        i += 1
        if tag in TWO_BYTE_TAG_FIRST:
            if i >= n:
                raise LicenceDataError("truncated two-byte tag")
            tag = tag << 8 | data[i]
            i += 1
        if i >= n:
            raise LicenceDataError(f"tag {tag:02X} has no length")
        length = data[i]
        i += 1
        if length & 0x80:
            count = length & 0x7F
            if count not in (1, 2) or i + count > n:
                raise LicenceDataError(f"tag {tag:02X}: bad long-form length")
            length = int.from_bytes(data[i : i + count], "big")
            i += count
        value = data[i : i + length]
        if len(value) != length:
            raise LicenceDataError(f"tag {tag:02X}: value truncated ({len(value)} of {length} bytes)")
        out.append(Tlv(tag, bytes(value)))
        i += length
    return out


def tlv_dict(data: bytes) -> dict[int, bytes]:
    """Objects by tag, for files where each tag appears once (a repeat is an error)."""
    fields: dict[int, bytes] = {}
    for obj in parse_tlv(data):
        if obj.tag in fields:
            raise LicenceDataError(f"tag {obj.tag:02X} appears twice")
        fields[obj.tag] = obj.value
    return fields
