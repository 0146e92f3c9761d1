"""The phone path: a photo of the licence's card face -> suggested registration fields.

Pure functions, no request objects.  The pipeline (docs/licence.md §OCR):

1. ``load_photo``: decode with Pillow, apply the EXIF orientation, RGB.
2. ``find_card``: Otsu threshold of a downscaled grey image (the card is lighter than the
   surface it lies on), small specks removed, then the rotation that minimises the mask's
   bounding box — the card's skew — searched over ±45° (1°, then 0.1° steps).
3. ``crop_card``: rotate the photo upright by that angle, crop to the card, landscape.
4. ``assess_quality``: size, light, glare, sharpness, card cut off -> retake advice.
5. ``normalise_for_ocr``: grey divided by its own background (a max filter, blurred), which
   flattens uneven light and the coloured validity band, scaled to a fixed width.
6. ``run_tesseract``: the ``tesseract`` CLI, ``-l jpn``, TSV output (words, boxes, confidences).
   Page segmentation 4 (one column of lines) first; 11 (sparse text) only for fields still
   missing or unsure.
7. ``extract_fields``: labels and patterns of the card face — 氏名 … 生 on the first line,
   住所, "YYYY年(令和NN年)MM月DD日まで有効", 第 NNNNNNNNNNNN 号 — each with a confidence
   = tesseract's word confidence × a validation factor (date plausible, era and Gregorian
   year agree, check digit, address starts with a prefecture).

Fields at or above ``min_confidence`` are suggestions; the rest are returned as uncertain
(shown to the user, never pre-filled).  A photo that fails the quality checks, or yields
fewer than ``MIN_FIELDS`` fields, is answered with what to retake.
"""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import shutil
import subprocess
import time
import unicodedata
import warnings
from dataclasses import asdict, dataclass, field

import numpy as np
from PIL import Image, ImageFilter, ImageOps, UnidentifiedImageError

from .jpdate import ERA_BY_INITIAL, check_digit_ok, era_to_date

FIELDS = ("name", "birth_date", "address", "licence_number", "expiry_date")
MIN_FIELDS = 3
CARD_ASPECT = 85.6 / 54.0
OCR_WIDTH = 1400
LABEL_COLUMN, LABEL_ROWS = 0.080, 0.30  # share of the card's width / height
MAX_BYTES = 15 * 1024 * 1024
MAX_PIXELS = 40_000_000

PREFECTURES = (
    "北海道", "青森県", "岩手県", "宮城県", "秋田県", "山形県", "福島県", "茨城県", "栃木県",
    "群馬県", "埼玉県", "千葉県", "東京都", "神奈川県", "新潟県", "富山県", "石川県", "福井県",
    "山梨県", "長野県", "岐阜県", "静岡県", "愛知県", "三重県", "滋賀県", "京都府", "大阪府",
    "兵庫県", "奈良県", "和歌山県", "鳥取県", "島根県", "岡山県", "広島県", "山口県", "徳島県",
    "香川県", "愛媛県", "高知県", "福岡県", "佐賀県", "長崎県", "熊本県", "大分県", "宮崎県",
    "鹿児島県", "沖縄県",
)

