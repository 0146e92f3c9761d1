"""The liveness risk score on real frames: what it separates, and what it cannot.

What it can tell: frames that are one still picture (identical, or the same picture recompressed), a flat picture
moved in front of the camera (its landmarks move by one homography), and a screen or print pattern (moiré). What it
cannot: a replayed *video* of the person, a 3-D mask, or a photo bent while it moves show real non-planar motion and
score low; a live person who holds perfectly still scores high. So it is a risk signal for a site policy (accept,
review, or card tap as well), never proof of liveness.
"""

from __future__ import annotations

import numpy as np
import pytest

from api.face.liveness import FrameCues, assess, planar_residual
from tests.face import frames


@pytest.fixture(scope="module")
async def boxes(face_pool, photos):
    return {
        n: (await face_pool.enrol(photos[n].read_bytes())).face_box for n in ("obama.jpg", "obama2.jpg", "obama3.jpg")
    }


def _frame(photos, boxes, name, **kw) -> bytes:
    return frames.kiosk_frame(frames.upright(photos[name]), boxes[name], **kw)


async def test_identical_frames_score_highest(face_pool, photos, boxes):
    f = _frame(photos, boxes, "obama.jpg")
    report = (await face_pool.analyse([f, f, f])).liveness
    assert report.risk == 1.0 and report.cues["identical"] == 1.0


async def test_a_recompressed_copy_is_near_identical(face_pool, photos, boxes):
    f = _frame(photos, boxes, "obama.jpg")
    report = (await face_pool.analyse([f, frames.recompressed(f, 60)])).liveness
    assert report.risk >= 0.95 and report.cues["near_identical"] == 1.0


async def test_single_frame_carries_no_motion_evidence(face_pool, photos, boxes):
    assert (await face_pool.analyse([_frame(photos, boxes, "obama.jpg")])).liveness.risk == 1.0


async def test_a_flat_picture_moved_in_front_of_the_camera_stays_high(face_pool, photos, boxes):
    # Shifted, rotated and scaled copies of one photo: exactly what a held-up print looks like. The landmarks move by
    # one homography (residual at the detector's noise floor), so the risk stays near 1.
    base = _frame(photos, boxes, "obama.jpg")
    moved = [
        _frame(photos, boxes, "obama.jpg", dx=9, dy=-5, angle=4),
        _frame(photos, boxes, "obama.jpg", dx=-14, dy=6, angle=-3, face_px=185, quality=70),
    ]
    analysis = await face_pool.analyse([base, *moved])
    assert analysis.liveness.cues["identical"] == 0.0
    assert analysis.liveness.cues["planar_residual"] < 0.025
    assert analysis.liveness.risk >= 0.9


async def test_real_three_dimensional_motion_scores_low(face_pool, photos, boxes):
    # Two different real photos of one man: head pose and expression change, the landmarks do not fit one homography.
    for pair in (("obama.jpg", "obama2.jpg"), ("obama.jpg", "obama3.jpg"), ("obama2.jpg", "obama3.jpg")):
        analysis = await face_pool.analyse([_frame(photos, boxes, n) for n in pair])
        assert analysis.liveness.cues["planar_residual"] > 0.08, pair
        assert analysis.liveness.risk <= 0.2, (pair, analysis.liveness)


async def test_a_screen_pattern_raises_the_risk_despite_motion(face_pool, photos, boxes):
    pair = [frames.with_grating(_frame(photos, boxes, n)) for n in ("obama.jpg", "obama2.jpg")]
    clean = await face_pool.analyse([_frame(photos, boxes, n) for n in ("obama.jpg", "obama2.jpg")])
    moire = await face_pool.analyse(pair)
    assert clean.liveness.cues["periodic_peak"] < 32 < 70 < moire.liveness.cues["periodic_peak"]
    assert moire.liveness.risk >= 0.9 > clean.liveness.risk


def test_planar_residual_is_zero_for_a_homography_and_not_for_depth():
    rng = np.random.default_rng(7)
    flat = rng.uniform(0, 200, size=(68, 2))
    h = np.array([[0.95, 0.08, 12.0], [-0.05, 1.02, -7.0], [2e-4, -1e-4, 1.0]])
    mapped = np.c_[flat, np.ones(68)] @ h.T
    assert planar_residual(flat, mapped[:, :2] / mapped[:, 2:]) < 1e-6
    # Points at different depths seen from a camera that moved sideways: no homography explains it.
    depth = rng.uniform(1.0, 1.6, size=68)
    moved = flat + np.c_[40.0 / depth, np.zeros(68)]
    assert planar_residual(flat, moved) > 1.0


def test_report_without_any_face_is_maximal():
    thumb = np.zeros((120, 160), np.uint8)
    other = thumb.copy()
    other[::2] = 200
    assert assess([FrameCues(None, thumb, 0.0), FrameCues(None, other, 0.0)]).risk == 1.0
