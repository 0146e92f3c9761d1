"""Draws the app icons into public/icons/ (committed; rerun only to change them): a hard hat over "CCUS".

    /work/main/.venv/bin/python pwa/scripts/make_icons.py
"""

from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

OUT = Path(__file__).resolve().parent.parent / "public" / "icons"
BLUE, YELLOW, WHITE = (11, 79, 138), (255, 196, 0), (255, 255, 255)


def draw(size: int, *, maskable: bool) -> Image.Image:
    img = Image.new("RGB", (size, size), BLUE)
    d = ImageDraw.Draw(img)
    s = size / 512
    # Maskable icons keep their content inside the central 80 % safe zone.
    k = 0.72 if maskable else 1.0
    cx, cy = size / 2, size / 2

    def box(x0, y0, x1, y1):
        return [cx + (x0 - 256) * s * k, cy + (y0 - 256) * s * k, cx + (x1 - 256) * s * k, cy + (y1 - 256) * s * k]

    d.pieslice(box(136, 110, 376, 350), 180, 360, fill=YELLOW)  # the dome
    d.rounded_rectangle(box(104, 222, 408, 252), radius=int(12 * s * k), fill=YELLOW)  # the brim
    d.rectangle(box(244, 110, 268, 230), fill=BLUE)  # the ridge
    font = ImageFont.load_default(size=int(104 * s * k))
    d.text((cx, cy + 95 * s * k), "CCUS", fill=WHITE, font=font, anchor="mm")
    return img


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    draw(192, maskable=False).save(OUT / "icon-192.png", optimize=True)
    draw(512, maskable=False).save(OUT / "icon-512.png", optimize=True)
    draw(512, maskable=True).save(OUT / "maskable-512.png", optimize=True)
    draw(180, maskable=False).save(OUT / "apple-touch-icon.png", optimize=True)
    draw(64, maskable=False).save(OUT / "favicon-64.png", optimize=True)


if __name__ == "__main__":
    main()
