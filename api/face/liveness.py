"""A liveness *risk* score (0 = looks live, 1 = looks like a replay) from the 1–3 frames of one check-in.

Be clear about what this is. Two-dimensional frames cannot prove that a live person stood at the kiosk (CompreFace#923,
InsightFace#1224 and the face_recognition README all say so, see shared/reference/peers.md §5): a replayed video, a
mask, or a photo bent while it is moved can look live here, and a real person who stands perfectly still and does not
blink looks like a photo. The score only ranks check-ins by how much evidence of a live, three-dimensional face the
frames carry, so that a site's policy can accept, send to review, or ask for a card tap as well.

The cues, each measured on real photos (see tests/face/test_liveness.py and docs/face.md):

* identical frames: a camera never delivers two identical frames, an injected photo does (mean absolute difference
  < 0.5 grey levels); frames that differ only by JPEG recompression (< 3 grey levels) count as near-identical.
* non-planar landmark motion: between two frames the 68 landmarks of a flat photo, however it is moved or tilted,
  are related by one homography; a real head turning or changing expression is not. The residual after the best
  homography, over the inter-ocular distance, was 0.012–0.021 for shifted, rotated, scaled, darkened and recompressed
  copies of one photo (the landmark detector's own jitter) and 0.11–0.20 between different photos of one person.
* eye blink: a drop of the eye aspect ratio between frames (Soukupová & Čech 2016).
* periodic pattern: a screen or a halftone print seen by a camera leaves moiré, isolated peaks in the spectrum of the
  face region; natural faces scored 18–28 (peak over median, JPEG block harmonics excluded), gratings of 4–6 px 77–152.
  A cue for digital re-injection (a second, shifted JPEG block grid) was tried and did not separate (1.19 vs 1.03–1.10),
  so it is not used.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

IDENTICAL_MAD = 0.5
NEAR_IDENTICAL_MAD = 3.0
NONPLANAR_RAMP = (0.025, 0.08)  # homography residual / inter-ocular distance: noise floor .. clear 3-D motion
BLINK_RAMP = (0.15, 0.35)  # relative drop of the eye aspect ratio
PERIODIC_RAMP = (32.0, 70.0)  # spectral peak / median in the face region
LIVE_WEIGHT = 0.9  # full evidence still leaves 0.1: frames are never proof

LEFT_EYE = slice(36, 42)
RIGHT_EYE = slice(42, 48)


@dataclass(frozen=True)
class FrameCues:
    """What the engine measured in one frame (picklable, numpy only)."""

    landmarks: np.ndarray | None  # (68, 2) in frame pixels, None when no face was found in this frame
    thumb: np.ndarray  # small greyscale copy of the whole frame (uint8) for the identical-frame test
    periodic: float  # spectral peakiness of the face region (0 when not measured)


@dataclass(frozen=True)
class LivenessReport:
    risk: float
    cues: dict[str, float] = field(default_factory=dict)


def _ramp(value: float, lo_hi: tuple[float, float]) -> float:
    lo, hi = lo_hi
    return float(min(1.0, max(0.0, (value - lo) / (hi - lo))))


def inter_ocular(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[LEFT_EYE].mean(0) - points[RIGHT_EYE].mean(0)))


def eye_aspect_ratio(points: np.ndarray) -> float:
    def one(eye: np.ndarray) -> float:
        vertical = np.linalg.norm(eye[1] - eye[5]) + np.linalg.norm(eye[2] - eye[4])
        return float(vertical / (2.0 * np.linalg.norm(eye[0] - eye[3])))

    return (one(points[LEFT_EYE]) + one(points[RIGHT_EYE])) / 2.0


def _normaliser(p: np.ndarray) -> np.ndarray:
    mean = p.mean(0)
    scale = np.sqrt(2.0) / max(float(np.linalg.norm(p - mean, axis=1).mean()), 1e-9)
    return np.array([[scale, 0, -scale * mean[0]], [0, scale, -scale * mean[1]], [0, 0, 1]])


def planar_residual(p: np.ndarray, q: np.ndarray) -> float:
    """RMS distance (pixels) between q and p mapped by the best homography (normalised DLT, Hartley & Zisserman)."""
    tp, tq = _normaliser(p), _normaliser(q)
    pn = (np.c_[p, np.ones(len(p))] @ tp.T)[:, :2]
    qn = (np.c_[q, np.ones(len(q))] @ tq.T)[:, :2]
    x, y, u, v = pn[:, 0], pn[:, 1], qn[:, 0], qn[:, 1]
    one, zero = np.ones(len(p)), np.zeros(len(p))
    a = np.empty((2 * len(p), 9))
    a[0::2] = np.c_[-x, -y, -one, zero, zero, zero, u * x, u * y, u]
    a[1::2] = np.c_[zero, zero, zero, -x, -y, -one, v * x, v * y, v]
    h = np.linalg.svd(a)[2][-1].reshape(3, 3)
    h = np.linalg.inv(tq) @ h @ tp
    mapped = np.c_[p, np.ones(len(p))] @ h.T
    mapped = mapped[:, :2] / mapped[:, 2:3]
    return float(np.sqrt(((mapped - q) ** 2).sum(1).mean()))


@lru_cache(maxsize=32)
def _spectrum_tools(n: int) -> tuple[np.ndarray, np.ndarray]:
    """The 2-D Hann window and the mask of frequencies that count (not low, not a JPEG block harmonic) for size n."""
    hann = np.hanning(n).astype(np.float32)
    fy, fx = np.meshgrid(np.arange(n) - n // 2, np.arange(n) - n // 2, indexing="ij")
    mask = np.hypot(fy, fx) > n / 8
    step = n // 8
    for k in range(-4, 5):
        for off in (-1, 0, 1):
            mask &= (fx != k * step + off) & (fy != k * step + off)
    return np.outer(hann, hann), mask


def periodic_peakiness(grey: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Largest spectral peak over the median in the face region, ignoring low frequencies and JPEG block harmonics.

    `box` is (top, right, bottom, left). The square crop is aligned to the 8-pixel grid of the frame so that the JPEG
    block artefacts fall exactly on the excluded rows and columns of the spectrum.
    """
    top, right, bottom, left = box
    n = max(64, min(256, (min(right - left, bottom - top) // 8) * 8))
    cy, cx = (top + bottom) // 2, (left + right) // 2
    y0, x0 = max(0, ((cy - n // 2) // 8) * 8), max(0, ((cx - n // 2) // 8) * 8)
    crop = grey[y0 : y0 + n, x0 : x0 + n].astype(np.float32)
    n = (min(crop.shape) // 8) * 8
    if n < 64:
        return 0.0
    crop = crop[:n, :n]
    window, mask = _spectrum_tools(n)
    spectrum = np.abs(np.fft.fftshift(np.fft.fft2((crop - crop.mean()) * window)))
    values = spectrum[mask]
    median = float(np.median(values))
    return float(values.max() / median) if median > 0 else 0.0


def assess(frames: Sequence[FrameCues]) -> LivenessReport:
    cues: dict[str, float] = {"frames": float(len(frames))}
    identical = near_identical = False
    for a, b in zip(frames, frames[1:]):
        if a.thumb.shape == b.thumb.shape:
            mad = float(np.abs(a.thumb.astype(np.int16) - b.thumb.astype(np.int16)).mean())
            cues["min_frame_difference"] = min(cues.get("min_frame_difference", 255.0), round(mad, 3))
            identical |= mad < IDENTICAL_MAD
            near_identical |= mad < NEAR_IDENTICAL_MAD
    faces = [f.landmarks for f in frames if f.landmarks is not None]
    cues["frames_with_face"] = float(len(faces))
    nonplanar = blink = 0.0
    if len(faces) >= 2:
        residual = max(
            planar_residual(p, q) / max(inter_ocular(q), 1.0) for i, p in enumerate(faces) for q in faces[i + 1 :]
        )
        cues["planar_residual"] = round(residual, 4)
        nonplanar = _ramp(residual, NONPLANAR_RAMP)
        ears = [eye_aspect_ratio(p) for p in faces]
        drop = (max(ears) - min(ears)) / max(max(ears), 1e-6)
        cues["eye_aspect_drop"] = round(drop, 4)
        blink = _ramp(drop, BLINK_RAMP)
    cues["nonplanar"], cues["blink"] = nonplanar, blink
    periodic = max((f.periodic for f in frames), default=0.0)
    cues["periodic_peak"] = round(periodic, 2)
    moire = _ramp(periodic, PERIODIC_RAMP)
    cues["moire"] = moire

    risk = 1.0 - LIVE_WEIGHT * max(nonplanar, blink)
    if len(faces) < 2:
        risk = 1.0  # one frame carries no motion evidence at all
    if identical:
        risk = 1.0
    elif near_identical:
        risk = max(risk, 0.95)
    risk = max(risk, moire)
    cues["identical"], cues["near_identical"] = float(identical), float(near_identical)
    return LivenessReport(risk=round(min(1.0, max(0.0, risk)), 3), cues=cues)
