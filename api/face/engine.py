"""The face engine proper: plain functions that run inside the pool's worker processes (never on the event loop).

decode (Pillow) → EXIF orientation → downscale → detect (dlib HOG) → size and count rules → encode (dlib ResNet,
5-point alignment) → 68 landmarks and image cues for the liveness score. dlib is imported lazily so that importing
`api.face` in the API process costs nothing; a worker loads the models once (`init_worker`) and keeps them.

Choices, each measured with the real models on the photos the tests fetch (bench/face_checkin.py --calibrate prints
the table again):

* Upsampling 0. dlib's HOG window finds faces from a 72 px box at upsampling 0 and from ~36 px at 1, but 1 costs four
  times as long on a 640×480 frame (≈130 ms against ≈30 ms) and is where the false faces come from (the mission
  patch of scikit-image's astronaut). A kiosk frame at arm's length holds a 120–250 px face.
* Minimum face size. Encodings of one photo shrunk until the face measured 40–50 px drifted 0.16–0.27 from the same
  photo at full size, 60–80 px 0.10–0.18, 100 px and more ≤ 0.10. Same-person photos already sit 0.33–0.43 apart and
  the threshold is 0.5, so check-in takes everything upsampling 0 finds (≥ 70 px) and enrolment, which every later
  check-in is compared with, asks for 100 px. When upsampling 0 finds nothing, one pass at upsampling 1 tells
  "face too small" (move closer) from "no face".
* One encoding per check-in (the frame with the largest open-eyed face): the ResNet costs ≈105 ms per face on one core,
  more than detection; the other frames only get a detection near the previous box and landmarks (≈1 ms).
"""

from __future__ import annotations

import hashlib
import io
import os
import time
import warnings
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError

from api.face import errors
from api.face.errors import FaceError
from api.face.liveness import FrameCues, LivenessReport, assess, eye_aspect_ratio, periodic_peakiness

Box = tuple[int, int, int, int]  # (top, right, bottom, left), face_recognition's order, in analysed-image pixels

ENROL_FORMATS = frozenset({"JPEG", "PNG", "WEBP", "MPO"})
FRAME_FORMATS = frozenset({"JPEG", "MPO"})


@dataclass(frozen=True)
class EngineConfig:
    enrol_max_side: int = 1024
    frame_max_side: int = 640
    upsample: int = 0
    fallback_upsample: int = 1
    enrol_min_face_px: int = 100
    checkin_min_face_px: int = 70
    # A second face at least this fraction of the largest one's width counts as "several faces"; smaller ones are
    # bystanders far behind (or detector noise) and are ignored.
    several_faces_ratio: float = 0.6
    num_jitters: int = 1
    # Workers yield the CPU to the API process: on a machine with as many workers as cores, the event loop would
    # otherwise wait for its time slice behind dlib. Kept mild: on a host shared with other busy processes a high
    # nice would slow check-ins down instead.
    worker_nice: int = 5
    max_pixels: int = 40_000_000
    max_frames: int = 3
    evidence_quality: int = 80


@dataclass(frozen=True)
class Enrolment:
    vector: bytes  # 128 little-endian float32
    model_version: str
    face_box: tuple[int, int, int, int]  # (left, top, right, bottom) in the upright original photo's pixels
    face_px: int  # face width in the analysed (downscaled) image, the size the minimum applies to


@dataclass(frozen=True)
class FrameAnalysis:
    vector: bytes
    model_version: str
    frame_index: int  # which frame was encoded
    face_box: tuple[int, int, int, int]  # (left, top, right, bottom) in that frame's upright pixels
    face_px: int
    evidence_jpeg: bytes  # that frame, EXIF stripped, at most frame_max_side
    liveness: LivenessReport
    timings_ms: dict[str, float] = field(default_factory=dict)


# ---------------------------------------------------------------------------------------------------- models


