"""The phone path: a photo of the licence's card face -> suggested registration fields.

Pure functions, no request objects.  The pipeline (docs/licence.md §3); steps 1-5 live in
photo.py, 6 in tess.py, 7 in fields.py, and ``read_card_face`` below runs them:

1. ``load_photo``: decode with Pillow, apply the EXIF orientation, RGB.
2. ``find_card``: Otsu threshold of a downscaled grey image (the card is lighter than the
   surface it lies on), small specks removed, then the rotation that minimises the mask's
   bounding box — the card's skew — searched over ±45° (1°, then 0.1° steps).
3. ``crop_card``: rotate the photo upright by that angle, crop to the card, landscape.
4. ``assess_quality``: size, light, glare, sharpness, card cut off -> retake advice.
5. ``normalise_for_ocr``: grey divided by its own background (a max filter, blurred), which
   flattens uneven light and the coloured validity band, scaled to a fixed width.
6. ``run_tesseract``: the ``tesseract`` CLI, ``-l jpn``, TSV output (words, boxes, confidences).
   Page segmentation 4 (one column of lines) first; 11 (sparse text) only for fields still
   missing or unsure; the validity band alone when the expiry is unsure; the licence-number
   words once more with ``-l eng`` restricted to digits.
7. ``extract_fields``: labels and patterns of the card face — 氏名 … 生 on the first line,
   住所, "YYYY年(令和NN年)MM月DD日まで有効", 第 NNNNNNNNNNNN 号 — each with a confidence
   = tesseract's word confidence × a validation factor (date plausible, era and Gregorian
   year agree, expiry one month after the birthday, check digit, address starts with a
   prefecture).

Fields at or above ``min_confidence`` are suggestions; the rest are returned as uncertain
(shown to the user, never pre-filled).  A photo that fails the quality checks, or yields
fewer than ``MIN_FIELDS`` fields, is answered with what to retake.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import asdict, dataclass, field

from PIL import Image

from .fields import FIELDS, Suggestion, expiry_from_lines, extract_fields, merge
from .photo import (
    OCR_WIDTH,
    PhotoError,
    Retake,
    assess_quality,
    band_image,
    crop_card,
    find_card,
    load_photo,
    measure,
    normalise_for_ocr,
    otsu,
)
from .tess import Line, reread_digits, run_tesseract, tesseract_available

MIN_FIELDS = 3

__all__ = [
    "FIELDS",
    "MIN_FIELDS",
    "CardFaceResult",
    "PhotoError",
    "Retake",
    "Suggestion",
    "assess_quality",
    "crop_card",
    "find_card",
    "load_photo",
    "measure",
    "normalise_for_ocr",
    "otsu",
    "read_card_face",
    "run_tesseract",
    "tesseract_available",
]


@dataclass
class CardFaceResult:
    suggestions: dict[str, Suggestion] = field(default_factory=dict)
    uncertain: dict[str, Suggestion] = field(default_factory=dict)
    retake: list[Retake] = field(default_factory=list)
    quality: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.retake

    @property
    def missing(self) -> list[str]:
        return [f for f in FIELDS if f not in self.suggestions and f not in self.uncertain]

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "suggestions": {k: asdict(v) for k, v in self.suggestions.items()},
            "uncertain": {k: asdict(v) for k, v in self.uncertain.items()},
            "missing": self.missing,
            "retake": [asdict(r) for r in self.retake],
            "quality": self.quality,
        }


def read_band(card: Image.Image) -> list[Line]:
    """OCR of the validity band alone (one line, psm 7)."""
    canvas = band_image(card)
    return [] if canvas is None else run_tesseract(canvas, psm=7)


def _read(prepared: Image.Image, psm: int, today: dt.date | None) -> dict[str, Suggestion]:
    lines = reread_digits(prepared, run_tesseract(prepared, psm=psm))
    return extract_fields(lines, width=prepared.width, height=prepared.height, today=today)


def read_card_face(raw: bytes, *, today: dt.date | None = None, min_confidence: float = 0.6) -> CardFaceResult:
    """The whole phone path for one photo."""
    result = CardFaceResult()
    t0 = time.perf_counter()
    try:
        photo = load_photo(raw)
    except PhotoError as exc:
        result.retake.append(Retake.of(exc.code))
        return result
    region = find_card(photo)
    card = crop_card(photo, region) if region else None
    result.timings["locate"] = time.perf_counter() - t0
    metrics = measure(card) if card is not None else {}
    if region:
        metrics.update(
            angle=round(region.angle, 2),
            coverage=round(region.coverage, 3),
            fill=region.fill,
            card_width=float(card.width) if card else 0.0,
        )
    result.quality = {k: round(v, 3) for k, v in metrics.items()}
    problems = assess_quality(photo, card, region, metrics)
    if problems:
        result.retake = problems
        return result
    assert card is not None
    t1 = time.perf_counter()
    prepared = normalise_for_ocr(card)
    found = _read(prepared, 4, today)
    if sum(1 for s in found.values() if s.confidence >= min_confidence) < len(FIELDS):
        found = merge(found, _read(prepared, 11, today))
    if found.get("expiry_date", Suggestion("", 0.0)).confidence < min_confidence:
        birth = found.get("birth_date")
        birth_value = dt.date.fromisoformat(birth.value) if birth and birth.confidence >= 0.5 else None
        wide = card.resize((OCR_WIDTH, int(OCR_WIDTH * card.height / card.width)), Image.Resampling.LANCZOS)
        band = expiry_from_lines(read_band(wide), today=today or dt.date.today(), birth=birth_value)
        if band:
            found = merge(found, {"expiry_date": band})
    if sum(1 for s in found.values() if s.confidence >= min_confidence) < 2:
        # upside down?  one more try the other way round
        again = _read(prepared.rotate(180), 4, today)
        if len(again) > len(found):
            found = again
    result.timings["ocr"] = time.perf_counter() - t1
    for key, s in found.items():
        (result.suggestions if s.confidence >= min_confidence else result.uncertain)[key] = s
    if len(result.suggestions) < MIN_FIELDS:
        result.retake.append(Retake.of("unreadable"))
    return result
