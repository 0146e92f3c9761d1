"""The PWA's files are sent compressed as the build made them (file.br / file.gz beside each text file)."""

from __future__ import annotations

import gzip

import httpx
from asgi_lifespan import LifespanManager

from api.app import create_app
from api.settings import Settings


async def test_the_smallest_accepted_encoding_is_sent(tmp_path):
    dist = tmp_path / "dist"
    (dist / "assets").mkdir(parents=True)
    js = b"console.log('OpenCCUS');" * 50
    (dist / "assets" / "index-abc.js").write_bytes(js)
    (dist / "assets" / "index-abc.js.gz").write_bytes(gzip.compress(js))
    (dist / "assets" / "index-abc.js.br").write_bytes(b"brotli-bytes")
    (dist / "index.html").write_text("<!doctype html><title>OpenCCUS</title>")
    settings = Settings(
        DATABASE_URL=None,
        REDIS_URL=None,
        OPENCCUS_VAR_DIR=tmp_path / "var",
        OPENCCUS_RUN_SCHEDULE=False,
        OPENCCUS_PWA_DIST=dist,
    )
    app = create_app(settings)
    async with (
        LifespanManager(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c,
    ):
        r = await c.get("/assets/index-abc.js", headers={"Accept-Encoding": "gzip, deflate, br"})
        assert r.headers["content-encoding"] == "br" and r.headers["vary"] == "Accept-Encoding"
        assert r.headers["content-type"].startswith("text/javascript")
        assert "immutable" in r.headers["cache-control"]
        r = await c.get("/assets/index-abc.js", headers={"Accept-Encoding": "gzip"})
        assert r.headers["content-encoding"] == "gzip" and r.content == js  # httpx decodes gzip
        r = await c.get("/assets/index-abc.js", headers={"Accept-Encoding": "identity"})
        assert "content-encoding" not in r.headers and r.content == js
        # The app shell for a deep link: no compressed copy here, so as it is, never cached.
        r = await c.get("/me/work", headers={"Accept-Encoding": "br"})
        assert r.status_code == 200 and r.headers["cache-control"] == "no-cache" and "OpenCCUS" in r.text
