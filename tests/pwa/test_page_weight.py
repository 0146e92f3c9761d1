"""Page weight (issue 19.8): every view is its own chunk and the files are sent compressed, so a technician's first
load — the login page, logging in, their own page — transfers under 100 KB, counted by Chromium itself (the bytes on
the wire of every response the page loaded). Before the split one 338 KB bundle held every role's pages."""

from __future__ import annotations

import re

from tests.pwa.helpers import PHONE, login

LIMIT = 100 * 1024


def test_a_technicians_first_load_is_small(open_context):
    ctx = open_context(PHONE)
    page = ctx.new_page()
    cdp = ctx.new_cdp_session(page)
    cdp.send("Network.enable")
    sizes: dict[str, int] = {}
    urls: dict[str, str] = {}
    cdp.on("Network.responseReceived", lambda e: urls.__setitem__(e["requestId"], e["response"]["url"]))
    cdp.on("Network.loadingFinished", lambda e: sizes.__setitem__(e["requestId"], int(e["encodedDataLength"])))
    login(page, "tech05")  # opens /login, logs in, shows the technician's own page
    page.wait_for_load_state("networkidle")
    total = sum(sizes.values())
    loaded = sorted(urls.values())
    assert total < LIMIT, f"first load transferred {total} bytes: {loaded}"
    # Only the technician's chunks came: none of the firm portal's or the operator console's.
    scripts = [u.rsplit("/", 1)[1] for u in loaded if u.endswith(".js")]
    # "sites-Dj0A7N3_.js" -> "sites"; the 8-character hash may itself hold a "-" ("technician-C-1zZNBX.js")
    chunks = {re.sub(r"-[A-Za-z0-9_-]{8}\.js$", "", s) for s in scripts}
    assert "technician" in chunks and not chunks & {"sites", "review", "kpi", "payments", "keishin", "batches", "firm"}, (
        scripts)
    # Japanese is the default: the English texts (their own chunk, pwa/scripts/english-apart.ts) never came.
    assert not [s for s in scripts if "messages-en" in s], scripts
    # Compressed on the wire: the shell's script is sent as the build compressed it.
    entry = next(u for u in loaded if "/assets/index-" in u and u.endswith(".js"))
    r = page.request.get(entry, headers={"Accept-Encoding": "gzip"})
    assert r.headers.get("content-encoding") == "gzip"
