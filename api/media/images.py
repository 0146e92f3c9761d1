"""Validation and normalisation of uploaded photos with Pillow.

Every upload is decoded, checked against byte and pixel limits, turned upright from its EXIF orientation (phone photos
arrive sideways otherwise), downscaled and re-encoded as a clean JPEG, which also strips EXIF (GPS, device data).

Decoding a large image takes CPU seconds: `normalise_image_off_loop` does it in a small thread pool of its own (Pillow
releases the GIL while it decodes, resizes and encodes), so one upload never stalls the other requests of the process,
and at most two images are held decoded in memory at a time.
"""

from __future__ import annotations

import asyncio
import functools
import io
import warnings
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from PIL import Image, ImageOps, UnidentifiedImageError

from api.errors import PayloadTooLarge, Unprocessable

ALLOWED_FORMATS = {"JPEG", "PNG", "WEBP", "MPO"}  # MPO: what many phone cameras write; the first frame is a JPEG
_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="images")


@dataclass(frozen=True)
class NormalisedImage:
    data: bytes
    width: int
    height: int
    content_type: str = "image/jpeg"


def normalise_image(
    raw: bytes, *, field: str, max_bytes: int, max_pixels: int, max_side: int, min_side: int = 64
) -> NormalisedImage:
    if len(raw) > max_bytes:
        raise PayloadTooLarge(
            f"{field}: the file is larger than {max_bytes // (1024 * 1024)} MB", code="file_too_large"
        )
    if not raw:
        raise Unprocessable.field(field, "the file is empty", code="not_an_image")
    try:
        with warnings.catch_warnings():
            # Pillow warns (and we run with warnings as errors in tests) before its own bomb limit; we check ourselves.
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            if img.format not in ALLOWED_FORMATS:
                raise Unprocessable.field(field, "only JPEG, PNG or WebP photos are accepted", code="not_an_image")
            if img.width * img.height > max_pixels:
                raise PayloadTooLarge(
                    f"{field}: the image has more than {max_pixels} pixels", code="image_too_many_pixels"
                )
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise Unprocessable.field(field, "the file is not a readable image", code="not_an_image") from exc
    img = ImageOps.exif_transpose(img)
    if min(img.width, img.height) < min_side:
        raise Unprocessable.field(
            field, f"the image is too small (at least {min_side} px a side)", code="image_too_small"
        )
    img = img.convert("RGB")
    img.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=88, optimize=True)
    return NormalisedImage(data=out.getvalue(), width=img.width, height=img.height)


async def normalise_image_off_loop(raw: bytes, **kw) -> NormalisedImage:
    """`normalise_image` in the image thread pool, never on the event loop."""
    return await asyncio.get_running_loop().run_in_executor(_POOL, functools.partial(normalise_image, raw, **kw))
