"""Rendered driver's-licence card faces and "phone photos" of them, for the OCR path's tests
and bench/licence_ocr.py.  Test-only: fictional people, the layout of the real card face
approximated from public sample images (no real card, no real person).

``render_card(person)`` draws the card front with the IPA fonts (gothic for the labels, mincho
for the entries, as on the real card).  ``photograph(card, condition, seed)`` puts it on a
table the way a phone sees it: ``clean`` (level, good light), ``skewed`` (rotated 4-12°,
off-centre), ``low_light`` (dark, noisy, slightly soft, JPEG-compressed).  ``bad_photo``
makes photos the quality check must refuse.
"""

from __future__ import annotations

import datetime as dt
import io
import random
from dataclasses import dataclass
from functools import lru_cache

from PIL import Image, ImageDraw, ImageEnhance, ImageFilter, ImageFont

GOTHIC = "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf"
MINCHO = "/usr/share/fonts/opentype/ipafont-mincho/ipam.ttf"
CARD_W, CARD_H = 1100, 694  # 85.6 × 54 mm
CONDITIONS = ("clean", "skewed", "low_light")

_ERAS = ((dt.date(2019, 5, 1), "令和"), (dt.date(1989, 1, 8), "平成"), (dt.date(1926, 12, 25), "昭和"))
_WEIGHTS = (5, 4, 3, 2, 7, 6, 5, 4, 3, 2)


def era_text(d: dt.date, *, pad: bool = True) -> str:
    """``昭和60年05月01日`` (``元年`` for year 1), as printed on the card."""
    for first, name in _ERAS:
        if d >= first:
            year = d.year - first.year + 1
            y = "元" if year == 1 else (f"{year:02d}" if pad else str(year))
            m, dd = (f"{d.month:02d}", f"{d.day:02d}") if pad else (f"{d.month:2d}", f"{d.day:2d}")
            return f"{name}{y}年{m}月{dd}日"
    raise ValueError(d)


def _number(commission: str, year2: str, serial: str, reissue: int = 0) -> str:
    first10 = commission + year2 + serial
    cd = (11 - sum(int(c) * w for c, w in zip(first10, _WEIGHTS, strict=True)) % 11) % 10
    return f"{first10}{cd}{reissue}"


def lawful_expiry(birth: dt.date, year: int) -> dt.date:
    """One month after the birthday in ``year`` (道路交通法 §92-2), written independently of
    api.licence.jpdate so that the OCR's use of the rule is checked, not assumed."""
    nxt = dt.date(year + (birth.month == 12), birth.month % 12 + 1, 1)
    try:
        return nxt.replace(day=birth.day) - dt.timedelta(days=1)
    except ValueError:  # no such day next month: the last day of it
        return (nxt.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)


@dataclass(frozen=True)
class Person:
    name: str  # family + U+3000 + given, as printed
    birth: dt.date
    address: str
    issued: dt.date
    reference: str
    expires: dt.date
    number: str
    commission: str
    colour: str  # 優良 / 一般 / 新規
    conditions: str
    categories: tuple[str, ...]

    def truth(self) -> dict[str, str]:
        """The expected OCR result (the extractor normalises spaces away from names and
        addresses and returns ISO dates)."""
        return {
            "name": self.name.replace("\u3000", ""),
            "birth_date": self.birth.isoformat(),
            "address": self.address,
            "licence_number": self.number,
            "expiry_date": self.expires.isoformat(),
        }


