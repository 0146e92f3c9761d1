"""Photo handling for the card-face path: decode, find and level the card, judge the photo,
prepare it for OCR.  Pillow + numpy only; see ocr.py for the pipeline."""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageOps, UnidentifiedImageError

CARD_ASPECT = 85.6 / 54.0
OCR_WIDTH = 1400
LABEL_COLUMN, LABEL_ROWS = 0.080, 0.30  # share of the card's width / height
MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000

# What to tell the user, by problem code.  Japanese first (the PWA's language), English too.
ADVICE = {
    "not_an_image": (
        "画像を読み取れませんでした。JPEG か PNG の写真を送ってください。",
        "The file is not a readable photo; send a JPEG or PNG.",
    ),
    "card_not_found": (
        "カードが見つかりません。暗い色の机の上にカードを置き、カード全体が写るように撮ってください。",
        "No card found: lay the card on a darker surface and photograph all of it.",
    ),
    "card_cut_off": (
        "カードの端が切れています。カード全体が画面に収まるように少し離して撮ってください。",
        "The card is cut off: step back so the whole card is in the frame.",
    ),
    "too_small": (
        "カードが小さすぎます。カードが画面いっぱいになるまで近づいて撮ってください。",
        "The card is too small: move closer so it fills the frame.",
    ),
    "too_dark": ("暗すぎます。明るい場所で撮り直してください。", "Too dark: retake in better light."),
    "glare": (
        "光が反射しています。照明が映り込まない角度で撮り直してください。",
        "Glare on the card: tilt the card or phone so the light does not reflect.",
    ),
    "blurry": (
        "ピントが合っていません。カードにピントを合わせ、手ぶれしないように撮り直してください。",
        "Out of focus: tap the card to focus and hold the phone still.",
    ),
    "not_flat": (
        "カードが斜めに写っています。真上から撮り直してください。",
        "The card is photographed at an angle: shoot from straight above.",
    ),
    "unreadable": (
        "文字を十分に読み取れませんでした。真上から、明るい場所で、カード全体を撮り直してください。",
        "Too little could be read: retake from straight above, in good light, with the whole card.",
    ),
}


class PhotoError(ValueError):
    def __init__(self, code: str) -> None:
        super().__init__(ADVICE[code][1])
        self.code = code


@dataclass(frozen=True)
class Retake:
    code: str
    message: str
    message_en: str

    @classmethod
    def of(cls, code: str) -> Retake:
        ja, en = ADVICE[code]
        return cls(code, ja, en)


# --- 1. loading ---------------------------------------------------------------------------
def load_photo(raw: bytes) -> Image.Image:
    if not raw or len(raw) > MAX_BYTES:
        raise PhotoError("not_an_image")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            img = Image.open(io.BytesIO(raw))
            if img.width * img.height > MAX_PIXELS:
                raise PhotoError("not_an_image")
            img.load()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError) as exc:
        if isinstance(exc, PhotoError):
            raise
        raise PhotoError("not_an_image") from exc
    return ImageOps.exif_transpose(img).convert("RGB")


# --- 2./3. finding, deskewing and cropping the card -----------------------------------------
@dataclass(frozen=True)
class CardRegion:
    angle: float  # degrees, counter-clockwise rotation that levels the card
    box: tuple[int, int, int, int]  # in the rotated full-resolution photo
    touches_edge: bool
    coverage: float  # share of the photo the card covers
    aspect: float
    fill: float  # share of the levelled bounding box the card fills


def otsu(gray: np.ndarray) -> int:
    hist = np.bincount(gray.ravel(), minlength=256).astype(float)
    total = hist.sum()
    levels = np.arange(256)
    w0 = np.cumsum(hist)
    m0 = np.cumsum(hist * levels)
    w1 = total - w0
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (m0[-1] * w0 / total - m0) ** 2 / (w0 * w1) * total
    between[~np.isfinite(between)] = 0
    return int(np.argmax(between))


