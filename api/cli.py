"""The `openccus` console script: serve, migrate, worker, demo-data, create-operator, cards."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from api.settings import Settings


def _port(text: str) -> int:
    """A TCP port, 0–65535 (0: any free one, as the tests use; uvicorn took 99999 and announced
    http://127.0.0.1:99999 as if it were one)."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a port number: {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"a port is 0 to 65535, not {port}")
    return port


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="openccus", description="OpenCCUS — Construction Career Up System")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="run the API and the PWA")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=_port, default=8000)
    serve.add_argument("--workers", type=int, default=1, help="API processes (PostgreSQL only)")
    serve.add_argument(
        "--loop",
        choices=("auto", "uvloop", "asyncio"),
        default="auto",
        help="event loop (auto: uvloop when installed; bench/README.md)",
    )
    serve.add_argument(
        "--http",
        choices=("auto", "httptools", "h11"),
        default="auto",
        help="HTTP parser (auto: httptools when installed)",
    )
    sub.add_parser("migrate", help="apply database migrations")
    worker = sub.add_parser("worker", help="run the arq job worker (needs REDIS_URL)")
    worker.add_argument("--burst", action="store_true", help="drain the queue and exit")
    sub.add_parser(
        "enqueue-due",
        help="enqueue the scheduled jobs due this minute (serverless batch: run it from a "
        "timer, then `worker --burst`; arq's own cron does not fire in burst mode)",
    )
    sub.add_parser("demo-data", help="load demonstration data (idempotent)")
    doc = sub.add_parser("openapi", help="write the OpenAPI document (the PWA's API types are generated from it)")
    doc.add_argument("--out", help="file to write (default: standard output)")
    op = sub.add_parser("create-operator", help="create an operator account")
    op.add_argument("--login", required=True)
    op.add_argument("--name", default="運営主体")
    from api.cards import cli as cards_cli

    cards_cli.add_parser(sub)  # openccus cards versions | rotate | revoke-version V
    from api import partitions_cli

    partitions_cli.add_parser(sub)  # openccus partitions list | ensure | detach --before YYYY-MM
    args = parser.parse_args(argv)
    settings = Settings()

    if args.command == "serve":
        import uvicorn

        if args.workers > 1 and settings.embedded:
            print("openccus: --workers > 1 needs PostgreSQL (DATABASE_URL); SQLite allows one writer.", file=sys.stderr)
            return 2
        from api.logs import log_config

        print(f"OpenCCUS is starting on http://{args.host}:{args.port}/  (API docs: /api/v1/docs)", flush=True)
        # Forwarded headers are handled by the app itself, and only from OPENCCUS_TRUSTED_PROXIES (api/middleware.py):
        # uvicorn's own handling would believe any peer at 127.0.0.1. Its access log (with query strings) is off.
        uvicorn.run(
            "api.asgi:app",
            host=args.host,
            port=args.port,
            workers=args.workers,
            proxy_headers=False,
            access_log=False,
            log_config=log_config(),
            server_header=False,
            loop=_pick(args.loop, "uvloop", "asyncio"),
            http=_pick(args.http, "httptools", "h11"),
        )
        return 0
    if args.command == "migrate":
        from api import db

        asyncio.run(db.migrate(settings))
        print("migrations applied")
        return 0
    if args.command == "worker":
        from workers.main import run

        return run(settings, burst=args.burst)
    if args.command == "enqueue-due":
        from api.queue import enqueue_due

        if not settings.redis_url:
            print("openccus: enqueue-due needs REDIS_URL", file=sys.stderr)
            return 2
        print("enqueued:", ", ".join(asyncio.run(enqueue_due(settings))) or "nothing due")
        return 0
    if args.command == "cards":
        return cards_cli.run(args, settings)
    if args.command == "partitions":
        return partitions_cli.run(args, settings)
    if args.command == "openapi":
        from api.openapi import document_text

        text = document_text()
        if args.out:
            try:
                Path(args.out).write_text(text, encoding="utf-8")
            except OSError as exc:  # a missing folder, no permission: a sentence, not a traceback
                print(f"openccus: cannot write {args.out}: {exc.strerror}", file=sys.stderr)
                return 2
        else:
            sys.stdout.write(text)
        return 0
    if args.command == "demo-data":
        from api.demo import load

        print(asyncio.run(load(settings)))
        return 0
    if args.command == "create-operator":
        password = os.environ.get("OPENCCUS_OPERATOR_PASSWORD")
        if not password:
            if not sys.stdin.isatty():  # getpass would end in an EOFError traceback
                print(
                    "openccus: create-operator needs a password: run it in a terminal, or set OPENCCUS_OPERATOR_PASSWORD",
                    file=sys.stderr,
                )
                return 2
            password = getpass.getpass("password: ")
        from api.demo import create_operator
        from api.errors import AppError

        try:
            asyncio.run(create_operator(settings, login=args.login, password=password, name=args.name))
        except ValueError as exc:
            print(f"openccus: {exc}", file=sys.stderr)
            return 2
        except AppError as exc:  # the password policy (api/accounts/passwords.py)
            print(f"openccus: {exc.code}: {exc.message}", file=sys.stderr)
            return 2
        print(f"operator {args.login} created")
        return 0
    return 2


def _pick(choice: str, fast: str, plain: str) -> str:
    """uvloop and httptools (dependencies of the package) when they are installed, the pure-Python loop and parser
    where they do not build (uvloop has no Windows wheel). Named, not left to uvicorn's "auto", so `--loop asyncio`
    can measure what they save (bench/tap_ingest.py --loop/--http)."""
    if choice != "auto":
        return choice
    import importlib.util

    return fast if importlib.util.find_spec(fast) else plain


if __name__ == "__main__":
    sys.exit(main())