# What to tell the user, by problem code.  Japanese first (the PWA's language), English too.
ADVICE = {
    "not_an_image": ("画像を読み取れませんでした。JPEG か PNG の写真を送ってください。",
                     "The file is not a readable photo; send a JPEG or PNG."),
    "card_not_found": ("カードが見つかりません。暗い色の机の上にカードを置き、カード全体が写るように撮ってください。",
                       "No card found: lay the card on a darker surface and photograph all of it."),
    "card_cut_off": ("カードの端が切れています。カード全体が画面に収まるように少し離して撮ってください。",
                     "The card is cut off: step back so the whole card is in the frame."),
    "too_small": ("カードが小さすぎます。カードが画面いっぱいになるまで近づいて撮ってください。",
                  "The card is too small: move closer so it fills the frame."),
    "too_dark": ("暗すぎます。明るい場所で撮り直してください。",
                 "Too dark: retake in better light."),
    "glare": ("光が反射しています。照明が映り込まない角度で撮り直してください。",
              "Glare on the card: tilt the card or phone so the light does not reflect."),
    "blurry": ("ピントが合っていません。カードにピントを合わせ、手ぶれしないように撮り直してください。",
               "Out of focus: tap the card to focus and hold the phone still."),
    "not_flat": ("カードが斜めに写っています。真上から撮り直してください。",
                 "The card is photographed at an angle: shoot from straight above."),
    "unreadable": ("文字を十分に読み取れませんでした。真上から、明るい場所で、カード全体を撮り直してください。",
                   "Too little could be read: retake from straight above, in good light, with the whole card."),
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


@dataclass(frozen=True)
class Suggestion:
    value: str
    confidence: float
    note: str | None = None


@dataclass
class CardFaceResult:
    suggestions: dict[str, Suggestion] = field(default_factory=dict)
    uncertain: dict[str, Suggestion] = field(default_factory=dict)
    retake: list[Retake] = field(default_factory=list)
    quality: dict[str, float] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.retake

    @property
    def missing(self) -> list[str]:
        return [f for f in FIELDS if f not in self.suggestions and f not in self.uncertain]

    def to_dict(self) -> dict:
        return {"ok": self.ok,
                "suggestions": {k: asdict(v) for k, v in self.suggestions.items()},
                "uncertain": {k: asdict(v) for k, v in self.uncertain.items()},
                "missing": self.missing,
                "retake": [asdict(r) for r in self.retake],
                "quality": self.quality}


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
    angle: float                      # degrees, counter-clockwise rotation that levels the card
    box: tuple[int, int, int, int]    # in the rotated full-resolution photo
    touches_edge: bool
    coverage: float                   # share of the photo the card covers
    aspect: float


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
    return mask.filter(ImageFilter.MinFilter(5)).filter(ImageFilter.MaxFilter(5)) \
               .filter(ImageFilter.MaxFilter(9)).filter(ImageFilter.MinFilter(9))


def _bbox_area(mask: Image.Image, angle: float) -> float:
    box = mask.rotate(angle, expand=True).getbbox()
    return float("inf") if box is None else (box[2] - box[0]) * (box[3] - box[1])


def find_card(photo: Image.Image) -> CardRegion | None:
    small = photo.convert("L")
    scale = 480 / max(small.size)
    small = small.resize((max(int(small.width * scale), 1), max(int(small.height * scale), 1)),
                         Image.Resampling.BILINEAR)
    mask = _card_mask(small)
    coverage = float(np.asarray(mask).mean() / 255)
    if not 0.04 <= coverage <= 0.97:
        return None
    best = min(range(-45, 46), key=lambda a: _bbox_area(mask, a))
    fine = min((best + d / 10 for d in range(-10, 11)), key=lambda a: _bbox_area(mask, a))
    sbox = mask.getbbox()
    assert sbox is not None
    w, h = small.size
    touches = sbox[0] <= 1 or sbox[1] <= 1 or sbox[2] >= w - 1 or sbox[3] >= h - 1
    big_mask = mask.resize(photo.size, Image.Resampling.NEAREST).rotate(fine, expand=True)
    box = big_mask.getbbox()
    assert box is not None
    bw, bh = box[2] - box[0], box[3] - box[1]
    aspect = max(bw, bh) / max(min(bw, bh), 1)
    return CardRegion(fine, box, touches, coverage, aspect)


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
        "brightness": float(np.percentile(arr, 75)),   # the card's light background
        "contrast": float(p95 - p5),
        "glare": float((arr >= 252).mean()),
        "sharpness": float(np.abs(lap).mean() / max(p95 - p5, 1.0) * 100),
    }


def assess_quality(photo: Image.Image, card: Image.Image | None, region: CardRegion | None,
                   metrics: dict[str, float]) -> list[Retake]:
    if card is None or region is None:
        return [Retake.of("card_not_found")]
    problems = []
    if region.touches_edge:
        problems.append("card_cut_off")
    elif not 1.35 <= region.aspect <= 1.85:
        problems.append("not_flat")
    if card.width < 560:
        problems.append("too_small")
    if metrics["brightness"] < 45 or metrics["contrast"] < 25:
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


# --- 6. tesseract ---------------------------------------------------------------------------
@dataclass(frozen=True)
class Word:
    text: str
    conf: float
    left: int
    top: int
    width: int
    height: int


@dataclass
class Line:
    words: list[Word]

    @property
    def top(self) -> int:
        return min(w.top for w in self.words)

    @property
    def bottom(self) -> int:
        return max(w.top + w.height for w in self.words)

    @property
    def left(self) -> int:
        return min(w.left for w in self.words)


def tesseract_available() -> bool:
    return shutil.which("tesseract") is not None


