"""The card master keys by key version (docs/card-profile.md §6, §7.1): where they come from and how a new one is made.

Sources, merged into one table (a version given twice must be the same key everywhere):

* ``OPENCCUS_CARD_MASTER_KEY`` — version 1 (the single-key form every installation starts with);
* ``OPENCCUS_CARD_MASTER_KEYS`` — ``1:<base64>,2:<base64>``;
* the key file ``OPENCCUS_CARD_MASTER_KEY_FILE`` (on the embedded default ``var/secrets/card_master_keys``): one
  ``<version>:<base64>`` per line, ``#`` comments; readable by its owner only. `openccus cards rotate` appends to it.

The file is re-read when it changes (its mtime), so a rotation reaches every API process on the host without a
restart. Keys never go into the database: the card record keeps only the version.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from api.settings import Settings

MIN_KEY_BYTES = 32


class KeyConfigError(RuntimeError):
    """The configured master keys are unusable; the message says which setting and why (never the key)."""


class MasterKeys(Mapping[int, bytes]):
    """Read-only version → master key table; ``newest`` is the version new cards take."""

    def __init__(self, keys: dict[int, bytes]):
        if not keys:
            raise KeyConfigError("no card master key is configured (OPENCCUS_CARD_MASTER_KEY[S] or the key file)")
        self._keys = dict(sorted(keys.items()))

    def __getitem__(self, version: int) -> bytes:
        return self._keys[version]

    def __iter__(self) -> Iterator[int]:
        return iter(self._keys)

    def __len__(self) -> int:
        return len(self._keys)

    @property
    def newest(self) -> int:
        return max(self._keys)

    def __repr__(self) -> str:  # never print key material
        return f"MasterKeys(versions={list(self._keys)})"


def decode_key(text: str, *, where: str) -> bytes:
    """Standard or URL-safe base64, padding optional; at least 32 bytes."""
    text = text.strip()
    try:
        raw = base64.urlsafe_b64decode(text.replace("+", "-").replace("/", "_") + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError) as exc:
        raise KeyConfigError(f"{where}: not base64") from exc
    if len(raw) < MIN_KEY_BYTES:
        raise KeyConfigError(f"{where}: a master key must be at least {MIN_KEY_BYTES} bytes")
    return raw


def parse_entries(text: str, *, where: str, separator: str = ",") -> dict[int, bytes]:
    """``version:base64`` entries separated by commas (settings) or lines (the key file)."""
    keys: dict[int, bytes] = {}
    for n, item in enumerate(text.split(separator), start=1):
        item = item.split("#", 1)[0].strip()
        if not item:
            continue
        version_text, sep, key_text = item.partition(":")
        if not sep or not version_text.strip().isdigit() or not 1 <= int(version_text) <= 255:
            raise KeyConfigError(f"{where}: entry {n} is not '<version 1-255>:<base64 key>'")
        version = int(version_text)
        if version in keys:
            raise KeyConfigError(f"{where}: version {version} is given twice")
        keys[version] = decode_key(key_text, where=f"{where}, version {version}")
    return keys


def key_file_path(settings: Settings) -> Path | None:
    if settings.card_master_key_file is not None:
        return settings.card_master_key_file
    return settings.var_dir / "secrets" / "card_master_keys" if settings.embedded else None


_file_cache: dict[Path, tuple[int, dict[int, bytes]]] = {}


def _read_key_file(path: Path) -> dict[int, bytes]:
    try:
        st = path.stat()
    except FileNotFoundError:
        return {}
    if st.st_mode & (stat.S_IRWXG | stat.S_IRWXO):
        raise KeyConfigError(f"{path}: the key file must be readable by its owner only (chmod 600)")
    hit = _file_cache.get(path)
    if hit and hit[0] == st.st_mtime_ns:
        return hit[1]
    keys = parse_entries(path.read_text(), where=str(path), separator="\n")
    _file_cache[path] = (st.st_mtime_ns, keys)
    return keys


def _merge(into: dict[int, bytes], keys: dict[int, bytes], where: str) -> None:
    for version, key in keys.items():
        if version in into and not secrets.compare_digest(into[version], key):
            raise KeyConfigError(f"{where}: version {version} differs from the key configured elsewhere")
        into[version] = key


def load(settings: Settings) -> MasterKeys:
    keys: dict[int, bytes] = {}
    if settings.card_master_key is not None or settings.embedded:
        # The single-key form is version 1 (on the embedded default generated once under var/secrets/).
        single = settings.card_master_key
        keys[1] = (
            decode_key(single.get_secret_value(), where="OPENCCUS_CARD_MASTER_KEY")
            if single is not None
            else settings.secret("card_master_key")
        )
    if settings.card_master_keys is not None:
        _merge(
            keys,
            parse_entries(settings.card_master_keys.get_secret_value(), where="OPENCCUS_CARD_MASTER_KEYS"),
            "OPENCCUS_CARD_MASTER_KEYS",
        )
    if (path := key_file_path(settings)) is not None:
        _merge(keys, _read_key_file(path), str(path))
    if not keys and not settings.embedded:
        raise KeyConfigError(
            "OPENCCUS_CARD_MASTER_KEY (or OPENCCUS_CARD_MASTER_KEYS or OPENCCUS_CARD_MASTER_KEY_FILE) "
            "must be set when DATABASE_URL is set (see README, Configuration)"
        )
    return MasterKeys(keys)


def new_key_version(settings: Settings) -> tuple[int, Path | None, str]:
    """A new master key with the next version. With a key file it is appended there (created 0600) and
    ``(version, path, "")`` is returned; without one nothing is written and the entry to configure is returned
    as ``(version, None, "<version>:<base64>")`` for the operator to add to OPENCCUS_CARD_MASTER_KEYS."""
    current = load(settings)
    version = current.newest + 1
    if version > 255:
        raise KeyConfigError("key version 255 is the last one the card profile allows")
    entry = f"{version}:{base64.urlsafe_b64encode(secrets.token_bytes(MIN_KEY_BYTES)).decode()}"
    path = key_file_path(settings)
    if path is None:
        return version, None, entry
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
    try:
        import fcntl

        fcntl.flock(fd, fcntl.LOCK_EX)  # two rotations at once must not both write version N+1
        if version in parse_entries(path.read_text(), where=str(path), separator="\n"):
            raise KeyConfigError(f"{path}: version {version} was just added by another rotation; run it again")
        os.write(fd, f"# version {version}, added by `openccus cards rotate`\n{entry}\n".encode())
        os.fsync(fd)
    finally:
        os.close(fd)
    _file_cache.pop(path, None)
    return version, path, ""
