"""Kiosk frames and altered copies made from the real photos (Pillow only, no dlib in the test process)."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageEnhance, ImageOps

Box = tuple[int, int, int, int]  # (left, top, right, bottom), as Enrolment.face_box


def upright(path: Path) -> Image.Image:
    return ImageOps.exif_transpose(Image.open(path)).convert("RGB")


def jpeg(img: Image.Image, quality: int = 85, exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    img.save(out, format="JPEG", quality=quality, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def exif_rotated(img: Image.Image, orientation: int = 6) -> bytes:
    """The pixels stored turned by 90°, with the EXIF tag that tells a viewer to turn them back (as phones do)."""
    stored = img.transpose(Image.Transpose.ROTATE_90 if orientation == 6 else Image.Transpose.ROTATE_270)
    exif = Image.Exif()
    exif[0x0112] = orientation
    return jpeg(stored, exif=exif)


def scaled(img: Image.Image, factor: float) -> Image.Image:
    return img.resize((round(img.width * factor), round(img.height * factor)), Image.Resampling.LANCZOS)


def darker(img: Image.Image, factor: float = 0.55) -> Image.Image:
    return ImageEnhance.Brightness(img).enhance(factor)


def kiosk_frame(
    img: Image.Image,
    box: Box,
    *,
    face_px: int = 170,
    angle: float = 0.0,
    dx: int = 0,
    dy: int = 0,
    quality: int = 85,
    size: tuple[int, int] = (640, 480),
    background: int = 96,
) -> bytes:
    """A 640×480 JPEG like a kiosk camera's: the photo scaled so its face is `face_px` wide, centred, then moved.

    `box` is the face in `img` (from an enrolment of the same photo, so the tests need no detector of their own).
    """
    left, top, right, bottom = box
    f = face_px / (right - left)
    small = scaled(img, f)
    if angle:
        small = small.rotate(
            angle, resample=Image.Resampling.BICUBIC, center=((left + right) / 2 * f, (top + bottom) / 2 * f)
        )
    canvas = Image.new("RGB", size, (background,) * 3)
    cx, cy = (left + right) / 2 * f, (top + bottom) / 2 * f
    canvas.paste(small, (round(size[0] / 2 - cx + dx), round(size[1] / 2 - cy + dy)))
    return jpeg(canvas, quality)


def recompressed(frame: bytes, quality: int) -> bytes:
    return jpeg(Image.open(io.BytesIO(frame)).convert("RGB"), quality)


def with_grating(frame: bytes, period: float = 4.5, amplitude: float = 10.0, angle: float = 0.3) -> bytes:
    """A frame with a fine periodic pattern over it, as a camera sees a screen or a halftone print (moiré)."""
    a = np.asarray(Image.open(io.BytesIO(frame)).convert("RGB")).astype(np.float32)
    yy, xx = np.mgrid[: a.shape[0], : a.shape[1]]
    wave = amplitude * np.sin(2 * np.pi * (xx * np.cos(angle) + yy * np.sin(angle)) / period)
    return jpeg(Image.fromarray(np.clip(a + wave[..., None], 0, 255).astype(np.uint8)), 85)


def png(img: Image.Image) -> bytes:
    out = io.BytesIO()
    img.save(out, format="PNG")
    return out.getvalue()
