"""`openccus cards …`: master-key versions (docs/card-profile.md §7.1).

openccus cards versions            the configured key versions and the cards of each
openccus cards rotate              a new master key with the next version (into the key file, or printed)
openccus cards revoke-version V    revoke every active card of version V and reissue it under the newest key
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from types import SimpleNamespace

from api.cards.keys import KeyConfigError, new_key_version
from api.settings import Settings


def add_parser(sub: argparse._SubParsersAction) -> None:
    cards = sub.add_parser("cards", help="card master keys: versions, rotate, revoke-version")
    cmd = cards.add_subparsers(dest="cards_command", required=True)
    cmd.add_parser("versions", help="configured key versions and the active cards of each")
    cmd.add_parser("rotate", help="add a master key with the next version (new cards take it)")
    revoke = cmd.add_parser(
        "revoke-version",
        help="revoke every active card of a key version, reissue it "
        "under the newest key (fee waived) and notify the holders",
    )
    revoke.add_argument("version", type=int)


def run(args: argparse.Namespace, settings: Settings) -> int:
    try:
        if args.cards_command == "rotate":
            return _rotate(settings)
        if args.cards_command == "versions":
            return asyncio.run(_versions(settings))
        return asyncio.run(_revoke_version(settings, args.version))
    except KeyConfigError as exc:
        print(f"openccus: {exc}", file=sys.stderr)
        return 2


def _rotate(settings: Settings) -> int:
    version, path, entry = new_key_version(settings)
    if path is not None:
        print(
            f"master key version {version} added to {path}; new cards are issued under it from now on "
            "(API processes re-read the key file when it changes). Copy the file to every API host."
        )
        return 0
    # Keys held in settings only: nothing can be written for the operator, so the new entry is shown once.
    current = settings.card_master_keys.get_secret_value() if settings.card_master_keys else ""
    print(
        f"master key version {version} generated but NOT stored (no key file is configured).\n"
        f"Add it to OPENCCUS_CARD_MASTER_KEYS on every API host and restart them:\n"
        f"  OPENCCUS_CARD_MASTER_KEYS={current + ',' if current else ''}{entry}\n"
        "or set OPENCCUS_CARD_MASTER_KEY_FILE so that `openccus cards rotate` can keep the keys itself."
    )
    return 0


async def _versions(settings: Settings) -> int:
    from api import db
    from api.cards.models import Card, CardStatus

    keys = settings.card_keys()
    await db.init(settings)
    try:
        for version in sorted(set(keys) | set(await Card.all().distinct().values_list("key_version", flat=True))):
            active = await Card.filter(key_version=version, status=CardStatus.active).count()
            state = ("newest" if version == keys.newest else "configured") if version in keys else "NOT CONFIGURED"
            print(f"version {version}: {state}, {active} active card(s)")
    finally:
        await db.close()
    return 0


async def _revoke_version(settings: Settings, version: int) -> int:
    from api import db
    from api.cards.rekey import revoke_version
    from api.errors import Conflict
    from api.queue import open_queue

    newest = settings.card_keys().newest
    await db.init(settings)
    queue = await open_queue(settings)
    try:
        try:
            result = await revoke_version(version=version, newest=newest, state=SimpleNamespace(queue=queue))
        except Conflict as exc:
            print(f"openccus: {exc.message}", file=sys.stderr)
            return 2
        await queue.drain()  # in-process (embedded default): the notices are written before we exit
    finally:
        await queue.close()
        await db.close()
    for old, new in result.reissued:
        print(f"revoked {old} -> reissued {new} (key version {result.new_version}, fee waived)")
    for old in result.expired:
        print(f"revoked {old} (expired: not reissued; the registration is renewed instead)")
    print(
        f"key version {version}: {len(result.reissued)} card(s) revoked and reissued, {len(result.expired)} expired "
        f"card(s) revoked, {result.skipped} already revoked meanwhile; readers refuse the old cards once they sync "
        "(seconds while online)."
    )
    return 0