def _card_mask(gray: Image.Image) -> Image.Image:
    arr = np.asarray(gray)
    t = otsu(arr)
    mask = Image.fromarray(((arr > t) * 255).astype(np.uint8))
    # opening then closing: drop bright specks of the surface, fill the card's dark text
    mask = (
        mask.filter(ImageFilter.MinFilter(5))
        .filter(ImageFilter.MaxFilter(5))
        .filter(ImageFilter.MaxFilter(9))
        .filter(ImageFilter.MinFilter(9))
    )
    # fill holes (the dark part of the portrait): whatever dark area the border cannot reach
    framed = Image.new("L", (mask.width + 2, mask.height + 2), 0)
    framed.paste(mask, (1, 1))
    ImageDraw.floodfill(framed, (0, 0), 128)
    filled = np.asarray(framed)[1:-1, 1:-1] != 128
    return Image.fromarray((filled * 255).astype(np.uint8))


def _bbox_area(mask: Image.Image, angle: float) -> float:
    box = mask.rotate(angle, expand=True).getbbox()
    return float("inf") if box is None else (box[2] - box[0]) * (box[3] - box[1])


def find_card(photo: Image.Image) -> CardRegion | None:
    small = photo.convert("L")
    scale = 480 / max(small.size)
    small = small.resize(
        (max(int(small.width * scale), 1), max(int(small.height * scale), 1)), Image.Resampling.BILINEAR
    )
    mask = _card_mask(small)
    coverage = float(np.asarray(mask).mean() / 255)
    if not 0.04 <= coverage <= 0.97:
        return None
    # ties (a level card at ±0.x°) go to the smaller rotation
    best = min(range(-45, 46), key=lambda a: (_bbox_area(mask, a), abs(a)))
    fine = min((best + d / 10 for d in range(-10, 11)), key=lambda a: (_bbox_area(mask, a), abs(a)))
    # A card is a filled rectangle; a textured surface split by the threshold is not.
    fill = float(np.asarray(mask).astype(bool).sum()) / max(_bbox_area(mask, fine), 1.0)
    if fill < 0.85:
        return None
    sbox = mask.getbbox()
    assert sbox is not None
    w, h = small.size
    touches = sbox[0] <= 1 or sbox[1] <= 1 or sbox[2] >= w - 1 or sbox[3] >= h - 1
    big_mask = mask.resize(photo.size, Image.Resampling.NEAREST).rotate(fine, expand=True)
    box = big_mask.getbbox()
    assert box is not None
    bw, bh = box[2] - box[0], box[3] - box[1]
    aspect = max(bw, bh) / max(min(bw, bh), 1)
    return CardRegion(fine, box, touches, coverage, aspect, fill)


def crop_card(photo: Image.Image, region: CardRegion) -> Image.Image:
    rotated = photo.rotate(region.angle, resample=Image.Resampling.BICUBIC, expand=True)
    x0, y0, x1, y1 = region.box
    mx, my = int((x1 - x0) * 0.012), int((y1 - y0) * 0.012)  # drop the card's edge and shadow
    card = rotated.crop((x0 + mx, y0 + my, x1 - mx, y1 - my))
    if card.height > card.width:
        card = card.rotate(90, expand=True)
    return card


# --- 4. quality -----------------------------------------------------------------------------
LAPLACE = ImageFilter.Kernel((3, 3), [0, 1, 0, 1, -4, 1, 0, 1, 0], scale=1, offset=128)


def measure(card: Image.Image) -> dict[str, float]:
    gray = card.convert("L")
    small = gray.resize((600, max(int(600 * gray.height / gray.width), 1)), Image.Resampling.BILINEAR)
    arr = np.asarray(small, dtype=float)
    lap = np.asarray(small.filter(LAPLACE), dtype=float) - 128
    p5, p95 = np.percentile(arr, [5, 95])
    return {
        "brightness": float(np.percentile(arr, 75)),  # the card's light background
        "contrast": float(p95 - p5),
        "glare": float((arr >= 252).mean()),
        "sharpness": float(np.abs(lap).mean() / max(p95 - p5, 1.0) * 100),
    }


