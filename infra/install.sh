#!/usr/bin/env bash
# Installs what OpenCCUS needs on a fresh Debian (bookworm) machine: Debian packages, a virtualenv in .venv and the
# Python packages. Safe to run again: it installs only what is missing.
#   infra/install.sh          runtime (API, workers, edge reader, PDF fonts)
#   infra/install.sh --test   plus PostgreSQL, Redis, pcscd + the virtual reader driver for the test suite
set -euo pipefail
cd "$(dirname "$0")/.."

# Runtime: the venv, pyscard's build, the IPA fonts PDFs embed, and tesseract for the licence card-face OCR.
want=(python3 python3-venv python3-dev gcc libpcsclite-dev fonts-ipafont-gothic fonts-ipafont-mincho tesseract-ocr
      tesseract-ocr-jpn)
if [[ "${1:-}" == "--test" ]]; then
  want+=(postgresql redis-server pgbouncer pcscd vsmartcard-vpcd chromium)
fi

missing=()
for pkg in "${want[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
# A Python from elsewhere (pyenv, a container image) does not need Debian's python3 packages.
own_python=0
if command -v python3 >/dev/null && python3 -c 'import sys, venv, ensurepip; assert sys.version_info >= (3, 11)' 2>/dev/null; then
  own_python=1
fi
pkgs=()
for p in "${missing[@]}"; do
  [[ $own_python -eq 1 && $p == python3* ]] && continue
  pkgs+=("$p")
done
if ((${#pkgs[@]})); then
  echo "==> apt-get install ${pkgs[*]}"
  SUDO=""; [[ $(id -u) -ne 0 ]] && SUDO="sudo"
  $SUDO apt-get update -qq
  # policy-rc.d: on machines without systemd, do not try to start the services during install; we start them ourselves.
  DEBIAN_FRONTEND=noninteractive RUNLEVEL=1 $SUDO apt-get install -y -qq --no-install-recommends "${pkgs[@]}" >/dev/null
fi

python3 -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
if [[ ! -x .venv/bin/python ]]; then
  echo "==> creating .venv"
  python3 -m venv .venv
fi
echo "==> pip install"
.venv/bin/python -m pip install -q --upgrade pip
extras="card,face"
[[ "${1:-}" == "--test" ]] && extras="card,face,test"
.venv/bin/python -m pip install -q -e ".[${extras}]"
# face_recognition asks for the name "dlib", which PyPI has only as a 9-minute source build; the prebuilt wheel
# dlib-bin (in the face extra) provides the same module, so face_recognition itself goes in without dependencies.
.venv/bin/python -m pip install -q --no-deps "face_recognition==1.3.0"
# The PWA (Node.js and npm come from apt when missing; npm packages exactly as the lock file says).
bash pwa/build.sh
