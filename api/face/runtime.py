"""The face engine as a service resource: one `FaceRuntime` per process (the API's lifespan, the arq worker).

It starts its `FacePool` on first use rather than at start-up: loading dlib's models takes seconds and ≈130 MB per
worker, which an API process (or a test) that never sees a face should not pay. It also holds the per-site cache of
`KnownFaces`, rebuilt only when the set of embeddings a site may match changes (see service.known_faces).
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict

from api.face.matching import KnownFaces
from api.face.pool import FacePool, default_workers
from api.settings import Settings


class FaceRuntime:
    def __init__(self, settings: Settings, *, pool: FacePool | None = None, cache_sites: int = 256):
        self.settings = settings
        self._pool = pool
        self._owns_pool = pool is None
        self._starting: asyncio.Lock | None = None
        self._known: OrderedDict[int, KnownFaces] = OrderedDict()
        self._cache_sites = cache_sites

    async def pool(self) -> FacePool:
        """The started pool, its workers ready (the first caller waits for the models to load)."""
        if self._pool is not None and self._pool.model_version is not None:
            return self._pool
        if self._starting is None:
            self._starting = asyncio.Lock()
        async with self._starting:
            if self._pool is None:
                workers = self.settings.face_workers or default_workers()
                self._pool = FacePool(workers, max_pending=self.settings.face_max_pending or None)
            if self._pool.model_version is None:
                self._pool.start()
                await self._pool.ready()
        return self._pool

    @property
    def model_version(self) -> str | None:
        """The engine's model version once the pool has started (None before: nothing is loaded just to ask)."""
        return self._pool.model_version if self._pool is not None else None

    def cached(self, site_pk: int, key: str) -> KnownFaces | None:
        known = self._known.get(site_pk)
        if known is None or known.key != key:
            return None
        self._known.move_to_end(site_pk)
        return known

    def remember(self, site_pk: int, known: KnownFaces) -> None:
        self._known[site_pk] = known
        self._known.move_to_end(site_pk)
        while len(self._known) > self._cache_sites:
            self._known.popitem(last=False)

    async def close(self) -> None:
        self._known.clear()
        if self._owns_pool and self._pool is not None:
            await self._pool.close()
            self._pool = None
