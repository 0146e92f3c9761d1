"""An app with changed settings (trusted proxies, lower limits), on the test's back end and emptied like `app`."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager

from api.app import create_app
from tests.conftest import _empty_postgres, _flush_redis


@pytest.fixture
def app_with(settings):
    @contextlib.asynccontextmanager
    async def make(
        *, base_url: str = "http://test", client=("127.0.0.1", 123), **overrides
    ) -> AsyncIterator[httpx.AsyncClient]:
        application = create_app(settings.model_copy(update=overrides))
        async with LifespanManager(application):
            if not settings.embedded:
                await _empty_postgres()
                await _flush_redis(settings.redis_url)
            transport = httpx.ASGITransport(app=application, client=client)
            async with httpx.AsyncClient(transport=transport, base_url=base_url) as c:
                yield c

    return make
