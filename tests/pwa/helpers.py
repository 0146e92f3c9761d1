"""Helpers for the browser tests: photos made with Pillow, logging in, waiting for a view, screenshots."""

from __future__ import annotations

import io
from pathlib import Path

PASSWORD = "openccus-demo-2026"
PHONE = {"width": 390, "height": 844}
TABLET = {"width": 1024, "height": 768}
DESKTOP = {"width": 1280, "height": 900}
WAIT_MS = 10_000  # every wait in these tests is bounded
AXE = Path(__file__).resolve().parents[2] / "pwa" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def jpeg(width: int = 480, height: int = 600, colour=(210, 180, 150), label: str = "") -> bytes:
    """A small drawn photo, as a phone camera would hand it to the file input."""
    from PIL import Image, ImageDraw

    img = Image.new("RGB", (width, height), (225, 232, 240))
    d = ImageDraw.Draw(img)
    d.ellipse((width * 0.3, height * 0.15, width * 0.7, height * 0.5), fill=colour)
    d.rectangle((width * 0.2, height * 0.6, width * 0.8, height), fill=(60, 90, 140))
    if label:
        d.text((10, 10), label, fill=(0, 0, 0))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=85)
    return buf.getvalue()


def image_file(name: str, **kw) -> dict:
    return {"name": name, "mimeType": "image/jpeg", "buffer": jpeg(**kw)}


def login(page, who: str, *, next_path: str | None = None) -> None:
    page.goto("/login" + (f"?next={next_path}" if next_path else ""))
    page.fill("#f-login", who)
    page.fill("#f-password", PASSWORD)
    page.click("main form button[type=submit]")
    page.wait_for_function("() => !location.pathname.startsWith('/login')")
    wait_view(page)


def goto(page, path: str) -> None:
    """Open a path and wait until the view has rendered (its heading) and its images have loaded."""
    page.goto(path)
    wait_view(page)
    wait_images(page)


def wait_view(page) -> None:
    """The view has loaded: its heading is there and the main region is no longer busy."""
    page.wait_for_function(
        "() => document.querySelector('main')?.getAttribute('aria-busy') === 'false' && !!document.querySelector('main h1')"
    )


def wait_images(page) -> None:
    page.wait_for_function(
        """() => [...document.querySelectorAll('img[data-auth-src]')]
             .every(i => i.classList.contains('missing') || (i.complete && i.naturalWidth > 0))"""
    )


def shot(page, artifacts: Path, name: str) -> Path:
    vp = page.viewport_size
    path = artifacts / f"{name}-{vp['width']}x{vp['height']}.png"
    page.evaluate("window.scrollTo(0, 0)")  # sticky parts (review images, decision bar) then sit where a reader sees them
    page.screenshot(path=str(path), full_page=True)
    return path


def axe_serious(page) -> list[dict]:
    """axe-core's serious and critical violations on the page as it is now (WCAG 2.1 A/AA + best practice)."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: an injected <script> would be refused by the app's CSP.
        page.evaluate(AXE.read_text())
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}, resultTypes: ['violations']})",
        AXE_TAGS,
    )
    return [
        {"id": v["id"], "impact": v["impact"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def flash(page, text: str) -> str:
    """Wait for the flash message that contains `text` and return its whole text."""
    loc = page.locator("[data-testid=flash]", has_text=text)
    loc.wait_for()
    return loc.inner_text()
