"""`FacePool`: the face engine in worker processes, behind async methods the API (or an arq worker) awaits.

dlib is never run on the event loop and never in threads (face_recognition#1409: segfaults in threads); each worker
process loads the models once. The app's lifespan owns the pool: `start()` at startup, `await close()` at shutdown.

The roster search runs here, in the calling process (see matching.py): a worker returns the probe vector, so a
2,000-face roster is never pickled to a worker.
"""

from __future__ import annotations

import asyncio
import contextlib
import multiprocessing
import os
from collections.abc import Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from functools import partial
from typing import Any, Literal

from api.face import engine, errors
from api.face.engine import EngineConfig, Enrolment, FrameAnalysis
from api.face.errors import FaceError
from api.face.matching import KnownFaces, decide, distance, vector_from_bytes


@dataclass(frozen=True)
class CheckInResult:
    status: Literal["accepted", "not_recognised", "ambiguous"]
    index: int | None  # row of the KnownFaces that matched (accepted only)
    distance: float | None  # nearest distance (also when refused, for the record and for tuning)
    second_distance: float | None  # nearest other technician
    liveness_risk: float  # 0 (live-looking) .. 1 (replay-looking); a risk signal, not proof (liveness.py)
    evidence_jpeg: bytes | None  # the encoded frame, only when accepted: refused faces are not kept
    model_version: str
    ident: Hashable | None = None  # known.ids[index] when accepted
    candidates: tuple[Hashable, ...] = ()  # the two nearest technicians' ids when ambiguous
    liveness_cues: dict[str, float] = field(default_factory=dict)
    face_px: int = 0
    frame_index: int = 0
    timings_ms: dict[str, float] = field(default_factory=dict)


