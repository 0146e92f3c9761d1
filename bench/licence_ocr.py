"""Card-face OCR accuracy on rendered licence photos: clean / skewed / low light.

    .venv/bin/python bench/licence_ocr.py [N] [--dump DIR]

Renders N fictional licences (tests/licence/cardface.py, IPA fonts), photographs each under
the three conditions, runs the phone path (api.licence.ocr.read_card_face) and prints, per
condition and field:

* accuracy  — the suggested value (confident, pre-filled) equals the truth;
* wrong     — a suggestion that is NOT the truth (the costly case: a wrong pre-fill);
* recall    — the field came back at all (suggested or uncertain) with the right value;

plus the photos refused for a retake, and the median wall and CPU seconds per photo.  Names and addresses
are compared after NFKC normalisation and with spaces removed (how the extractor returns
them).  Needs the tesseract CLI with the jpn model.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import sys
import time
import unicodedata
from pathlib import Path

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from api.licence.ocr import FIELDS, read_card_face, tesseract_available
from tests.licence.cardface import CONDITIONS, people, photo_bytes

TODAY = dt.date(2025, 1, 15)


def cpu() -> float:
    """CPU seconds of this process and its finished children (the tesseract runs): the wall
    time depends on what else the machine is doing, this does not."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


def norm(field: str, value: str) -> str:
    value = unicodedata.normalize("NFKC", value)
    return value.replace(" ", "") if field in ("name", "address") else value


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("n", nargs="?", type=int, default=12)
    ap.add_argument("--dump", type=Path, help="write the photos here")
    ap.add_argument("--verbose", "-v", action="store_true", help="print every miss")
    args = ap.parse_args()
    if not tesseract_available():
        print("tesseract not installed (apt-get install tesseract-ocr tesseract-ocr-jpn)")
        return 1
    persons = people(args.n)
    print(
        f"licence card-face OCR: {args.n} rendered cards x {len(CONDITIONS)} conditions, "
        f"tesseract jpn, fields: {', '.join(FIELDS)}"
    )
    header = f"{'condition':10} {'field':15} {'accuracy':>9} {'wrong':>6} {'recall':>7}"
    rows, overall = [], {"ok": 0, "wrong": 0, "total": 0}
    for cond in CONDITIONS:
        stats = {f: {"ok": 0, "wrong": 0, "seen": 0} for f in FIELDS}
        seconds, cpu_seconds, retakes = [], [], 0
        for i, person in enumerate(persons):
            raw = photo_bytes(person, cond, seed=i)
            if args.dump:
                args.dump.mkdir(parents=True, exist_ok=True)
                (args.dump / f"{cond}-{i:02d}.jpg").write_bytes(raw)
            t0, c0 = time.perf_counter(), cpu()
            result = read_card_face(raw, today=TODAY)
            seconds.append(time.perf_counter() - t0)
            cpu_seconds.append(cpu() - c0)
            retakes += bool(result.retake)
            truth = person.truth()
            for f in FIELDS:
                want = norm(f, truth[f])
                sug, unc = result.suggestions.get(f), result.uncertain.get(f)
                if sug is not None and norm(f, sug.value) == want:
                    stats[f]["ok"] += 1
                elif sug is not None:
                    stats[f]["wrong"] += 1
                got = sug or unc
                if got is not None and norm(f, got.value) == want:
                    stats[f]["seen"] += 1
                elif args.verbose:
                    print(f"  miss {cond} #{i} {f}: want {want!r} got {got}")
        for f in FIELDS:
            s = stats[f]
            rows.append(f"{cond:10} {f:15} {s['ok'] / args.n:9.0%} {s['wrong']:6d} {s['seen'] / args.n:7.0%}")
            overall["ok"] += s["ok"]
            overall["wrong"] += s["wrong"]
            overall["total"] += args.n
        all_ok = sum(s["ok"] for s in stats.values()) / (args.n * len(FIELDS))
        rows.append(
            f"{cond:10} {'ALL FIELDS':15} {all_ok:9.0%} {sum(s['wrong'] for s in stats.values()):6d}"
            f"    retake asked: {retakes}/{args.n}; per photo median {statistics.median(seconds):.2f} s wall, "
            f"{statistics.median(cpu_seconds):.2f} s CPU"
        )
    print(header)
    print("\n".join(rows))
    print(
        f"overall: {overall['ok'] / overall['total']:.0%} of fields pre-filled correctly, "
        f"{overall['wrong']} wrong pre-fills out of {overall['total']}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