FAMILY = (
    "佐藤",
    "鈴木",
    "高橋",
    "田中",
    "伊藤",
    "渡辺",
    "山本",
    "中村",
    "小林",
    "加藤",
    "吉田",
    "山田",
    "松本",
    "井上",
    "木村",
    "清水",
    "山口",
    "森",
    "池田",
    "橋本",
)
GIVEN = (
    "太郎",
    "花子",
    "健一",
    "美咲",
    "大輔",
    "陽子",
    "翔太",
    "由美",
    "誠",
    "直樹",
    "恵子",
    "拓也",
    "真一",
    "裕子",
    "和也",
    "明美",
    "浩二",
    "智子",
    "修",
    "久美子",
)
PLACES = (  # (address, commission name, commission code); public-office addresses
    ("東京都千代田区霞が関二丁目１番２号", "東京都公安委員会", "30"),
    ("大阪府大阪市北区中之島一丁目３番２０号", "大阪府公安委員会", "62"),
    ("愛知県名古屋市中区三の丸三丁目１番２号", "愛知県公安委員会", "54"),
    ("福岡県福岡市中央区天神一丁目８番１号", "福岡県公安委員会", "91"),
    ("北海道札幌市中央区北一条西二丁目１番地", "北海道公安委員会", "10"),
    ("神奈川県横浜市中区日本大通１番地", "神奈川県公安委員会", "45"),
    ("宮城県仙台市青葉区本町三丁目８番１号", "宮城県公安委員会", "22"),
    ("広島県広島市中区基町１０番５２号", "広島県公安委員会", "73"),
    ("京都府京都市上京区下立売通新町西入薮ノ内町", "京都府公安委員会", "61"),
    ("埼玉県さいたま市浦和区高砂三丁目１５番１号", "埼玉県公安委員会", "43"),
)
CATEGORY_SETS = (
    ("普通",),
    ("中型", "普通", "原付"),
    ("大型", "中型", "普通", "大特", "小特", "原付"),
    ("準中型", "普通", "普自二", "原付"),
    ("普通", "大自二", "普自二", "小特", "原付"),
)


def people(n: int, seed: int = 7) -> list[Person]:
    rnd = random.Random(seed)
    out = []
    for i in range(n):
        address, commission, code = PLACES[i % len(PLACES)]
        birth = dt.date(1955, 1, 1) + dt.timedelta(days=rnd.randrange(0, 48 * 365))
        issued = dt.date(2020, 1, 1) + dt.timedelta(days=rnd.randrange(0, 5 * 365))
        years = rnd.choice((3, 5))
        # Valid until one month after the birthday in the renewal year.
        expires = lawful_expiry(birth, issued.year + years)
        year2 = f"{(birth.year + 18 + rnd.randrange(0, 10)) % 100:02d}"
        out.append(
            Person(
                name=f"{rnd.choice(FAMILY)}\u3000{rnd.choice(GIVEN)}",
                birth=birth,
                address=address,
                issued=issued,
                reference=f"{rnd.randrange(10000, 99999)}",
                expires=expires,
                number=_number(code, year2, f"{rnd.randrange(0, 10**6):06d}", rnd.choice((0, 0, 1))),
                commission=commission,
                colour=rnd.choice(("優良", "一般", "新規")),
                conditions=rnd.choice(("眼鏡等", "", "眼鏡等", "")),
                categories=CATEGORY_SETS[i % len(CATEGORY_SETS)],
            )
        )
    return out


@lru_cache(maxsize=64)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


def _fit(draw: ImageDraw.ImageDraw, text: str, path: str, size: int, width: int) -> ImageFont.FreeTypeFont:
    while size > 12 and draw.textlength(text, font=_font(path, size)) > width:
        size -= 1
    return _font(path, size)


BAND = {"優良": (214, 178, 84), "一般": (120, 160, 210), "新規": (120, 190, 140)}


