"""Run ``python -m edge_reader`` as a real subprocess and watch its feedback events.

The daemon's stdout carries one JSON line per outcome (edge_reader.daemon.Feedback); an
``{"event": "tap", "result": "ok"}`` line is the beep.  Lines written before a SIGKILL are
still in the pipe, so the collected events are exactly what the technician was told.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def edge_cli(
    data_dir: Path, *args: str, env: dict[str, str] | None = None, timeout: float = 30
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "edge_reader", "--data-dir", str(data_dir), *args],
        cwd=ROOT,
        env=child_env(env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def child_env(extra: dict[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OPENCCUS_EDGE_")}
    env["PYTHONPATH"] = str(ROOT)
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra or {})
    return env


class EdgeDaemon:
    def __init__(self, data_dir: Path, log_path: Path, settings: dict[str, object]) -> None:
        self.data_dir, self.log_path = data_dir, log_path
        self.env = child_env({f"OPENCCUS_EDGE_{k.upper()}": str(v) for k, v in settings.items()})
        self.proc: subprocess.Popen[str] | None = None
        self.events: list[dict] = []
        self.cond = threading.Condition()
        self.starts = 0
        self.listeners: list[Callable[[dict], None]] = []  # called from the pump thread

    def start(self, *, wait: bool = True, timeout: float = 20.0) -> None:
        assert self.proc is None or self.proc.poll() is not None, "already running"
        self.starts += 1
        with open(self.log_path, "a") as log:
            log.write(f"----- start #{self.starts} -----\n")
            log.flush()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "edge_reader", "--data-dir", str(self.data_dir), "run"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.PIPE,
                stderr=log,
                text=True,
                stdin=subprocess.DEVNULL,
            )
        threading.Thread(target=self._pump, args=(self.proc, self.starts), daemon=True).start()
        if wait:
            start_no = self.starts
            self.wait_for(lambda e: e.get("event") == "started" and e["_start"] == start_no, timeout=timeout)

    def _pump(self, proc: subprocess.Popen[str], start_no: int) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            try:
                event = json.loads(line)
            except ValueError:
                event = {"event": "garbage", "line": line}
            event["_start"] = start_no
            with self.cond:
                self.events.append(event)
                self.cond.notify_all()
            for listener in self.listeners:
                listener(event)
        proc.stdout.close()

    def wait_for(self, pred: Callable[[dict], bool], timeout: float = 10.0, after: int = 0) -> dict:
        """First event (at index >= after) matching ``pred``; TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for event in self.events[after:]:
                    if pred(event):
                        return event
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"no matching event in {timeout}s; see {self.log_path}")
                self.cond.wait(left)

    def taps(self, result: str = "ok") -> list[dict]:
        with self.cond:
            return [e for e in self.events if e.get("event") == "tap" and e["result"] == result]

    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def kill(self, sig: int = signal.SIGKILL) -> None:
        if self.alive():
            assert self.proc is not None
            self.proc.send_signal(sig)
            self.proc.wait(timeout=10)

    def stop(self) -> int | None:
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        return self.proc.returncode

    def log(self) -> str:
        return self.log_path.read_text() if self.log_path.exists() else ""
