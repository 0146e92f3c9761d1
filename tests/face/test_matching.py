"""The vectorised 1:N decision: same answers as a brute-force loop, one candidate per technician."""

from __future__ import annotations

import numpy as np
import pytest

from api.face import KnownFaces, decide
from api.face.matching import vector_from_bytes, vector_to_bytes


def _brute(vectors, ids, probe, threshold, margin):
    best: dict = {}
    for row, (v, i) in enumerate(zip(vectors, ids)):
        d = float(np.linalg.norm(v.astype(np.float64) - probe))
        if i not in best or d < best[i][0]:
            best[i] = (d, row)
    ranked = sorted(best.values())
    if not ranked:
        return "not_recognised", None
    if ranked[0][0] > threshold:
        return "not_recognised", None
    if len(ranked) > 1 and ranked[1][0] - ranked[0][0] < margin:
        return "ambiguous", None
    return "accepted", ranked[0][1]


def test_vectorised_decision_equals_brute_force(enrolled):
    # Real embeddings plus perturbed copies of them, so many rows sit near each other and near the probe.
    rng = np.random.default_rng(3)
    base = np.stack([np.frombuffer(e.vector, "<f4") for e in enrolled.values()])
    rows = np.concatenate([base, base[rng.integers(0, len(base), 400)] + rng.normal(0, 0.03, (400, 128))])
    rows = rows.astype(np.float32)
    for owners in (len(rows), 60):  # one row per technician; several rows per technician
        ids = [f"T{i % owners}" for i in range(len(rows))]
        known = KnownFaces(rows, ids)
        for probe in rows[rng.integers(0, len(rows), 40)] + rng.normal(0, 0.05, (40, 128)).astype(np.float32):
            for threshold, margin in ((0.5, 0.06), (0.4, 0.0), (0.6, 0.15)):
                got = decide(known, probe, threshold=threshold, margin=margin)
                status, row = _brute(rows, ids, probe.astype(np.float64), threshold, margin)
                assert got.status == status
                if status == "accepted":
                    assert ids[got.index] == ids[row]


def test_parameters_and_bytes_are_checked():
    known = KnownFaces(np.zeros((1, 128), np.float32), ["T1"])
    with pytest.raises(ValueError):
        decide(known, np.zeros(128), threshold=0)
    with pytest.raises(ValueError):
        decide(known, np.zeros(128), margin=-0.1)
    with pytest.raises(ValueError):
        KnownFaces(np.zeros((2, 128), np.float32), ["T1"])
    with pytest.raises(ValueError):
        vector_from_bytes(b"\x00" * 511)
    v = np.linspace(-0.2, 0.2, 128, dtype=np.float32)
    assert np.array_equal(vector_from_bytes(vector_to_bytes(v)), v)
    assert decide(known, np.zeros(128)).status == "accepted"  # a lone technician needs no margin
