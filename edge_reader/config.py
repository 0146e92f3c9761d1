"""The one settings object for the edge reader.

Values come from the environment (prefix ``OPENCCUS_EDGE_``), then CLI flags override them.
Device credentials are *not* settings: they live in the outbox database next to the tap
counter, so that losing one means losing both (see outbox.py for why that matters).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from . import __version__


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="OPENCCUS_EDGE_", extra="ignore")

    # Server base URL, e.g. https://ccus.example.jp (the /api/v1/... paths are appended).
    # Stored at enrolment; a value here overrides the stored one.
    api_url: str | None = None
    data_dir: Path = Path("/var/lib/openccus-edge")
    # Substring of the PC/SC reader name; empty = every reader.  Lets one site PC run a
    # reader per gate, or keep the daemon off a reader that another application owns.
    reader_filter: str = ""
    # A second tap of the same card within this window is answered "already recorded"
    # instead of recording a new tap (double taps are the commonest attendance bug).
    debounce_seconds: float = Field(30.0, ge=0)
    batch_size: int = Field(200, ge=1, le=1000)
    # Idle wait between outbox checks; a new tap wakes the uploader at once anyway.
    upload_interval: float = Field(5.0, gt=0)
    heartbeat_interval: float = Field(60.0, gt=0)
    http_timeout: float = Field(10.0, gt=0)
    # Retry delay after a failed upload: base * 2**n capped at backoff_cap, with jitter.  While
    # waiting after a network failure the uploader probes GET /api/v1/health (no database, no
    # auth) about every probe_interval seconds and retries at once when the server answers, so a
    # queue drains within seconds of the server's return, not at the end of a long back-off.
    backoff_base: float = Field(1.0, gt=0)
    backoff_cap: float = Field(60.0, gt=0)
    probe_interval: float = Field(2.0, gt=0)
    # Revocation long-poll: the server holds the request up to this long until the list changes.
    revocation_wait: int = Field(20, ge=1, le=30)
    # Messages for people (gate events, errors): Japanese, or English.
    lang: Literal["ja", "en"] = "ja"
    # How long one SCardGetStatusChange call blocks; also the watchdog's heartbeat period.
    poll_timeout_ms: int = Field(1000, ge=50, le=60000)
    # The PC/SC thread must make progress within this time or the process exits
    # (exit code 70) so that the service manager restarts it with a fresh pcsc-lite state.
    watchdog_seconds: float = Field(60.0, gt=0)
    software_version: str = __version__
    # Disable the PC/SC loop (only useful together with the test source below).
    pcsc_enabled: bool = True
    # TEST ONLY: listen on 127.0.0.1:<port> for card emulators speaking the vpcd protocol
    # directly, bypassing pcscd (see testsource.py).  Never set this on a site PC.
    test_vpcd_port: int | None = None

    @property
    def db_path(self) -> Path:
        return self.data_dir / "edge.sqlite3"
