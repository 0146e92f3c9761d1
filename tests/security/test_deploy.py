"""Deployment behind TLS (issue 15 item 3): the shipped service unit listens on loopback only, behind the TLS proxy
that docs/deploy.md documents, and that proxy is the only one the API is told to trust."""

from __future__ import annotations

import configparser
import re
import shlex
from pathlib import Path

from api.settings import Settings

ROOT = Path(__file__).resolve().parents[2]


def _unit(name: str) -> configparser.RawConfigParser:
    parser = configparser.RawConfigParser(strict=False)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(ROOT / "infra" / "systemd" / name, encoding="utf-8")
    return parser


def _option(argv: list[str], name: str) -> str | None:
    for i, arg in enumerate(argv):
        if arg == name:
            return argv[i + 1]
        if arg.startswith(name + "="):
            return arg.split("=", 1)[1]
    return None


def test_the_shipped_api_unit_listens_on_loopback_only():
    argv = shlex.split(_unit("openccus-api.service")["Service"]["ExecStart"])
    assert argv[0].endswith("/openccus") and argv[1] == "serve", argv
    assert _option(argv, "--host") == "127.0.0.1", argv
    assert _option(argv, "--port") == "8000", argv
    # Not "0.0.0.0", "::" or a public address through the environment either: serve takes its host from the flag.
    assert "--uds" not in argv and "--fd" not in argv


def test_serve_defaults_to_loopback_and_trusts_no_proxy_by_default(monkeypatch):
    import uvicorn

    from api import cli

    seen: dict = {}
    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: seen.update(kw))
    assert cli.main(["serve", "--port", "0"]) == 0
    assert seen["host"] == "127.0.0.1", seen
    assert Settings.model_fields["trusted_proxies"].default == ""  # no forwarded header is believed unless configured


def test_the_deploy_guide_puts_a_tls_proxy_in_front_of_that_address():
    guide = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    # Both documented proxies terminate TLS and forward to the unit's address, replacing the forwarded headers.
    assert "reverse_proxy 127.0.0.1:8000" in guide  # Caddy
    assert "proxy_pass http://127.0.0.1:8000;" in guide and re.search(r"listen 443 ssl", guide)  # nginx
    assert "proxy_set_header X-Forwarded-For $remote_addr;" in guide
    assert "proxy_set_header X-Forwarded-Proto $scheme;" in guide
    assert "OPENCCUS_TRUSTED_PROXIES=127.0.0.1" in guide
    assert "docs/deploy.md" in (ROOT / "README.md").read_text(encoding="utf-8")
