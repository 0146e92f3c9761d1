"""CLI: ``python -m edge_reader {enrol,run,status,read-once}``.

Logs go to stderr; machine-readable output (status, read-once, the daemon's tap events)
goes to stdout as JSON.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
import time

from . import card, messages
from .config import Settings
from .outbox import Outbox

log = logging.getLogger("edge_reader")


def _enrolment_reason(exc: Exception, lang: str) -> str:
    """The server's refusal in the installer's language: its error code when it sent one, never its English text."""
    from .uploader import ApiError

    if isinstance(exc, ApiError) and exc.code in messages.CATALOGUE:
        return messages.text(exc.code, lang)
    if isinstance(exc, ApiError) and exc.status is not None:
        return messages.text("enrolment_http_error", lang, status=exc.status)
    return messages.text("server_unreachable", lang)


EXIT_USAGE, EXIT_FAILED = 2, 1


def _settings(args: argparse.Namespace) -> Settings:
    overrides = {
        k: v
        for k, v in {
            "data_dir": args.data_dir,
            "api_url": args.api_url,
            "reader_filter": args.reader,
            "lang": args.lang,
        }.items()
        if v is not None
    }
    return Settings(**overrides)


def cmd_enrol(args: argparse.Namespace, settings: Settings) -> int:
    from .uploader import enrol

    if not settings.api_url:
        print(messages.text("enrol_needs_url", settings.lang), file=sys.stderr)
        return EXIT_USAGE
    outbox = Outbox(settings.db_path)
    try:
        if outbox.device() is not None and not args.force:
            print(messages.text("already_enrolled", settings.lang), file=sys.stderr)
            return EXIT_USAGE
        if outbox.counts()["pending"] and args.force:
            # Pending taps keep the old device's keys; they still upload with the new token.
            print(messages.text("previous_taps_pending", settings.lang), file=sys.stderr)
        try:
            device = enrol(
                settings.api_url, args.code, software_version=settings.software_version, timeout=settings.http_timeout
            )
        except Exception as exc:
            log.warning("enrolment failed: %s", exc)
            print(
                messages.text("enrolment_failed", settings.lang, error=_enrolment_reason(exc, settings.lang)),
                file=sys.stderr,
            )
            return EXIT_FAILED
        outbox.save_device(device)
    finally:
        outbox.close()
    print(json.dumps({"device_id": device.device_id, "site_id": device.site_id}))
    return 0


def cmd_status(args: argparse.Namespace, settings: Settings) -> int:
    outbox = Outbox(settings.db_path)
    try:
        device = outbox.device()
        status = {
            "enrolled": device is not None,
            "device_id": device.device_id if device else None,
            "site_id": device.site_id if device else None,
            "api_url": settings.api_url or (device.api_url if device else None),
            "outbox": outbox.counts(),
            "revocations_version": outbox.revocations_version(),
            "revoked_cards": outbox.revoked_count(),
            # The server's verdicts on the newest delivered taps, in words as well.
            "recent_verdicts": [
                {**v, "message": messages.verdict(v["status"], v["reject_reason"], settings.lang)}
                for v in outbox.recent_verdicts()
            ],
            # Written by a running daemon: unix times, and the readers it had last.
            "reader": outbox.get_meta("reader") or None,
            "last_upload": outbox.get_meta("last_upload"),
            "last_upload_error": outbox.get_meta("last_upload_error"),
            "last_heartbeat": outbox.get_meta("last_heartbeat"),
            "last_heartbeat_error": outbox.get_meta("last_heartbeat_error"),
            "data_dir": str(settings.data_dir),
        }
    finally:
        outbox.close()
    print(json.dumps(status, indent=2))
    return 0


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    from .daemon import run

    return run(settings)


def cmd_read_once(args: argparse.Namespace, settings: Settings) -> int:
    """Read one card and print what the daemon would send — records nothing."""
    from .pcsc import read_one_card

    def describe(transmit: card.Transmit) -> dict:
        try:
            ident = card.read_identity(transmit)
        except card.NotOpenCCUS:
            return {"profile": "uid", "uid": card.read_uid(transmit).hex()}
        challenge = card.new_challenge()
        response = card.internal_authenticate(transmit, challenge)
        return {
            "profile": "openccus",
            "technician_id": ident.technician_id,
            "card_serial": ident.serial_hex,
            "issued": ident.issued.isoformat(),
            "expires": ident.expires.isoformat(),
            "key_version": ident.key_version,
            "challenge": challenge.hex(),
            "response": response.hex(),
        }

    deadline = time.monotonic() + args.timeout
    try:
        reader, result = read_one_card(settings.reader_filter, describe, deadline=deadline)
    except TimeoutError:
        print(messages.text("no_card", settings.lang), file=sys.stderr)
        return EXIT_FAILED
    except (card.CardError, card.CardGone) as exc:
        log.warning("card read failed: %s", exc)
        print(messages.text("card_read_failed", settings.lang, error=exc), file=sys.stderr)
        return EXIT_FAILED
    print(json.dumps({"reader": reader, **result}))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m edge_reader", description=__doc__)
    parser.add_argument("--data-dir", help="where the outbox database lives")
    parser.add_argument("--api-url", help="server base URL, e.g. https://ccus.example.jp")
    parser.add_argument("--reader", help="only use readers whose name contains this")
    parser.add_argument("--lang", choices=("ja", "en"), help="language of messages (default ja, or OPENCCUS_EDGE_LANG)")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("enrol", help="enrol this device with a one-time code from the portal")
    p.add_argument("code")
    p.add_argument("--force", action="store_true", help="enrol again as a new device")
    sub.add_parser("run", help="run the reader daemon")
    sub.add_parser("status", help="print enrolment, outbox and revocation state")
    p = sub.add_parser("read-once", help="read one card and print it (records nothing)")
    p.add_argument("--timeout", type=float, default=30.0)
    from .licence import cli as licence_cli

    licence_cli.add_parser(sub)  # read-licence: the driver's-licence IC chip, PIN-guarded (docs/licence.md)
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    # httpx logs every request at INFO; the uploader logs what matters itself.
    logging.getLogger("httpx").setLevel(logging.DEBUG if args.verbose else logging.WARNING)
    settings = _settings(args)
    handler = {
        "enrol": cmd_enrol,
        "run": cmd_run,
        "status": cmd_status,
        "read-once": cmd_read_once,
        "read-licence": lambda a, s: licence_cli.run(a, s.reader_filter, lang=s.lang),
    }[args.command]
    return handler(args, settings)


if __name__ == "__main__":
    sys.exit(main())
