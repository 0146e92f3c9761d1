"""Run pcscd (with Debian's vpcd virtual reader driver) for a test session.

pcscd 1.9.9 always serves /run/pcscd/pcscd.comm, so there is one per machine.  The service
starts its own ``pcscd --foreground`` when none is running and stops it at the end; when a
pcscd is already running (started by CI or by a developer) it is used as is and never
stopped or restarted — tests that need to restart pcscd skip in that case.

vpcd offers exactly two readers per pcscd (its slot table is a static array of two;
extra reader.conf entries overwrite it), named "<FRIENDLYNAME> 00 00" / "... 00 01" and
listening on CHANNELID and CHANNELID + 1.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

SOCKET = Path("/run/pcscd/pcscd.comm")
PIDFILE = Path("/run/pcscd/pcscd.pid")
VPCD_CONF = Path("/etc/reader.conf.d/vpcd")


@dataclass(frozen=True)
class VirtualReader:
    name: str  # the PC/SC reader name
    port: int  # where a card emulator connects


def vpcd_readers(conf: Path = VPCD_CONF) -> list[VirtualReader]:
    """The two virtual readers as configured in reader.conf.d (defaults if unreadable)."""
    friendly, channel = "Virtual PCD", 0x8C7B
    with contextlib.suppress(OSError):
        text = conf.read_text()
        if m := re.search(r'^\s*FRIENDLYNAME\s+"([^"]+)"', text, re.M):
            friendly = m.group(1)
        if m := re.search(r"^\s*CHANNELID\s+(\S+)", text, re.M):
            channel = int(m.group(1), 0)
    return [VirtualReader(f"{friendly} 00 0{i}", channel + i) for i in range(2)]


def _pid_alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split()[2] != "Z"
    except OSError:
        return False


def running_pcscd_pid() -> int | None:
    """The pid of a live pcscd according to its pid file (it ends with a NUL byte)."""
    try:
        pid = int(PIDFILE.read_text().strip("\x00\n "))
    except (OSError, ValueError):
        return None
    return pid if _pid_alive(pid) else None


def list_readers() -> list[str] | None:
    """Readers seen through a fresh PC/SC context; None when pcscd does not answer."""
    from smartcard import scard

    hr, ctx = scard.SCardEstablishContext(scard.SCARD_SCOPE_USER)
    if hr != scard.SCARD_S_SUCCESS:
        return None
    try:
        hr, readers = scard.SCardListReaders(ctx, [])
        if hr == scard.SCARD_E_NO_READERS_AVAILABLE:
            return []
        return list(readers) if hr == scard.SCARD_S_SUCCESS else None
    finally:
        scard.SCardReleaseContext(ctx)


def _listening(port: int) -> bool:
    """Is something listening on the TCP port?  Read /proc instead of connecting, because
    connecting to vpcd *is* inserting a card."""
    needle = f":{port:04X} "
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(OSError), open(table) as f:
            for line in f.readlines()[1:]:
                parts = line.split()
                if parts[1].endswith(needle.strip()) and parts[3] == "0A":  # 0A = LISTEN
                    return True
    return False


class PcscdService:
    def __init__(self, log_path: Path, *, debug: bool = False) -> None:
        self.log_path = log_path
        self.debug = debug
        self.proc: subprocess.Popen[bytes] | None = None
        self.readers = vpcd_readers()
        self.starts = 0

    @property
    def owned(self) -> bool:
        return self.proc is not None

    def ensure(self, timeout: float = 15.0) -> None:
        """Use a running pcscd, or start one; wait until the virtual readers are served."""
        if self.proc is None and running_pcscd_pid() is None:
            self._start()
        self.wait_ready(timeout)

    def _start(self) -> None:
        exe = shutil.which("pcscd") or "/usr/sbin/pcscd"
        args = [exe, "--foreground", "--debug" if self.debug else "--info"]
        if self.debug:
            args.append("--apdu")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        log = open(self.log_path, "ab")  # noqa: SIM115 - handed to the child, closed below
        try:
            # Own session: a Ctrl-C in pytest must not reach pcscd before the fixture stops it.
            self.proc = subprocess.Popen(
                args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        finally:
            log.close()
        self.starts += 1

    def wait_ready(self, timeout: float = 15.0) -> None:
        deadline = time.monotonic() + timeout
        want = {r.name for r in self.readers}
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                raise RuntimeError(f"pcscd exited with {self.proc.returncode}; see {self.log_path}")
            readers = list_readers()
            if readers is not None and want <= set(readers) and all(_listening(r.port) for r in self.readers):
                return
            time.sleep(0.05)
        raise TimeoutError(f"pcscd not ready with {sorted(want)}; see {self.log_path}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 10.0) -> None:
        """Stop the pcscd we started (never one we did not start)."""
        proc, self.proc = self.proc, None
        if proc is None:
            return
        if proc.poll() is None:
            os.kill(proc.pid, sig)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        if sig == signal.SIGKILL:
            # A killed pcscd leaves its socket and pid file behind; the next one would
            # refuse to start on a stale socket, so clean up as pcscd itself would have.
            for path in (SOCKET, PIDFILE):
                with contextlib.suppress(FileNotFoundError):
                    path.unlink()

    def restart(self, sig: int = signal.SIGTERM, down_for: float = 0.0) -> None:
        if not self.owned:
            raise RuntimeError("pcscd was not started by the tests; refusing to restart it")
        self.stop(sig)
        time.sleep(down_for)
        self._start()
        self.wait_ready()
