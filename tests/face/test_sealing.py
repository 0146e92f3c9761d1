"""Embeddings and evidence images at rest: sealed with the service's Vault, opened only to match."""

from __future__ import annotations

import os

import numpy as np
import pytest

from api.crypto import Vault
from api.face import KnownFaces, decide
from api.face.sealing import known_faces_from_sealed, open_evidence, open_vector, seal_evidence, seal_vector


def test_embedding_round_trip_and_tamper(enrolled):
    vault = Vault(os.urandom(32))
    vector = enrolled["obama"].vector
    token = seal_vector(vault, vector)
    assert vector not in token and np.frombuffer(vector, "<f4").tobytes()[:16] not in token
    assert open_vector(vault, token).tobytes() == vector
    with pytest.raises(ValueError, match="decrypted"):
        open_vector(Vault(os.urandom(32)), token)  # another key
    tampered = token[:-5] + bytes([token[-5] ^ 1]) + token[-4:]
    with pytest.raises(ValueError):
        open_vector(vault, tampered)


def test_only_real_embeddings_are_sealed():
    vault = Vault(os.urandom(32))
    with pytest.raises(ValueError):
        seal_vector(vault, b"\x00" * 100)
    with pytest.raises(ValueError):
        seal_vector(vault, np.full(128, np.nan, np.float32))
    with pytest.raises(ValueError):
        seal_evidence(vault, b"PNG not a jpeg")


def test_roster_from_sealed_rows_decides_like_the_plain_one(enrolled):
    vault = Vault(os.urandom(32))
    names = ["obama", "biden", "astronaut"]
    rows = [(f"T-{n}", seal_vector(vault, enrolled[n].vector)) for n in names]
    version = enrolled["obama"].model_version
    sealed = known_faces_from_sealed(vault, rows, model_version=version, key="site-1/rev-1")
    plain = KnownFaces(np.stack([np.frombuffer(enrolled[n].vector, "<f4") for n in names]), [f"T-{n}" for n in names])
    probe = np.frombuffer(enrolled["obama2"].vector, "<f4")
    assert decide(sealed, probe) == decide(plain, probe)
    assert sealed.model_version == version and sealed.key == "site-1/rev-1"


async def test_evidence_round_trip(face_pool, photos, enrolled):
    from tests.face.conftest import roster

    site = roster(enrolled, {"T-obama": ["obama"]})
    result = await face_pool.check_in([photos["obama2.jpg"].read_bytes()], site)
    vault = Vault(os.urandom(32))
    token = seal_evidence(vault, result.evidence_jpeg)
    assert b"JFIF" not in token
    assert open_evidence(vault, token) == result.evidence_jpeg