def render_card(p: Person) -> Image.Image:
    img = Image.new("RGB", (CARD_W, CARD_H), (246, 247, 240))
    d = ImageDraw.Draw(img)
    # faint guilloche background, as on the real card
    for y in range(0, CARD_H, 9):
        d.line([(0, y), (CARD_W, y + 30)], fill=(236, 240, 232), width=1)
    label = lambda xy, t, s=24: d.text(xy, t, font=_font(GOTHIC, s), fill=(60, 60, 60))  # noqa: E731
    ink = (20, 20, 20)
    label((28, 40), "氏名")
    d.text((100, 28), p.name, font=_font(MINCHO, 44), fill=ink)
    d.text((560, 38), era_text(p.birth, pad=False) + "生", font=_font(MINCHO, 32), fill=ink)
    label((28, 112), "住所")
    d.text((100, 104), p.address, font=_fit(d, p.address, MINCHO, 36, 960), fill=ink)
    label((28, 172), "交付")
    d.text((100, 166), f"{era_text(p.issued)} {p.reference}", font=_font(MINCHO, 30), fill=ink)
    d.rectangle((20, 222, 770, 284), fill=BAND[p.colour])
    era_year, rest = era_text(p.expires).split("年", 1)
    d.text((36, 232), f"{p.expires.year}年({era_year}年){rest}まで有効", font=_font(GOTHIC, 36), fill=ink)
    d.rectangle((20, 298, 770, 360), outline=(150, 150, 150))
    label((28, 304), "免許の", 20)
    label((28, 330), "条件等", 20)
    d.text((110, 310), p.conditions, font=_font(MINCHO, 32), fill=ink)
    d.text((30, 384), p.colour, font=_font(GOTHIC, 36), fill=ink)
    label((150, 392), "番号", 26)
    d.text((220, 378), f"第 {p.number} 号", font=_font(GOTHIC, 44), fill=ink)
    for i, (group, since) in enumerate(
        (
            ("二・小・原", p.issued.replace(year=p.issued.year - 12)),
            ("他", p.issued.replace(year=p.issued.year - 10)),
            ("二種", None),
        )
    ):
        y = 452 + i * 34
        label((30, y), group, 20)
        d.text((150, y - 2), era_text(since) if since else "", font=_font(MINCHO, 22), fill=ink)
    names = (
        "大型",
        "中型",
        "準中型",
        "普通",
        "大特",
        "大自二",
        "普自二",
        "小特",
        "原付",
        "け引",
        "大二",
        "中二",
        "普二",
        "大特二",
        "け引二",
    )
    d.rectangle((20, 560, 770, 660), outline=(150, 150, 150))
    for i, name in enumerate(names):
        x, y = 28 + (i % 8) * 92, 570 + (i // 8) * 44
        d.text((x, y), name if name in p.categories else "－", font=_font(GOTHIC, 22), fill=ink)
    d.text((440, 450), "運転免許証", font=_font(MINCHO, 40), fill=(40, 40, 40))
    # photo
    d.rectangle((800, 222, 1070, 560), fill=(150, 175, 200))
    d.ellipse((870, 270, 1000, 420), fill=(225, 190, 165))
    d.rectangle((860, 420, 1010, 560), fill=(60, 70, 90))
    d.text((790, 600), p.commission, font=_fit(d, p.commission, MINCHO, 30, 240), fill=ink)
    d.rectangle((1036, 596, 1076, 636), outline=(200, 40, 40), width=3)
    # rounded corners (transparent -> background shows through when pasted)
    mask = Image.new("L", img.size, 0)
    ImageDraw.Draw(mask).rounded_rectangle((0, 0, CARD_W - 1, CARD_H - 1), radius=34, fill=255)
    img.putalpha(mask)
    return img


def _table(size: tuple[int, int], rnd: random.Random, tone: int) -> Image.Image:
    w, h = size
    base = Image.new("RGB", (w // 8, h // 8), (tone, tone - 14, tone - 30))
    px = base.load()
    for y in range(base.height):
        for x in range(base.width):
            n = rnd.randint(-10, 10) + (y % 7) * 2  # wood-ish grain
            px[x, y] = (max(tone + n, 0), max(tone - 14 + n, 0), max(tone - 30 + n, 0))
    return base.resize(size, Image.Resampling.BICUBIC)


def _noise(img: Image.Image, sigma: float, seed: int) -> Image.Image:
    noise = Image.effect_noise(img.size, sigma).convert("RGB")
    random.Random(seed)  # effect_noise has its own RNG; kept for symmetry
    return Image.blend(img, noise, 0.12)


def photograph(card: Image.Image, condition: str, seed: int = 0, *, size=(1600, 1200)) -> Image.Image:
    """A phone-like photo of the card under ``condition`` (one of CONDITIONS)."""
    rnd = random.Random(f"{condition}-{seed}")
    photo = _table(size, rnd, tone=rnd.randint(95, 125))
    scale = rnd.uniform(0.80, 0.88) if condition != "skewed" else rnd.uniform(0.72, 0.80)
    c = card.resize(
        (int(CARD_W * scale * size[0] / 1600), int(CARD_H * scale * size[0] / 1600)), Image.Resampling.LANCZOS
    )
    if condition == "skewed":
        c = c.rotate(rnd.choice((-1, 1)) * rnd.uniform(4, 12), resample=Image.Resampling.BICUBIC, expand=True)
    dx = rnd.randint(-60, 60) if condition == "skewed" else rnd.randint(-15, 15)
    dy = rnd.randint(-40, 40) if condition == "skewed" else rnd.randint(-10, 10)
    x, y = (size[0] - c.width) // 2 + dx, (size[1] - c.height) // 2 + dy
    shadow = Image.new("L", c.size, 0)
    shadow.paste(c.getchannel("A").point(lambda a: 90 if a else 0))
    photo.paste((20, 20, 20), (x + 8, y + 10), shadow.filter(ImageFilter.GaussianBlur(6)))
    photo.paste(c, (x, y), c)
    if condition == "low_light":
        photo = ImageEnhance.Brightness(photo).enhance(rnd.uniform(0.32, 0.42))
        photo = ImageEnhance.Contrast(photo).enhance(0.85)
        photo = _noise(photo, 60, seed)
        photo = photo.filter(ImageFilter.GaussianBlur(0.8))
    else:
        photo = photo.filter(ImageFilter.GaussianBlur(0.5))
    return photo


def jpeg(img: Image.Image, quality: int = 88, *, exif_orientation: int | None = None) -> bytes:
    out = io.BytesIO()
    kwargs = {}
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kwargs["exif"] = exif.tobytes()
    img.convert("RGB").save(out, "JPEG", quality=quality, **kwargs)
    return out.getvalue()


def photo_bytes(person: Person, condition: str, seed: int = 0) -> bytes:
    quality = 60 if condition == "low_light" else 88
    return jpeg(photograph(render_card(person), condition, seed), quality)


def bad_photo(kind: str, person: Person) -> bytes:
    """Photos the quality check must refuse: ``dark``, ``blurry``, ``tiny``, ``no_card``,
    ``glare``, ``cut_off``."""
    card = render_card(person)
    if kind == "no_card":
        return jpeg(_table((1600, 1200), random.Random(1), 110))
    if kind == "tiny":
        return jpeg(photograph(card, "clean", 1).resize((320, 240)))
    photo = photograph(card, "clean", 2)
    if kind == "dark":
        return jpeg(ImageEnhance.Brightness(photo).enhance(0.07), 70)
    if kind == "blurry":
        return jpeg(photo.filter(ImageFilter.GaussianBlur(9)))
    if kind == "glare":
        glare = Image.new("L", photo.size, 0)
        ImageDraw.Draw(glare).ellipse((350, 250, 1250, 900), fill=255)
        return jpeg(
            Image.composite(
                Image.new("RGB", photo.size, (255, 255, 255)), photo, glare.filter(ImageFilter.GaussianBlur(40))
            )
        )
    if kind == "cut_off":
        big = Image.new("RGB", (1600, 1200), (110, 96, 80))
        c = card.resize((1500, 946))
        big.paste(c, (400, 300), c)
        return jpeg(big)
    raise ValueError(kind)
