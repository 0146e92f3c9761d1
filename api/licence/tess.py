"""The tesseract CLI: TSV words with boxes and confidences, and a digits-only second look."""

from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
import unicodedata
from dataclasses import dataclass

import numpy as np
from PIL import Image

from .jpdate import check_digit_ok


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


def run_tesseract(
    img: Image.Image, *, psm: int = 4, lang: str = "jpn", whitelist: str | None = None, timeout: float = 60
) -> list[Line]:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    env = {**os.environ, "OMP_THREAD_LIMIT": "1"}
    extra = ["-c", f"tessedit_char_whitelist={whitelist}"] if whitelist else []
    proc = subprocess.run(
        ["tesseract", "stdin", "stdout", "-l", lang, "--psm", str(psm), *extra, "tsv"],
        input=buf.getvalue(),
        capture_output=True,
        timeout=timeout,
        env=env,
        check=False,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"tesseract failed: {proc.stderr.decode(errors='replace')[-300:]}")
    lines: dict[tuple[int, int, int], list[Word]] = {}
    for row in proc.stdout.decode("utf-8", errors="replace").splitlines()[1:]:
        cols = row.split("\t")
        if len(cols) != 12 or cols[0] != "5" or not cols[11].strip():
            continue
        key = (int(cols[2]), int(cols[3]), int(cols[4]))
        lines.setdefault(key, []).append(
            Word(cols[11].strip(), max(float(cols[10]), 0.0), int(cols[6]), int(cols[7]), int(cols[8]), int(cols[9]))
        )
    return sorted((Line(ws) for ws in lines.values()), key=lambda ln: (ln.top, ln.left))


def _with_text(word: Word, text: str, conf: float) -> Word:
    return Word(text, conf, word.left, word.top, word.width, word.height)


DIGIT_FIX = str.maketrans(
    {"O": "0", "o": "0", "I": "1", "l": "1", "|": "1", "ｌ": "1", "S": "5", "B": "8"}
)  # OCR letters in digit places
DIGIT_WORD = re.compile(r"\d")
REREAD_LINE = re.compile(r"第|号|\d{8}")


def reread_digits(img: Image.Image, lines: list[Line]) -> list[Line]:
    """The jpn model confuses 0 with 6/9 next to brackets and kanji; the eng model reads
    digits better.  Every word with a digit on a date or number line is cut out, the cut-outs
    are stacked into one image and read once with ``-l eng`` restricted to digits; the digits
    of each word are replaced by that reading when it has as many digits."""
    targets = [
        (li, wi, w)
        for li, line in enumerate(lines)
        if REREAD_LINE.search("".join(w.text for w in line.words))
        for wi, w in enumerate(line.words)
        if DIGIT_WORD.search(w.text)
    ]
    if not targets:
        return lines
    crops = []
    for _, _, w in targets:
        pad = max(w.height // 4, 3)
        crop = img.crop(
            (
                max(w.left - pad, 0),
                max(w.top - pad, 0),
                min(w.left + w.width + pad, img.width),
                min(w.top + w.height + pad, img.height),
            )
        )
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
        conf = float(np.mean([w.conf for w in found])) if found else 0.0
        if len(old_digits) >= 10 and len(digits) == 12 and check_digit_ok(digits) and digits != old_digits:
            # a licence number the jpn pass got a digit too many or too few in
            out[li].words[wi] = _with_text(word, digits, conf)
        elif digits and len(digits) == len(old_digits) and digits != old_digits:
            it = iter(digits)
            text = "".join(
                next(it) if c.isdigit() else c for c in unicodedata.normalize("NFKC", word.text).translate(DIGIT_FIX)
            )
            out[li].words[wi] = _with_text(word, text, conf)
    return out
