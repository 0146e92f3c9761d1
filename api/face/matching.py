"""One-to-many matching of a probe embedding against a site's known faces: vectorised, threshold plus margin.

This runs in the API process, not in the workers: for a 2,000-face roster the whole search is one (N,128)·(128,)
product (tens of microseconds, see bench/face_checkin.py), while shipping the same roster to a worker process costs
about a megabyte of pickling per call. So the workers return the probe vector and the roster never leaves this process.

The decision follows the practice collected in shared/reference/peers.md §5: nearest distance (never a vote over all
matches, which favours people with more enrolled photos), accepted only when it is within the threshold *and* clear of
the nearest *other* technician by a margin. A technician may have several embeddings (registration photo plus extras);
they count as one candidate, so a person's own second photo never makes their check-in ambiguous.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np

DIM = 128
VECTOR_BYTES = DIM * 4  # float32

Status = Literal["accepted", "not_recognised", "ambiguous"]


def vector_from_bytes(data: bytes) -> np.ndarray:
    """A stored embedding (128 little-endian float32) as an array, refusing anything else."""
    if len(data) != VECTOR_BYTES:
        raise ValueError(f"an embedding is {VECTOR_BYTES} bytes of float32, got {len(data)} bytes")
    vec = np.frombuffer(data, dtype="<f4")
    if not np.all(np.isfinite(vec)):
        raise ValueError("the embedding holds non-finite values")
    return vec


def distance(a: bytes, b: bytes) -> float:
    """Euclidean distance between two stored embeddings (as bytes)."""
    return float(np.linalg.norm(vector_from_bytes(a) - vector_from_bytes(b)))


def vector_to_bytes(vector: np.ndarray | Sequence[float]) -> bytes:
    vec = np.asarray(vector, dtype="<f4").reshape(-1)
    if vec.shape != (DIM,) or not np.all(np.isfinite(vec)):
        raise ValueError(f"an embedding is {DIM} finite numbers")
    return vec.tobytes()


class KnownFaces:
    """The embeddings a check-in is compared with: an (N,128) float32 array and N parallel ids.

    Several rows may share an id (a technician's registration photo and extra photos). `key` names the roster version
    (e.g. "site 12 / roster rev 345 / model v") so callers can cache one instance per site and rebuild it only when the
    roster or an enrolment changes. Build it once; every check-in then only does arithmetic on it.
    """

    __slots__ = ("_order", "_owner", "_owner_ids", "_sq", "_starts", "ids", "key", "model_version", "vectors")

    def __init__(
        self,
        vectors: np.ndarray | Sequence[Sequence[float]],
        ids: Sequence[Hashable],
        *,
        model_version: str | None = None,
        key: str | None = None,
    ):
        vecs = np.ascontiguousarray(np.asarray(vectors, dtype=np.float32).reshape(-1, DIM))
        ids = tuple(ids)
        if len(ids) != len(vecs):
            raise ValueError(f"{len(vecs)} embeddings but {len(ids)} ids")
        if not np.all(np.isfinite(vecs)):
            raise ValueError("the embeddings hold non-finite values")
        vecs.setflags(write=False)
        self.vectors = vecs
        self.ids = ids
        self.model_version = model_version
        self.key = key
        # |v|² once, so a search is a single matrix-vector product: |v-q|² = |v|² + |q|² - 2 v·q.
        self._sq = np.einsum("ij,ij->i", vecs, vecs)
        owner_of: dict[Hashable, int] = {}
        owner = np.fromiter((owner_of.setdefault(i, len(owner_of)) for i in ids), dtype=np.int64, count=len(ids))
        self._owner = owner
        self._owner_ids = tuple(owner_of)
        if len(owner_of) == len(ids):  # one embedding per technician: no grouping needed
            self._order = self._starts = None
        else:  # rows sorted by owner, so a per-technician minimum is one np.minimum.reduceat
            self._order = np.argsort(owner, kind="stable")
            self._starts = np.flatnonzero(np.r_[True, np.diff(owner[self._order]) != 0])

    @classmethod
    def from_rows(
        cls, rows: Iterable[tuple[Hashable, bytes]], *, model_version: str | None = None, key: str | None = None
    ) -> KnownFaces:
        """From (id, 512-byte float32 embedding) pairs, as stored (after opening the seal, see sealing.py)."""
        ids: list[Hashable] = []
        chunks: list[np.ndarray] = []
        for ident, data in rows:
            ids.append(ident)
            chunks.append(vector_from_bytes(data))
        vecs = np.stack(chunks) if chunks else np.zeros((0, DIM), np.float32)
        return cls(vecs, ids, model_version=model_version, key=key)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def people(self) -> int:
        return len(self._owner_ids)

    def distances(self, probe: np.ndarray) -> np.ndarray:
        """Euclidean distance from the probe to every row (float32, clipped at 0 against rounding)."""
        q = np.asarray(probe, dtype=np.float32).reshape(DIM)
        d2 = self._sq + np.float32(q @ q) - 2.0 * (self.vectors @ q)
        return np.sqrt(np.maximum(d2, 0.0, out=d2), out=d2)


@dataclass(frozen=True)
class Decision:
    status: Status
    index: int | None  # row of KnownFaces (known.ids[index] is the technician) when accepted
    distance: float | None  # nearest distance, whatever the status (None only for an empty roster)
    second_distance: float | None  # nearest distance of another technician (None if there is no other)
    candidates: tuple[int, ...] = ()  # rows of the two nearest technicians when ambiguous, for a review screen


def decide(known: KnownFaces, probe: np.ndarray, *, threshold: float = 0.5, margin: float = 0.06) -> Decision:
    if not 0.0 < threshold <= 1.0:
        raise ValueError("threshold must be in (0, 1]")
    if not 0.0 <= margin < 1.0:
        raise ValueError("margin must be in [0, 1)")
    if len(known) == 0:
        return Decision("not_recognised", None, None, None)
    d = known.distances(probe)
    if known._order is None:
        per_owner, row_of_owner = d, None
    else:
        sorted_d = d[known._order]
        per_owner = np.minimum.reduceat(sorted_d, known._starts)
        row_of_owner = known._order
    if len(per_owner) == 1:
        best_owner, second_owner = 0, None
    else:
        two = np.argpartition(per_owner, 1)[:2]
        best_owner, second_owner = two if per_owner[two[0]] <= per_owner[two[1]] else two[::-1]

    def row(owner: int) -> int:
        if row_of_owner is None:
            return int(owner)
        # the row holding this owner's minimum
        start = known._starts[owner]
        end = known._starts[owner + 1] if owner + 1 < len(known._starts) else len(sorted_d)
        return int(row_of_owner[start + int(np.argmin(sorted_d[start:end]))])

    best = float(per_owner[best_owner])
    second = None if second_owner is None else float(per_owner[second_owner])
    if best > threshold:
        return Decision("not_recognised", None, best, second)
    if second is not None and second - best < margin:
        return Decision("ambiguous", None, best, second, (row(best_owner), row(second_owner)))
    return Decision("accepted", row(best_owner), best, second)
