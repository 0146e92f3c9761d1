"""``read-licence``: read a driver's licence on a PC/SC reader and print it as JSON.

Standalone: ``python -m edge_reader.licence [--reader NAME] [options]``.  For the edge CLI
(``python -m edge_reader read-licence``) the lead adds, in edge_reader/__main__.py::

    from .licence import cli as licence_cli
    licence_cli.add_parser(sub)                                   # next to "read-once"
    handler = {..., "read-licence": lambda a, s: licence_cli.run(a, s.reader_filter)}

PINs are never taken from argv or the environment (both are visible to other processes):
they are prompted for without echo, or read one per line from stdin with ``--pin-stdin``
(PIN1, then PIN2 when ``--photo``; an empty line = no PIN).  Nothing is written to disk
except the photo, and only to ``--photo-out``.
"""

from __future__ import annotations

import argparse
import getpass
import io
import json
import logging
import sys
import time
from pathlib import Path

from ..card import CardGone
from .errors import LicenceError, PinError
from .flow import read_licence

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PIN = 0, 1, 2, 3


def add_arguments(p: argparse.ArgumentParser) -> None:
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for a card")
    p.add_argument("--photo", action="store_true", help="also read the photo (needs PIN2)")
    p.add_argument("--photo-out", type=Path, help="write the photo here (.j2k as read, or .png/.jpg)")
    p.add_argument("--pin-stdin", action="store_true", help="read PIN1 (and PIN2 with --photo) one per line from stdin")
    p.add_argument(
        "--allow-last-try",
        action="store_true",
        help="the user accepts risking the LAST PIN try (default: stop at 1 try left)",
    )
    p.add_argument("--include-number", action="store_true", help="print the full licence number (default: masked)")


def add_parser(sub: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = sub.add_parser("read-licence", help="read a driver's licence IC chip (prints JSON)")
    add_arguments(p)
    return p


def _pins(args: argparse.Namespace) -> tuple[str | None, str | None]:
    if args.pin_stdin:
        pin1 = sys.stdin.readline().strip() or None
        pin2 = (sys.stdin.readline().strip() or None) if args.photo else None
    else:
        pin1 = getpass.getpass("PIN1 (4 digits, empty if none was set): ") or None
        pin2 = (getpass.getpass("PIN2 (4 digits): ") or None) if args.photo else None
    return pin1, pin2


def _write_photo(path: Path, j2k: bytes) -> None:
    if path.suffix.lower() in (".j2k", ".j2c", ".jpc"):
        path.write_bytes(j2k)
        return
    from PIL import Image

    Image.open(io.BytesIO(j2k)).convert("RGB").save(path)


def advice(exc: Exception, lang: str) -> str:
    """What the person at the reader should do, in their language (the PIN-blocked case above all: only a
    licensing centre or a police station can unblock a PIN, and every further try is pointless)."""
    from ..messages import text

    code = getattr(exc, "code", "card_removed")
    if isinstance(exc, CardGone):
        code = "card_removed"
    return text(code, lang, pin=getattr(exc, "ref", ""), tries_left=getattr(exc, "tries_left", ""))


def run(args: argparse.Namespace, reader_filter: str, *, lang: str = "ja") -> int:
    from ..messages import text
    from ..pcsc import read_one_card

    pin1, pin2 = _pins(args)

    def read(transmit):
        return read_licence(transmit, pin1, pin2, want_photo=args.photo, allow_last_try=args.allow_last_try)

    try:
        reader, data = read_one_card(reader_filter, read, deadline=time.monotonic() + args.timeout)
    except TimeoutError:
        print(text("no_card", lang), file=sys.stderr)
        return EXIT_FAILED
    except (LicenceError, CardGone) as exc:
        error = {"error": getattr(exc, "code", "card_gone"), "message": str(exc), "advice": advice(exc, lang)}
        if isinstance(exc, PinError):
            error["pin"] = exc.ref
            error["tries_left"] = exc.tries_left
        print(json.dumps(error, ensure_ascii=False))
        print(error["advice"], file=sys.stderr)
        return EXIT_PIN if isinstance(exc, PinError) else EXIT_FAILED
    finally:
        pin1 = pin2 = None
    if args.photo_out and data.photo_j2k:
        _write_photo(args.photo_out, data.photo_j2k)
    print(
        json.dumps({"reader": reader, "licence": data.to_dict(include_number=args.include_number)}, ensure_ascii=False)
    )
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m edge_reader.licence", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--reader", default="", help="only use readers whose name contains this")
    parser.add_argument("--lang", choices=("ja", "en"), default="ja", help="language of the advice (default ja)")
    parser.add_argument("-v", "--verbose", action="store_true")
    add_arguments(parser)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    return run(args, args.reader, lang=args.lang)