def assess_quality(
    photo: Image.Image, card: Image.Image | None, region: CardRegion | None, metrics: dict[str, float]
) -> list[Retake]:
    if card is None or region is None:
        return [Retake.of("card_not_found")]
    problems = []
    if region.touches_edge:
        problems.append("card_cut_off")
    elif not 1.35 <= region.aspect <= 1.85:
        problems.append("not_flat")
    if card.width < 560:
        problems.append("too_small")
    if metrics["brightness"] < 45 or (metrics["contrast"] < 25 and metrics["brightness"] < 120):
        problems.append("too_dark")
    if metrics["glare"] > 0.12:
        problems.append("glare")
    if metrics["sharpness"] < 2.2:
        problems.append("blurry")
    return [Retake.of(p) for p in problems]


# --- 5. OCR preprocessing -------------------------------------------------------------------
def normalise_for_ocr(card: Image.Image, width: int = OCR_WIDTH) -> Image.Image:
    gray = card.convert("L")
    gray = gray.resize((width, int(width * gray.height / gray.width)), Image.Resampling.LANCZOS)
    gray = gray.filter(ImageFilter.MedianFilter(3))  # sensor noise of dim photos
    background = gray.filter(ImageFilter.MaxFilter(15)).filter(ImageFilter.GaussianBlur(12))
    a = np.asarray(gray, dtype=float)
    b = np.asarray(background, dtype=float) + 1.0
    flat = np.clip(a / b * 255.0, 0, 255)
    lo, hi = np.percentile(flat, [1, 60])  # stretch so that the darkest text is black
    stretched = np.clip((flat - lo) / max(hi - lo, 1.0) * 255.0, 0, 255)
    # The labels 氏名 / 住所 / 交付 sit in a narrow column left of the entries (the card face
    # layout is fixed by the NPA); blanking it keeps them out of the name and the address.
    h, w = stretched.shape
    stretched[: int(h * LABEL_ROWS), : int(w * LABEL_COLUMN)] = 255
    return Image.fromarray(stretched.astype(np.uint8))


def find_band(card: Image.Image) -> tuple[int, int, int, int] | None:
    """The coloured validity band (gold 優良 / green 新規 / blue 一般): the widest strip of
    saturated rows in the left 70 % of the card."""
    a = np.asarray(card.convert("RGB"), dtype=float)
    mx, mn = a.max(axis=2), a.min(axis=2)
    sat = (mx - mn) / (mx + 1.0) > 0.25
    w = sat.shape[1]
    rows = np.where(sat[:, : int(w * 0.7)].mean(axis=1) > 0.6)[0]
    if len(rows) < 5:
        return None
    y0, y1 = int(rows.min()), int(rows.max())
    if y1 - y0 > card.height * 0.2:
        return None
    cols = np.where(sat[y0 : y1 + 1].mean(axis=0) > 0.6)[0]
    cols = cols[cols < w * 0.75]
    if len(cols) < 10:
        return None
    return int(cols.min()), y0, int(cols.max()) + 1, y1 + 1


def band_image(card: Image.Image) -> Image.Image | None:
    """The validity band alone, ready for a one-line OCR: its brightest channel (the band is
    bright there whatever its colour, the text dark), flattened like the card."""
    box = find_band(card)
    if box is None:
        return None
    band = card.crop(box)
    a = np.asarray(band.convert("RGB"), dtype=float).max(axis=2)
    gray = Image.fromarray(a.astype(np.uint8)).filter(ImageFilter.MedianFilter(3))
    bg = np.asarray(gray.filter(ImageFilter.MaxFilter(15)).filter(ImageFilter.GaussianBlur(12)), dtype=float)
    flat = np.clip(np.asarray(gray, dtype=float) / (bg + 1.0) * 255.0, 0, 255)
    lo, hi = np.percentile(flat, [1, 60])
    flat = np.clip((flat - lo) / max(hi - lo, 1.0) * 255.0, 0, 255).astype(np.uint8)
    canvas = Image.new("L", (band.width + 40, band.height + 40), 255)
    canvas.paste(Image.fromarray(flat), (20, 20))
    return canvas
