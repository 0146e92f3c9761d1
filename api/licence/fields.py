"""Field extraction from the OCR'd card face: labels, patterns and the rules of the card
(era dates, the lawful expiry, the check digit), each field with a confidence."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from api.businesses.masters import PREFECTURES as _PREFECTURES
from dataclasses import dataclass

import numpy as np

from .jpdate import ERA_BY_INITIAL, check_digit_ok, era_to_date, expiry_for_birthday
from .photo import LABEL_COLUMN
from .tess import DIGIT_FIX, Line, Word

FIELDS = ("name", "birth_date", "address", "licence_number", "expiry_date")


@dataclass(frozen=True)
class Suggestion:
    value: str
    confidence: float
    note: str | None = None


# The 47 prefecture names in JIS X 0401 order: the one list the business data is validated against.
PREFECTURES = tuple(_PREFECTURES.values())


# What to tell the user, by problem code.  Japanese first (the PWA's language), English too.
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

    def text_conf(self, start: int, end: int) -> float:
        """For names and addresses: the mean, cut when one word is almost unread (a misread
        kanji is usually such a word, and one wrong kanji makes the whole field wrong)."""
        span = [c for c, ch in zip(self.confs[start:end], self.text[start:end], strict=False) if ch != " "]
        if not span:
            return 0.0
        mean = float(np.mean(span)) / 100.0
        return mean * (0.6 if min(span) < 30 else 1.0)


ERA = r"(明治|大正|昭和|平成|令和|[明大昭平令][^\d\s年]?)"
N = r"([0-9OoIlｌ|]{1,2}|元)"
BIRTH_RE = re.compile(ERA + r"\s*" + N + r"\s*年\s*" + N + r"\s*月\s*" + N + r"\s*日\s*生?")
EXPIRY_ERA_RE = re.compile(ERA + r"\s*" + N + r"\s*年\s*" + N + r"\s*月\s*" + N + r"\s*日\s*(まで|有効)")
NUMBER_RE = re.compile(r"第\s*([0-9OoIlSB|\s]{12,20}?)\s*号")
DIGITS_RE = re.compile(r"(?<![0-9])([0-9][0-9 ]{10,16}[0-9])(?![0-9])")
NAME_LABELS = ("氏名", "氏 名", "名", "氏", "民名", "氏各")
ADDRESS_LABELS = ("住所", "住 所", "所", "住")


def _num(s: str) -> int:
    return 1 if s == "元" else int(s.translate(DIGIT_FIX))


def _era_name(token: str) -> str | None:
    return ERA_BY_INITIAL.get(token[0])


def _strip_label(text: str, labels: tuple[str, ...]) -> str:
    for label in labels:
        if text.startswith(label + " "):
            return text[len(label) + 1 :]
    return text


def _cjk_only(text: str) -> bool:
    return bool(text) and all(
        unicodedata.name(c, "").startswith(("CJK", "HIRAGANA", "KATAKANA")) or c in "々ヶ〆ー" for c in text
    )


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


CONFUSABLE = {
    "0": "0689",
    "6": "60",
    "8": "803",
    "9": "90",
    "1": "17",
    "7": "71",
    "3": "38",
    "5": "56",
    "2": "2",
    "4": "4",
}


def _variants(digits: str) -> set[str]:
    """Readings the printed digits could have had, one confusion per digit allowed."""
    out = {""}
    for c in digits:
        out = {o + alt for o in out for alt in CONFUSABLE.get(c, c)}
    return out


def _confusable(read: str, printed: str) -> bool:
    return len(read) == len(printed) and all(p in CONFUSABLE.get(r, r) for r, p in zip(read, printed, strict=True))


EXPIRY_GREG = re.compile(r"(\d{4})\s*年\s*[(\[]?\s*" + ERA + r"?\s*[^\d年]{0,2}?(\d{1,3})?\s*年?")
MONTH_DAY = re.compile(r"(\d{1,2})\s*月\s*(\d{1,2})\s*日")


def _expiry_candidate(t: _Text, today: dt.date, birth: dt.date | None) -> Suggestion | None:
    text = t.text
    if "まで" not in text and "有効" not in text:
        return None
    g = EXPIRY_GREG.search(text)
    year_read, era_years = None, set()
    if g:
        year_read = g.group(1)
        era, era_digits = (_era_name(g.group(2)) if g.group(2) else None), g.group(3)
        if era and era_digits:
            for v in _variants(era_digits[-2:]):
                try:
                    era_years.add(era_to_date(era, int(v), 12, 31).year)
                except ValueError:
                    pass
        tail = text[g.end() :]
    else:  # an older card: the era date only
        em = EXPIRY_ERA_RE.search(text)
        if not em or not _era_name(em.group(1)):
            return None
        try:
            era_years = {era_to_date(_era_name(em.group(1)), _num(em.group(2)), 12, 31).year}
        except (ValueError, KeyError):
            return None
        tail = text[em.start() :]
    lo, hi = 2000, today.year + 11
    if year_read and lo <= int(year_read) <= hi and (not era_years or int(year_read) in era_years):
        year, factor = int(year_read), (1.0 if era_years else 0.85)
    else:
        options = {int(v) for v in _variants(year_read)} if year_read else set(era_years)
        options = {y for y in options if lo <= y <= hi}
        if era_years:
            options &= era_years
        if len(options) != 1:
            return None
        year, factor = options.pop(), 0.8
    md = MONTH_DAY.search(tail)
    printed = None
    if md:
        try:
            printed = dt.date(year, int(md.group(1)), int(md.group(2)))
        except ValueError:
            printed = None
    conf = t.conf(0, len(text))
    if birth is not None:
        lawful = expiry_for_birthday(birth, year)
        if printed == lawful:
            return Suggestion(lawful.isoformat(), round(min(conf * 1.1, 0.99) * factor, 3))
        if printed is None or (md and _confusable(f"{md.group(1):0>2}{md.group(2):0>2}", f"{lawful:%m%d}")):
            return Suggestion(lawful.isoformat(), round(conf * 0.9 * factor, 3), "month_day_from_birth_date")
        return Suggestion(printed.isoformat(), round(conf * 0.5 * factor, 3), "disagrees_with_birth_date")
    if printed is not None:
        return Suggestion(printed.isoformat(), round(conf * 0.8 * factor, 3))
    return None


def _expiry(texts: list[_Text], today: dt.date, birth: dt.date | None) -> Suggestion | None:
    """The validity line: ``YYYY年(令和NN年)MM月DD日まで有効`` (era only on cards from before
    2019).  The jpn model misreads 0 as 6 or 9 in this line more than anywhere else, so the
    reading is reconciled with what the card must say: the Gregorian and the era year agree,
    and the month and day follow from the birthday by law (jpdate.expiry_for_birthday)."""
    found = [c for t in texts if (c := _expiry_candidate(t, today, birth))]
    return max(found, key=lambda s: s.confidence, default=None)


def expiry_from_lines(lines: list[Line], *, today: dt.date, birth: dt.date | None) -> Suggestion | None:
    """The expiry from a separate reading (the validity band OCR'd on its own)."""
    return _expiry([_Text(line) for line in lines], today, birth)


def _number(texts: list[_Text]) -> Suggestion | None:
    candidates: list[Suggestion] = []
    for t in texts:
        for regex, factor in ((NUMBER_RE, 1.0), (DIGITS_RE, 0.85)):
            for m in regex.finditer(t.text):
                digits = re.sub(r"\s", "", m.group(1).translate(DIGIT_FIX))
                if len(digits) != 12 or not digits.isdigit():
                    continue
                ok = check_digit_ok(digits)
                conf = t.conf(m.start(1), m.end(1)) * factor
                # a misread digit passes the check digit about one time in ten: a passing number
                # halves the doubt, a failing one is kept only as uncertain
                conf = min(1 - (1 - conf) * 0.5, 0.99) if ok else conf * 0.45
                candidates.append(Suggestion(digits, round(conf, 3), None if ok else "check_digit_mismatch"))
    return max(candidates, key=lambda s: s.confidence, default=None)


def _name_from_words(words: list[Word], width: int) -> tuple[str, list[float]] | None:
    """Join the name's words; the widest gap (the full-width space between family and given
    name) becomes U+3000 when it is clearly wider than the gaps between characters."""
    words = [
        w
        for w in words
        if w.left > width * LABEL_COLUMN * 0.9 and unicodedata.normalize("NFKC", w.text) not in NAME_LABELS
    ]
    if not words:
        return None
    texts = [unicodedata.normalize("NFKC", w.text).replace(" ", "") for w in words]
    gaps = [b.left - (a.left + a.width) for a, b in zip(words, words[1:], strict=False)]
    height = float(np.median([w.height for w in words]))
    split = max(range(len(gaps)), key=lambda i: gaps[i]) if gaps else None
    if split is not None and gaps[split] > 0.6 * height:
        value = "".join(texts[: split + 1]) + "\u3000" + "".join(texts[split + 1 :])
    else:
        value = "".join(texts)
    return value, [w.conf for w in words]


def _name(texts: list[_Text], birth_line: int | None, width: int) -> Suggestion | None:
    """氏名: the words of the first line before the birth date (or, when the page came out in
    sparse lines, the top line that is nothing but kanji/kana)."""
    order = ([birth_line] if birth_line is not None else []) + list(range(min(3, len(texts))))
    for i in dict.fromkeys(order):
        t = texts[i]
        cut = BIRTH_RE.search(t.text)
        n_chars, words = 0, []
        for w in t.line.words:  # the words before the birth date
            if cut and n_chars >= cut.start():
                break
            words.append(w)
            n_chars += len(unicodedata.normalize("NFKC", w.text)) + 1
        found = _name_from_words(words, width)
        if found is None:
            continue
        value, confs = found
        bare = value.replace("\u3000", "")
        if not (_cjk_only(bare) and 2 <= len(bare) <= 12):
            continue
        conf = float(np.mean(confs)) / 100.0 * (0.6 if min(confs) < 30 else 1.0)
        if i != birth_line:
            conf *= 0.9  # found by position only
        return Suggestion(value, round(conf, 3))
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
        return Suggestion(value, round(t.text_conf(start, len(text)) * factor, 3))
    return None


def extract_fields(
    lines: list[Line], *, width: int, height: int, today: dt.date | None = None
) -> dict[str, Suggestion]:
    today = today or dt.date.today()
    texts = [_Text(line) for line in lines]
    out: dict[str, Suggestion] = {}
    birth = _birth(texts, today)
    if birth:
        out["birth_date"] = birth[0]
    name = _name(texts, birth[1] if birth else None, width)
    if name:
        out["name"] = name
    birth_value = dt.date.fromisoformat(birth[0].value) if birth and birth[0].confidence >= 0.5 else None
    for key, found in (
        ("address", _address(texts, height)),
        ("licence_number", _number(texts)),
        ("expiry_date", _expiry(texts, today, birth_value)),
    ):
        if found:
            out[key] = found
    return out


def merge(a: dict[str, Suggestion], b: dict[str, Suggestion]) -> dict[str, Suggestion]:
    """Per field, the more confident reading — except that a text one pass cut short (a
    line split in two) loses to the longer reading it begins."""
    out = dict(a)
    for k, v in b.items():
        old = out.get(k)
        if old is None:
            out[k] = v
        elif (
            k == "address" and v.value != old.value and (v.value.startswith(old.value) or old.value.startswith(v.value))
        ):
            longer = v if len(v.value) > len(old.value) else old
            out[k] = Suggestion(longer.value, longer.confidence, longer.note)
        elif v.confidence > old.confidence:
            out[k] = v
    return out