class FacePool:
    def __init__(
        self,
        workers: int = 1,
        *,
        config: EngineConfig | None = None,
        start_method: str | None = None,
        max_pending: int | None = None,
    ):
        if workers < 1:
            raise ValueError("a face pool needs at least one worker")
        self.workers = workers
        self.config = config or EngineConfig()
        # Never "fork": the API process has an event loop and threads that a forked child would inherit half-way.
        # spawn (the default) and forkserver both start clean interpreters; measured here, two spawned workers were
        # ready in ≈3 s, forkserver (which first starts its server) in ≈4.5 s.
        self.start_method = start_method or "spawn"
        if self.start_method not in ("spawn", "forkserver"):
            raise ValueError("the face pool starts its workers with spawn or forkserver, never fork")
        self.max_pending = max_pending if max_pending is not None else workers * 8
        self._executor: ProcessPoolExecutor | None = None
        self._warming: list[Any] = []
        self._pending = 0
        self.model_version: str | None = None

    # ------------------------------------------------------------------------------------------------ lifecycle

    def start(self) -> None:
        """Create the worker processes and let them load the models; returns at once (see `ready()`)."""
        if self._executor is not None:
            return
        context = multiprocessing.get_context(self.start_method)
        with _single_threaded_numpy():
            self._executor = ProcessPoolExecutor(
                max_workers=self.workers,
                mp_context=context,
                initializer=engine.init_worker,
                initargs=(self.config.worker_nice,),
            )
            # With spawn/forkserver the executor starts a process per submission until it has `workers` of them
            # (here, synchronously, inside the environment above); one warm-up task each gets them all loading their
            # models now, in parallel, instead of on the first check-ins.
            self._warming = [self._executor.submit(engine.warm, self.config) for _ in range(self.workers)]

    async def ready(self) -> str:
        """Wait until the workers have loaded the models; returns the model version."""
        if self._executor is None:
            raise RuntimeError("FacePool.start() was not called")
        try:
            results = await asyncio.gather(*(asyncio.wrap_future(f) for f in self._warming))
        except BrokenProcessPool as exc:  # the initializer failed: the worker's stderr says why
            raise RuntimeError("the face engine's worker processes could not start (is dlib installed?)") from exc
        self.model_version = results[0][1]
        return self.model_version

    async def close(self) -> None:
        executor, self._executor = self._executor, None
        if executor is not None:
            # shutdown(wait=True) blocks until the workers exit; wait for it off the event loop.
            await asyncio.get_running_loop().run_in_executor(
                None, partial(executor.shutdown, wait=True, cancel_futures=True)
            )

    def worker_pids(self) -> list[int]:
        executor = self._executor
        return sorted((getattr(executor, "_processes", None) or {}).keys()) if executor else []

    async def _run(self, fn, *args):
        executor = self._executor
        if executor is None:
            raise RuntimeError("FacePool.start() was not called")
        if self._pending >= self.max_pending:
            raise FaceError(errors.BUSY, "the face engine is busy: try again in a moment")
        self._pending += 1
        try:
            return await asyncio.get_running_loop().run_in_executor(executor, fn, *args)
        except BrokenProcessPool:
            # A worker died (dlib crash, out of memory, killed). Replace the whole executor once, whichever call
            # notices first; the caller may retry.
            if self._executor is executor:
                executor.shutdown(wait=False, cancel_futures=True)
                self._executor = None
                self.start()
            raise FaceError(
                errors.ENGINE_UNAVAILABLE, "the face engine restarted during this request: try again"
            ) from None
        finally:
            self._pending -= 1

    # ------------------------------------------------------------------------------------------------ tasks

    async def enrol(self, photo: bytes) -> Enrolment:
        """The embedding of one registration or extra photo; FaceError when it is not usable."""
        result: Enrolment = await self._run(engine.enrol_photo, photo, self.config)
        self.model_version = result.model_version
        return result

    async def enrol_set(self, photos: Sequence[bytes], *, threshold: float = 0.5) -> list[Enrolment]:
        """The registration photo first, then extras; an extra that is not the same person is refused.

        Without this check an extra photo of someone else would let that person check in as the technician.
        """
        if not photos:
            raise FaceError(errors.NO_FACE, "no photo was given")
        results = list(await asyncio.gather(*(self.enrol(p) for p in photos)))
        for n, extra in enumerate(results[1:], start=2):
            if distance(extra.vector, results[0].vector) > threshold:
                raise FaceError(
                    errors.DIFFERENT_PERSON, f"photo {n} does not show the same person as the registration photo"
                )
        return results

    async def analyse(self, frames: Sequence[bytes]) -> FrameAnalysis:
        if not 1 <= len(frames) <= self.config.max_frames:  # refuse before paying for the trip to a worker
            raise FaceError(
                errors.TOO_MANY_FRAMES, f"send between 1 and {self.config.max_frames} frames, not {len(frames)}"
            )
        result: FrameAnalysis = await self._run(engine.analyse_frames, list(frames), self.config)
        self.model_version = result.model_version
        return result

    async def check_in(
        self, frames: Sequence[bytes], known: KnownFaces, *, threshold: float = 0.5, margin: float = 0.06
    ) -> CheckInResult:
        """Identify the one face in 1–3 kiosk frames among `known`; accepted only within threshold and margin."""
        analysis = await self.analyse(frames)
        if known.model_version is not None and known.model_version != analysis.model_version:
            # Vectors of two models are not comparable at all: this is a deployment error, not a refusal.
            raise ValueError(
                f"the roster was enrolled with {known.model_version}, the engine is "
                f"{analysis.model_version}: re-enrol (recompute the embeddings) first"
            )
        d = decide(known, vector_from_bytes(analysis.vector), threshold=threshold, margin=margin)
        accepted = d.status == "accepted"
        return CheckInResult(
            status=d.status,
            index=d.index,
            distance=d.distance,
            second_distance=d.second_distance,
            liveness_risk=analysis.liveness.risk,
            evidence_jpeg=analysis.evidence_jpeg if accepted else None,
            model_version=analysis.model_version,
            ident=known.ids[d.index] if accepted else None,
            candidates=tuple(known.ids[i] for i in d.candidates),
            liveness_cues=dict(analysis.liveness.cues),
            face_px=analysis.face_px,
            frame_index=analysis.frame_index,
            timings_ms=dict(analysis.timings_ms),
        )


@contextlib.contextmanager
def _single_threaded_numpy():
    """Start workers with one BLAS thread each.

    numpy's OpenBLAS otherwise starts a thread per core in every worker, and after each small matrix call (the
    liveness homography fit) those threads spin, taking the core from dlib: measured, a 3-frame check-in's liveness
    step went from ≈30 ms to ≈220 ms and the encoding after it from ≈105 to ≈160 ms. The variables are read when a
    worker imports numpy, so they are set only while the workers are being started and restored afterwards.
    """
    names = ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS")
    saved = {n: os.environ.get(n) for n in names}
    os.environ.update(dict.fromkeys(names, "1"))
    try:
        yield
    finally:
        for n, v in saved.items():
            if v is None:
                os.environ.pop(n, None)
            else:
                os.environ[n] = v


def default_workers() -> int:
    """One worker per core the process may use, leaving one for the event loop on larger machines."""
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    return max(1, cores - 1 if cores > 2 else cores)
