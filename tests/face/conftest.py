"""Fixtures for the face engine: real photos fetched at set-up, one real process pool with the real dlib models.

No database is involved (the repository's DB fixtures are not used here) and nothing of face_recognition is mocked.
If the photos cannot be fetched, every test that needs them fails with the reason (never a silent skip).
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import numpy as np
import pytest

from api.face import Enrolment, FacePool, KnownFaces
from tests.face import frames
from tests.face.photos import PhotoFetchError, fetch


@pytest.fixture(scope="session")
def photos() -> dict[str, Path]:
    try:
        return fetch()
    except PhotoFetchError as exc:
        reason = str(exc)
    pytest.fail(reason, pytrace=False)


@pytest.fixture(scope="session")
async def face_pool():
    pool = FacePool(2)
    pool.start()
    await pool.ready()
    yield pool
    await pool.close()


@pytest.fixture(scope="session")
async def enrolled(face_pool: FacePool, photos: dict[str, Path]) -> dict[str, Enrolment]:
    """Registration-photo embeddings of four different real people.

    The astronaut's face is 87 px in the original, under the 100 px enrolment minimum, so her head is cropped and
    enlarged 2× (cropped first: enlarged, the mission patch on her suit is found as a second face).
    """
    astronaut = frames.scaled(frames.upright(photos["astronaut.png"]).crop((100, 0, 350, 260)), 2.0)
    sources = {
        "obama": photos["obama.jpg"].read_bytes(),
        "obama2": photos["obama2.jpg"].read_bytes(),
        "obama3": photos["obama3.jpg"].read_bytes(),
        "biden": photos["biden.jpg"].read_bytes(),
        "astronaut": frames.jpeg(astronaut, 92),
    }
    done = await asyncio.gather(*(face_pool.enrol(data) for data in sources.values()))
    return dict(zip(sources, done))


def roster(enrolled: dict[str, Enrolment], entries: dict[str, list[str]]) -> KnownFaces:
    """KnownFaces with technician id -> enrolled photo names (several photos may belong to one technician)."""
    ids, vecs = [], []
    for tech, names in entries.items():
        for name in names:
            ids.append(tech)
            vecs.append(np.frombuffer(enrolled[name].vector, dtype="<f4"))
    version = next(iter(enrolled.values())).model_version
    matrix = np.stack(vecs) if vecs else np.zeros((0, 128), np.float32)
    return KnownFaces(matrix, ids, model_version=version, key="test")


# ------------------------------------------------------------------------------------ the API with the face engine


@pytest.fixture
def settings(settings):
    """The API tests here upload real photos, so the upload-time face check is on (it is off for drawn photos)."""
    return settings.model_copy(update={"face_check_uploads": True})


@pytest.fixture
def app_face_pool(face_pool):
    """The app shares the session's pool instead of spawning its own per test (≈3 s each)."""
    return face_pool