def run_tesseract(img: Image.Image, *, psm: int = 4, lang: str = "jpn", whitelist: str | None = None,
                  timeout: float = 60) -> list[Line]:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    extra = ["-c", f"tessedit_char_whitelist={whitelist}"] if whitelist else []
    proc = subprocess.run(["tesseract", "stdin", "stdout", "-l", lang, "--psm", str(psm), *extra, "tsv"],
                          input=buf.getvalue(), capture_output=True, timeout=timeout, env=env, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed: {proc.stderr.decode(errors='replace')[-300:]}")
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for row in proc.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) != 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        lines.setdefault(key, []).append(Word(cols[11].strip(), max(float(cols[10]), 0.0),
                                              int(cols[6]), int(cols[7]), int(cols[8]), int(cols[9])))
    return sorted((Line(ws) for ws in lines.values()), key=lambda ln: (ln.top, ln.left))


def _with_text(word: Word, text: str, conf: float) -> Word:
    return Word(text, conf, word.left, word.top, word.width, word.height)


DIGIT_WORD = re.compile(r"\d")
REREAD_LINE = re.compile(r"有効|まで|第|号|生|\d{4}")


def reread_digits(img: Image.Image, lines: list[Line]) -> list[Line]:
    """The jpn model confuses 0 with 6/9 next to brackets and kanji; the eng model reads
    digits better.  Every word with a digit on a date or number line is cut out, the cut-outs
    are stacked into one image and read once with ``-l eng`` restricted to digits; the digits
    of each word are replaced by that reading when it has as many digits."""
    targets = [(li, wi, w) for li, line in enumerate(lines)
               if REREAD_LINE.search("".join(w.text for w in line.words))
               for wi, w in enumerate(line.words) if DIGIT_WORD.search(w.text)]
    if not targets:
        return lines
    crops = []
    for _, _, w in targets:
        pad = max(w.height // 4, 3)
        crop = img.crop((max(w.left - pad, 0), max(w.top - pad, 0),
                         min(w.left + w.width + pad, img.width), min(w.top + w.height + pad, img.height)))
        scale = 56 / max(crop.height, 1)
        crops.append(crop.resize((max(int(crop.width * scale), 1), 56), Image.Resampling.LANCZOS))
    gap = 40
    canvas = Image.new("L", (max(c.width for c in crops) + 2 * gap, len(crops) * (56 + gap) + gap), 255)
    for i, crop in enumerate(crops):
        canvas.paste(crop, (gap, gap + i * (56 + gap)))
    rows: dict[int, list[Word]] = {}
    for line in run_tesseract(canvas, psm=6, lang="eng", whitelist="0123456789()"):
        for w in line.words:
            row = (w.top + w.height // 2 - gap // 2) // (56 + gap)
            rows.setdefault(row, []).append(w)
    out = [Line(list(line.words)) for line in lines]
    for row, (li, wi, word) in enumerate(targets):
        found = sorted(rows.get(row, []), key=lambda w: w.left)
        digits = "".join(re.sub(r"\D", "", w.text) for w in found)
        old_digits = re.sub(r"\D", "", unicodedata.normalize("NFKC", word.text).translate(DIGIT_FIX))
        if digits and len(digits) == len(old_digits) and digits != old_digits:
            it = iter(digits)
            text = "".join(next(it) if c.isdigit() else c
                           for c in unicodedata.normalize("NFKC", word.text).translate(DIGIT_FIX))
            conf = float(np.mean([w.conf for w in found]))
            out[li].words[wi] = _with_text(word, text, conf)
    return out


# --- 7. extraction --------------------------------------------------------------------------
class _Text:
    """A line's text (NFKC, words joined by single spaces) with a confidence per character."""

    def __init__(self, line: Line) -> None:
        parts, confs = [], []
        for i, w in enumerate(line.words):
            t = unicodedata.normalize("NFKC", w.text)
            if i:
                parts.append(" ")
                confs.append(w.conf)
            parts.append(t)
            confs.extend([w.conf] * len(t))
        self.text = "".join(parts)
        self.confs = confs
        self.line = line

    def conf(self, start: int, end: int) -> float:
        span = self.confs[start:end] or [0.0]
        return float(np.mean(span)) / 100.0


ERA = r"(明治|大正|昭和|平成|令和|[明大昭平令][^\d\s年]?)"
N = r"([0-9OoIlｌ|]{1,2}|元)"
BIRTH_RE = re.compile(ERA + r"\s*" + N + r"\s*年\s*" + N + r"\s*月\s*" + N + r"\s*日\s*生?")
EXPIRY_RE = re.compile(r"(\d{4})\s*年(.{0,14}?)" + N + r"\s*月\s*" + N + r"\s*日\s*(まで|ま|有効)")
EXPIRY_ERA_RE = re.compile(ERA + r"\s*" + N + r"\s*年\s*" + N + r"\s*月\s*" + N + r"\s*日\s*(まで|有効)")
NUMBER_RE = re.compile(r"第\s*([0-9OoIlSB|\s]{12,20}?)\s*号")
DIGITS_RE = re.compile(r"(?<![0-9])([0-9][0-9 ]{10,16}[0-9])(?![0-9])")
DIGIT_FIX = str.maketrans({"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "ｌ": "1", "S": "5", "B": "8"})
NAME_LABELS = ("氏名", "氏 名", "名", "氏", "民名", "氏各")
ADDRESS_LABELS = ("住所", "住 所", "所", "住")


def _num(s: str) -> int:
    return 1 if s == "元" else int(s.translate(DIGIT_FIX))


def _era_name(token: str) -> str | None:
    return ERA_BY_INITIAL.get(token[0])


def _strip_label(text: str, labels: tuple[str, ...]) -> str:
    for label in labels:
        if text.startswith(label + " "):
            return text[len(label) + 1:]
    return text


def _cjk_only(text: str) -> bool:
    return bool(text) and all(unicodedata.name(c, "").startswith(("CJK", "HIRAGANA", "KATAKANA")) or c in "々ヶ〆ー"
                              for c in text)


def _birth(texts: list[_Text], today: dt.date) -> tuple[Suggestion, int] | None:
    for idx, t in enumerate(texts):
        for m in BIRTH_RE.finditer(t.text):
            era = _era_name(m.group(1))
            if era is None:
                continue
            try:
                value = era_to_date(era, _num(m.group(2)), _num(m.group(3)), _num(m.group(4)))
            except (ValueError, KeyError):
                continue
            age = (today - value).days / 365.25
            factor = 1.0 if 15 <= age <= 100 else 0.3
            if not m.group(0).endswith("生"):
                factor *= 0.8
            if len(m.group(1)) != 2 or m.group(1) != era:
                factor *= 0.85  # the era name itself was misread
            return Suggestion(value.isoformat(), round(t.conf(m.start(), m.end()) * factor, 3)), idx
    return None


def _expiry(texts: list[_Text], today: dt.date) -> Suggestion | None:
    for t in texts:
        m = EXPIRY_RE.search(t.text)
        if m:
            try:
                value = dt.date(int(m.group(1)), _num(m.group(3)), _num(m.group(4)))
            except ValueError:
                continue
            factor, note = 1.0, None
            em = re.search(ERA + r"\s*" + N + r"\s*年", m.group(2))
            if em and _era_name(em.group(1)):
                try:
                    era_year = era_to_date(_era_name(em.group(1)), _num(em.group(2)), 1, 1).year
                    if era_year != value.year:
                        factor, note = 0.5, "era_year_disagrees"
                except (ValueError, KeyError):
                    factor = 0.9
            else:
                factor = 0.9
            if not dt.date(2000, 1, 1) <= value <= today + dt.timedelta(days=365 * 11):
                factor *= 0.3
            return Suggestion(value.isoformat(), round(t.conf(m.start(), m.end()) * factor, 3), note)
    for t in texts:  # an older card: era only
        m = EXPIRY_ERA_RE.search(t.text)
        if m and _era_name(m.group(1)):
            try:
                value = era_to_date(_era_name(m.group(1)), _num(m.group(2)), _num(m.group(3)), _num(m.group(4)))
            except (ValueError, KeyError):
                continue
            return Suggestion(value.isoformat(), round(t.conf(m.start(), m.end()) * 0.9, 3))
    return None


def _number(texts: list[_Text]) -> Suggestion | None:
    candidates: list[Suggestion] = []
    for t in texts:
        for regex, factor in ((NUMBER_RE, 1.0), (DIGITS_RE, 0.85)):
            for m in regex.finditer(t.text):
                digits = re.sub(r"\s", "", m.group(1).translate(DIGIT_FIX))
                if len(digits) != 12 or not digits.isdigit():
                    continue
                ok = check_digit_ok(digits)
                conf = t.conf(m.start(1), m.end(1)) * factor * (1.0 if ok else 0.45)
                candidates.append(Suggestion(digits, round(conf, 3), None if ok else "check_digit_mismatch"))
    return max(candidates, key=lambda s: s.confidence, default=None)


def _name(texts: list[_Text], birth_line: int | None, width: int) -> Suggestion | None:
    lines = []
    if birth_line is not None:
        lines.append(birth_line)
    lines += [i for i, t in enumerate(texts) if t.text.startswith(("氏名", "氏 名")) and i not in lines]
    for i in lines:
        t = texts[i]
        cut = BIRTH_RE.search(t.text)
        head = t.text[: cut.start()] if cut else t.text
        head = _strip_label(head.strip(), NAME_LABELS).strip()
        value = head.replace(" ", "")
        if value in NAME_LABELS or not value:
            # sparse layout: the name is the next line at the same height band
            continue
        factor = 1.0 if _cjk_only(value) and 2 <= len(value) <= 12 else 0.4
        start = t.text.find(head[:1]) if head else 0
        return Suggestion(value, round(t.conf(start, start + len(head)) * factor, 3))
    # geometric fallback: the top line's words right of the label column
    for t in texts[:3]:
        words = [w for w in t.line.words if w.left > width * 0.07]
        value = "".join(unicodedata.normalize("NFKC", w.text) for w in words)
        value = BIRTH_RE.split(value)[0] if BIRTH_RE.search(value) else value
        if _cjk_only(value) and 2 <= len(value) <= 12:
            conf = float(np.mean([w.conf for w in words])) / 100 * 0.8
            return Suggestion(value, round(conf, 3), "position_only")
    return None


def _address(texts: list[_Text], height: int) -> Suggestion | None:
    for t in texts:
        if t.line.top > height * 0.35 or "公安" in t.text or "委員会" in t.text:
            continue
        text = t.text.strip()
        stripped = _strip_label(text, ADDRESS_LABELS)
        pref = next((p for p in PREFECTURES if stripped.replace(" ", "").startswith(p)), None)
        labelled = stripped != text
        if not labelled and pref is None:
            continue
        value = stripped.replace(" ", "")
        if len(value) < 6:
            continue
        factor = (1.0 if pref else 0.6) * (1.0 if labelled else 0.85)
        start = len(text) - len(stripped)
        return Suggestion(value, round(t.conf(start, len(text)) * factor, 3))
    return None


def extract_fields(lines: list[Line], *, width: int, height: int,
                   today: dt.date | None = None) -> dict[str, Suggestion]:
    today = today or dt.date.today()
    texts = [_Text(line) for line in lines]
    out: dict[str, Suggestion] = {}
    birth = _birth(texts, today)
    if birth:
        out["birth_date"] = birth[0]
    name = _name(texts, birth[1] if birth else None, width)
    if name:
        out["name"] = name
    for key, found in (("address", _address(texts, height)), ("licence_number", _number(texts)),
                       ("expiry_date", _expiry(texts, today))):
        if found:
            out[key] = found
    return out


def _merge(a: dict[str, Suggestion], b: dict[str, Suggestion]) -> dict[str, Suggestion]:
    out = dict(a)
    for k, v in b.items():
        if k not in out or v.confidence > out[k].confidence:
            out[k] = v
    return out


def _read(prepared: Image.Image, psm: int, today: dt.date | None) -> dict[str, Suggestion]:
    lines = reread_digits(prepared, run_tesseract(prepared, psm=psm))
    return extract_fields(lines, width=prepared.width, height=prepared.height, today=today)


def read_card_face(raw: bytes, *, today: dt.date | None = None, min_confidence: float = 0.6) -> CardFaceResult:
    """The whole phone path for one photo."""
    result = CardFaceResult()
    t0 = time.perf_counter()
    try:
        photo = load_photo(raw)
    except PhotoError as exc:
        result.retake.append(Retake.of(exc.code))
        return result
    region = find_card(photo)
    card = crop_card(photo, region) if region else None
    result.timings["locate"] = time.perf_counter() - t0
    metrics = measure(card) if card is not None else {}
    if region:
        metrics.update(angle=round(region.angle, 2), coverage=round(region.coverage, 3),
                       card_width=float(card.width) if card else 0.0)
    result.quality = {k: round(v, 3) for k, v in metrics.items()}
    problems = assess_quality(photo, card, region, metrics)
    if problems:
        result.retake = problems
        return result
    assert card is not None
    t1 = time.perf_counter()
    prepared = normalise_for_ocr(card)
    found = _read(prepared, 4, today)
    if sum(1 for s in found.values() if s.confidence >= min_confidence) < len(FIELDS):
        found = _merge(found, _read(prepared, 11, today))
    if sum(1 for s in found.values() if s.confidence >= min_confidence) < 2:
        # upside down?  one more try the other way round
        again = _read(prepared.rotate(180), 4, today)
        if len(again) > len(found):
            found = again
    result.timings["ocr"] = time.perf_counter() - t1
    for key, s in found.items():
        (result.suggestions if s.confidence >= min_confidence else result.uncertain)[key] = s
    if len(result.suggestions) < MIN_FIELDS:
        result.retake.append(Retake.of("unreadable"))
    return result