@cache
def _fr():
    """face_recognition, imported once per process (this loads the four dlib model files, ≈130 MB)."""
    with warnings.catch_warnings():
        # face_recognition_models locates its files with pkg_resources, which newer setuptools flags as deprecated.
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=DeprecationWarning)
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import face_recognition
        import face_recognition.api
    return face_recognition


@cache
def model_version(num_jitters: int = EngineConfig.num_jitters) -> str:
    """Names what produced an embedding; embeddings are only comparable within one version.

    The ResNet file's digest (not just its name), the alignment (5-point) and the jitter count all change the vectors.
    """
    path = Path(_fr().api.face_recognition_model)
    digest = hashlib.sha256(path.read_bytes()).hexdigest()[:12]
    return f"dlib_face_recognition_resnet_model_v1@{digest}+lm5+j{num_jitters}"


def init_worker(nice: int = EngineConfig.worker_nice) -> None:
    """Process-pool initializer: load the models and run each once, so the first check-in is not the slow one."""
    import dlib

    if nice and hasattr(os, "nice"):
        os.nice(nice)

    fr = _fr()
    model_version()
    blank = np.zeros((160, 160, 3), np.uint8)
    fr.api.face_detector(blank, 0)
    fr.api.pose_predictor_68_point(blank, dlib.rectangle(10, 10, 150, 150))
    fr.api.face_encoder.compute_face_descriptor(np.zeros((150, 150, 3), np.uint8))


def warm(cfg: EngineConfig = EngineConfig()) -> tuple[int, str]:
    """A no-op task that proves a worker is up; returns its pid and the model version."""
    return os.getpid(), model_version(cfg.num_jitters)


# ---------------------------------------------------------------------------------------------------- decoding


@dataclass(frozen=True)
class _Decoded:
    rgb: np.ndarray
    scale: float  # upright-original pixels per analysed pixel


def _decode(data: bytes, *, formats: frozenset[str], max_side: int, max_pixels: int, what: str) -> _Decoded:
    if not data:
        raise FaceError(errors.NOT_AN_IMAGE, f"{what} is empty")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we check the pixel count ourselves
            img = Image.open(io.BytesIO(data))
            if img.format not in formats:
                names = " or ".join(sorted({"MPO": "JPEG"}.get(f, f) for f in formats))
                raise FaceError(errors.NOT_AN_IMAGE, f"{what} must be a {names} image")
            if img.width * img.height > max_pixels:
                raise FaceError(errors.NOT_AN_IMAGE, f"{what} has more than {max_pixels} pixels")
            full = img.size
            # JPEG can decode at 1/2, 1/4 or 1/8 scale directly: a 12 MP phone photo then costs a fraction.
            img.draft("RGB", (max_side, max_side))
            img.load()
    except FaceError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        raise FaceError(errors.NOT_AN_IMAGE, f"{what} is not a readable image") from exc
    rotated = img.getexif().get(0x0112, 1) in (5, 6, 7, 8)
    img = ImageOps.exif_transpose(img)  # phone photos arrive sideways otherwise (face_recognition#381, #553)
    upright_w = full[1] if rotated else full[0]
    if img.mode != "RGB":
        img = img.convert("RGB")
    img.thumbnail((max_side, max_side), Image.Resampling.BICUBIC, reducing_gap=2.0)
    return _Decoded(np.asarray(img), upright_w / img.width)


# ---------------------------------------------------------------------------------------------------- detection


def _width(box: Box) -> int:
    return box[1] - box[3]


def _detect(rgb: np.ndarray, upsample: int) -> list[Box]:
    return sorted(
        _fr().face_locations(rgb, number_of_times_to_upsample=upsample, model="hog"), key=_width, reverse=True
    )


def _one_face(rgb: np.ndarray, cfg: EngineConfig, min_px: int, what: str) -> Box:
    """The single usable face in an image, or the FaceError a person can act on."""
    faces = _detect(rgb, cfg.upsample)
    if not faces:
        faces = _detect(rgb, cfg.fallback_upsample)
        if not faces:
            raise FaceError(errors.NO_FACE, f"no face was found in {what}: face the camera in good light")
    largest = faces[0]
    if len(faces) > 1 and _width(faces[1]) >= cfg.several_faces_ratio * _width(largest):
        raise FaceError(
            errors.SEVERAL_FACES, f"{len(faces)} faces were found in {what}: only one person may be in the picture"
        )
    if _width(largest) < min_px:
        raise FaceError(
            errors.FACE_TOO_SMALL,
            f"the face in {what} is too small ({_width(largest)} px, at least {min_px} px needed): "
            "come closer to the camera or use a closer photo",
        )
    return largest


def _near(rgb: np.ndarray, prev: Box, cfg: EngineConfig, min_px: int) -> Box | None:
    """The face in a later frame, looked for near the previous box in a window shrunk so the face is ≈100 px.

    The detector only has to find the face again (landmarks and the encoding use the full-resolution frame), and its
    cost grows with the pixels it scans: a 220 px face costs ≈5 ms this way against ≈35 ms for the whole frame.
    """
    top, right, bottom, left = prev
    w = right - left
    h, wd = rgb.shape[:2]
    y0, y1 = max(0, top - w // 2), min(h, bottom + w // 2)
    x0, x1 = max(0, left - w // 2), min(wd, right + w // 2)
    window = rgb[y0:y1, x0:x1]
    shrink = min(1.0, 100.0 / max(w, 1))
    if shrink < 1.0:
        size = (max(1, round(window.shape[1] * shrink)), max(1, round(window.shape[0] * shrink)))
        window = np.asarray(Image.fromarray(window).resize(size, Image.Resampling.BILINEAR))
    faces = _detect(np.ascontiguousarray(window), cfg.upsample)
    if faces:
        t, r, b, l = (round(v / shrink) for v in faces[0])
        found = (t + y0, r + x0, b + y0, l + x0)
    else:
        full = _detect(rgb, cfg.upsample)
        if not full:
            return None
        found = full[0]
    return found if _width(found) >= min_px else None


def _landmarks68(rgb: np.ndarray, box: Box) -> np.ndarray:
    import dlib

    top, right, bottom, left = box
    shape = _fr().api.pose_predictor_68_point(rgb, dlib.rectangle(left, top, right, bottom))
    return np.array([(p.x, p.y) for p in shape.parts()], dtype=np.float64)


def _encode(rgb: np.ndarray, box: Box, cfg: EngineConfig) -> bytes:
    vec = _fr().face_encodings(rgb, known_face_locations=[box], num_jitters=cfg.num_jitters, model="small")[0]
    return np.asarray(vec, dtype="<f4").tobytes()


def _original_box(box: Box, scale: float) -> tuple[int, int, int, int]:
    top, right, bottom, left = box
    return (round(left * scale), round(top * scale), round(right * scale), round(bottom * scale))


def _jpeg(rgb: np.ndarray, quality: int) -> bytes:
    out = io.BytesIO()
    Image.fromarray(rgb).save(out, format="JPEG", quality=quality)
    return out.getvalue()


# ---------------------------------------------------------------------------------------------------- tasks


def enrol_photo(photo: bytes, cfg: EngineConfig = EngineConfig()) -> Enrolment:
    """The embedding of a registration (or extra) photo: exactly one face, large enough.

    The photo is analysed at most `enrol_max_side` px; when that shrinks the face under the minimum, it is looked at
    again at twice the size (up to 4096 px): a full-length photo from a 12 MP phone is slow to check, not refused.
    """
    max_side = cfg.enrol_max_side
    while True:
        decoded = _decode(photo, formats=ENROL_FORMATS, max_side=max_side, max_pixels=cfg.max_pixels, what="the photo")
        try:
            box = _one_face(decoded.rgb, cfg, cfg.enrol_min_face_px, "the photo")
            break
        except FaceError as exc:
            if exc.code != errors.FACE_TOO_SMALL or decoded.scale <= 1.01 or max_side >= 4096:
                raise
            max_side *= 2
    return Enrolment(
        vector=_encode(decoded.rgb, box, cfg),
        model_version=model_version(cfg.num_jitters),
        face_box=_original_box(box, decoded.scale),
        face_px=_width(box),
    )


def analyse_frames(frames: list[bytes], cfg: EngineConfig = EngineConfig()) -> FrameAnalysis:
    """Everything a check-in needs from its frames except the roster search (done in the API process)."""
    if not 1 <= len(frames) <= cfg.max_frames:
        raise FaceError(errors.TOO_MANY_FRAMES, f"send between 1 and {cfg.max_frames} frames, not {len(frames)}")
    t0, cpu0 = time.perf_counter(), time.process_time()
    decoded = [
        _decode(f, formats=FRAME_FORMATS, max_side=cfg.frame_max_side, max_pixels=cfg.max_pixels, what=f"frame {i + 1}")
        for i, f in enumerate(frames)
    ]
    t1 = time.perf_counter()

    # The first frame with a usable face anchors the others; if none has one, the first frame's error is the answer.
    boxes: list[Box | None] = [None] * len(decoded)
    first_error: FaceError | None = None
    anchor = None
    for i, d in enumerate(decoded):
        try:
            boxes[i] = _one_face(
                d.rgb, cfg, cfg.checkin_min_face_px, f"frame {i + 1}" if len(frames) > 1 else "the frame"
            )
            anchor = i
            break
        except FaceError as exc:
            first_error = first_error or exc
    if anchor is None:
        assert first_error is not None
        raise first_error
    for i in range(anchor + 1, len(decoded)):
        boxes[i] = _near(decoded[i].rgb, boxes[i - 1] or boxes[anchor], cfg, cfg.checkin_min_face_px)
    t2 = time.perf_counter()

    cues: list[FrameCues] = []
    ears: list[float] = []
    for d, box in zip(decoded, boxes):
        grey = np.asarray(Image.fromarray(d.rgb).convert("L"))
        points = _landmarks68(d.rgb, box) if box is not None else None
        ears.append(eye_aspect_ratio(points) if points is not None else 0.0)
        cues.append(
            FrameCues(
                landmarks=points,
                thumb=np.ascontiguousarray(grey[::4, ::4]),
                periodic=periodic_peakiness(grey, box) if box is not None else 0.0,
            )
        )
    liveness = assess(cues)
    t3 = time.perf_counter()

    # Encode the largest face among frames whose eyes are open (a blink frame aligns and encodes worse).
    open_eyes = max(ears) * 0.8
    pick = max(
        (i for i, b in enumerate(boxes) if b is not None and ears[i] >= open_eyes), key=lambda i: _width(boxes[i])
    )
    box = boxes[pick]
    vector = _encode(decoded[pick].rgb, box, cfg)
    t4 = time.perf_counter()
    evidence = _jpeg(decoded[pick].rgb, cfg.evidence_quality)
    t5 = time.perf_counter()
    return FrameAnalysis(
        vector=vector,
        model_version=model_version(cfg.num_jitters),
        frame_index=pick,
        face_box=_original_box(box, decoded[pick].scale),
        face_px=_width(box),
        evidence_jpeg=evidence,
        liveness=liveness,
        timings_ms={
            "decode": (t1 - t0) * 1e3,
            "detect": (t2 - t1) * 1e3,
            "liveness": (t3 - t2) * 1e3,
            "encode": (t4 - t3) * 1e3,
            "evidence": (t5 - t4) * 1e3,
            "total": (t5 - t0) * 1e3,
            "cpu": (time.process_time() - cpu0) * 1e3,
        },
    )
