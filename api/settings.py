"""One settings object for the whole service, read from the environment (and `.env`).

It is created once (by the CLI or the test fixtures) and passed explicitly: nothing imports a global instance.
"""

from __future__ import annotations

import base64
import secrets
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

ROOT = Path(__file__).resolve().parent.parent


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    # With no DATABASE_URL the service runs on the embedded default: SQLite under var/, jobs in-process.
    database_url: str | None = Field(default=None, validation_alias="DATABASE_URL")
    redis_url: str | None = Field(default=None, validation_alias="REDIS_URL")
    # A streaming replica of DATABASE_URL: the read-only operations that may lag (reports, KPIs, the career view,
    # exports; docs/scale-out.md lists them) read from it. Unset: everything reads from the primary.
    database_replica_url: str | None = Field(default=None, validation_alias="DATABASE_REPLICA_URL")
    # `transaction` when DATABASE_URL points at PgBouncer in transaction pooling mode: no named prepared statements
    # (a server connection is not ours between transactions) and no startup parameters (docs/deploy.md).
    database_pooler: Literal["none", "transaction"] = Field(default="none", validation_alias="OPENCCUS_DB_POOLER")
    var_dir: Path = Field(default=ROOT / "var", validation_alias="OPENCCUS_VAR_DIR")

    # Secrets: never committed. On the embedded default they are generated once into var/secrets/.
    data_key: SecretStr | None = Field(default=None, validation_alias="OPENCCUS_DATA_KEY")
    card_master_key: SecretStr | None = Field(default=None, validation_alias="OPENCCUS_CARD_MASTER_KEY")
    # Card master keys by key version (docs/card-profile.md §7.1): "1:<base64>,2:<base64>" and/or a key file of
    # "<version>:<base64>" lines; OPENCCUS_CARD_MASTER_KEY is version 1. Read through card_keys().
    card_master_keys: SecretStr | None = Field(default=None, validation_alias="OPENCCUS_CARD_MASTER_KEYS")
    card_master_key_file: Path | None = Field(default=None, validation_alias="OPENCCUS_CARD_MASTER_KEY_FILE")

    public_url: str = Field(default="http://127.0.0.1:8000", validation_alias="OPENCCUS_PUBLIC_URL")
    token_ttl_hours: int = Field(default=12, validation_alias="OPENCCUS_TOKEN_TTL_HOURS")
    login_max_failures: int = Field(default=5, ge=1, validation_alias="OPENCCUS_LOGIN_MAX_FAILURES")
    login_lock_minutes: int = Field(default=15, ge=1, validation_alias="OPENCCUS_LOGIN_LOCK_MINUTES")
    # Failed logins from one client address (any login names) within the window block that address for the window.
    login_max_failures_per_address: int = Field(
        default=30, ge=1, validation_alias="OPENCCUS_LOGIN_MAX_FAILURES_PER_ADDRESS"
    )
    login_address_window_minutes: int = Field(default=5, ge=1, validation_alias="OPENCCUS_LOGIN_ADDRESS_WINDOW_MINUTES")
    # Reverse proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or CIDR networks, comma
    # separated). Empty: the peer's own address is the client's, and forwarded headers are ignored.
    trusted_proxies: str = Field(default="", validation_alias="OPENCCUS_TRUSTED_PROXIES")
    # The PWA's session cookie gets the Secure attribute: "auto" = when the request came over https or from a
    # loopback address (browsers treat http://127.0.0.1 and localhost as secure contexts), "always", or "never".
    cookie_secure: str = Field(
        default="auto", pattern="^(auto|always|never)$", validation_alias="OPENCCUS_COOKIE_SECURE"
    )
    # Strict-Transport-Security max-age on responses served over https (0 turns HSTS off).
    hsts_seconds: int = Field(default=31_536_000, ge=0, validation_alias="OPENCCUS_HSTS_SECONDS")

    # E-mail (api/mail). With no SMTP host (the embedded default) mails are written to var/mail/ as .eml files and the
    # operator console shows them. STARTTLS is required by default whenever a host is set: credentials and reset links
    # never cross the network in clear; OPENCCUS_SMTP_TLS is implicit TLS (port 465) instead.
    smtp_host: str | None = Field(default=None, validation_alias="OPENCCUS_SMTP_HOST")
    smtp_port: int = Field(default=587, ge=1, le=65535, validation_alias="OPENCCUS_SMTP_PORT")
    smtp_user: str | None = Field(default=None, validation_alias="OPENCCUS_SMTP_USER")
    smtp_password: SecretStr | None = Field(default=None, validation_alias="OPENCCUS_SMTP_PASSWORD")
    smtp_starttls: bool = Field(default=True, validation_alias="OPENCCUS_SMTP_STARTTLS")
    smtp_tls: bool = Field(default=False, validation_alias="OPENCCUS_SMTP_TLS")
    smtp_timeout_s: float = Field(default=30.0, gt=0, validation_alias="OPENCCUS_SMTP_TIMEOUT")
    mail_from: str = Field(default="OpenCCUS <no-reply@localhost>", validation_alias="OPENCCUS_MAIL_FROM")
    # Password-reset links (api/recovery/service.py): how long one is valid, and how many mails an account gets.
    reset_token_minutes: int = Field(default=30, ge=5, le=24 * 60, validation_alias="OPENCCUS_RESET_TOKEN_MINUTES")
    # The first-password link of an account someone else opened (a registration agent's technician or business, an
    # agent's staff): longer than a reset link, as it goes out when the person is not waiting for it (api/agents).
    account_setup_hours: int = Field(default=72, ge=1, le=14 * 24, validation_alias="OPENCCUS_ACCOUNT_SETUP_HOURS")
    reset_max_per_account: int = Field(default=3, ge=1, validation_alias="OPENCCUS_RESET_MAX_PER_ACCOUNT")
    reset_max_per_address: int = Field(default=10, ge=1, validation_alias="OPENCCUS_RESET_MAX_PER_ADDRESS")

    max_upload_bytes: int = Field(default=8 * 1024 * 1024, validation_alias="OPENCCUS_MAX_UPLOAD_BYTES")
    max_image_pixels: int = Field(default=24_000_000, validation_alias="OPENCCUS_MAX_IMAGE_PIXELS")
    # The embedded default runs the batch schedule in the API process; tests turn it off to run jobs explicitly.
    run_schedule: bool = Field(default=True, validation_alias="OPENCCUS_RUN_SCHEDULE")
    pwa_dist: Path = Field(default=ROOT / "pwa" / "dist", validation_alias="OPENCCUS_PWA_DIST")
    # Billing and payments (api/billing, api/payments). Stripe keys are secrets: never committed. The API base is
    # only overridden in tests, to point the official SDK at a local fake server.
    stripe_api_key: SecretStr | None = Field(default=None, validation_alias="OPENCCUS_STRIPE_API_KEY")
    stripe_webhook_secret: SecretStr | None = Field(default=None, validation_alias="OPENCCUS_STRIPE_WEBHOOK_SECRET")
    stripe_api_base: str | None = Field(default=None, validation_alias="OPENCCUS_STRIPE_API_BASE")
    invoice_issuer_name: str = Field(default="OpenCCUS 運営主体", validation_alias="OPENCCUS_INVOICE_ISSUER_NAME")
    # 適格請求書発行事業者登録番号 (T + 13 digits), printed on every invoice.
    invoice_issuer_number: str = Field(default="T0000000000000", validation_alias="OPENCCUS_INVOICE_ISSUER_NUMBER")
    # 振込先: the account payers transfer to, on every invoice page and PDF (issue 19.4). Unset with PostgreSQL: the
    # invoice says to ask the operator, and the service warns at start; the embedded default shows a demo account,
    # labelled as one.
    bank_name: str | None = Field(default=None, validation_alias="OPENCCUS_BANK_NAME")
    bank_branch: str | None = Field(default=None, validation_alias="OPENCCUS_BANK_BRANCH")
    bank_account_type: Literal["普通", "当座"] = Field(default="普通", validation_alias="OPENCCUS_BANK_ACCOUNT_TYPE")
    bank_account_number: str | None = Field(
        default=None, validation_alias="OPENCCUS_BANK_ACCOUNT_NUMBER", pattern=r"^[0-9]{7}$"
    )
    bank_account_holder: str | None = Field(
        default=None,
        validation_alias="OPENCCUS_BANK_ACCOUNT_HOLDER",
        description="the holder's name in half-width kana, as the bank prints it",
    )
    # 一括支払方式 (seed ⑥-6, api/billing/lump_sum.py): its official price is not public, so the bands are
    # assumptions and the option is off until an operator sets a price and turns it on.
    lump_sum_enabled: bool = Field(default=False, validation_alias="OPENCCUS_LUMP_SUM_ENABLED")

    # Face check-in (api/face, docs/face.md). Workers: dlib processes (0 = one per core, leaving one core free above
    # two). The pool starts on first use, so an API that never sees a face never pays for loading the models.
    face_workers: int = Field(default=0, ge=0, le=64, validation_alias="OPENCCUS_FACE_WORKERS")
    face_threshold: float = Field(default=0.5, gt=0.0, le=1.0, validation_alias="OPENCCUS_FACE_THRESHOLD")
    face_margin: float = Field(default=0.06, ge=0.0, lt=1.0, validation_alias="OPENCCUS_FACE_MARGIN")
    # Liveness risk at or above this goes to the site's policy (review queue or card tap); below it is accepted.
    face_risk_limit: float = Field(default=0.5, ge=0.0, le=1.0, validation_alias="OPENCCUS_FACE_RISK_LIMIT")
    face_evidence_days: int = Field(default=90, ge=1, le=3650, validation_alias="OPENCCUS_FACE_EVIDENCE_DAYS")
    face_max_pending: int = Field(default=0, ge=0, validation_alias="OPENCCUS_FACE_MAX_PENDING")  # 0: 8 per worker
    # Refuse face photos without exactly one large enough face at upload. Only switched off by tests whose photos
    # are drawn, not taken.
    face_check_uploads: bool = Field(default=True, validation_alias="OPENCCUS_FACE_CHECK_UPLOADS")

    # Phone check-in (api/phone, docs/phone.md): faster than this between two of a person's check-ins is
    # `implausible_travel`. 300 km/h: a Shinkansen trip between two sites is still plausible.
    phone_max_speed_kmh: float = Field(default=300.0, gt=0, le=2000, validation_alias="OPENCCUS_PHONE_MAX_SPEED_KMH")

    def trusted_proxy_list(self) -> list[str]:
        return [p.strip() for p in self.trusted_proxies.split(",") if p.strip()]

    @property
    def embedded(self) -> bool:
        return self.database_url is None

    @property
    def sqlite_path(self) -> Path:
        return self.var_dir / "openccus.sqlite3"

    def db_url(self) -> str:
        if self.database_url:
            return _tortoise_url(self.database_url)
        return f"sqlite://{self.sqlite_path}"

    def replica_url(self) -> str | None:
        return _tortoise_url(self.database_replica_url) if self.database_replica_url and self.database_url else None

    def transfer_account(self) -> dict | None:
        """The 振込先, or None when it is not configured (a demo account on the embedded default)."""
        if self.bank_name and self.bank_branch and self.bank_account_number and self.bank_account_holder:
            return {
                "bank": self.bank_name,
                "branch": self.bank_branch,
                "account_type": self.bank_account_type,
                "account_number": self.bank_account_number,
                "holder": self.bank_account_holder,
                "demo": False,
            }
        if self.embedded:
            return {
                "bank": "デモ銀行",
                "branch": "本店営業部",
                "account_type": "普通",
                "account_number": "1234567",
                "holder": "ｵｰﾌﾟﾝｼｰｼｰﾕｰｴｽ",
                "demo": True,
            }
        return None

    @property
    def online_payment_available(self) -> bool:
        return self.stripe_api_key is not None

    def card_keys(self):  # -> api.cards.keys.MasterKeys
        """The card master keys by version; new cards take ``.newest``."""
        from api.cards.keys import load

        return load(self)

    def secret(self, name: str) -> bytes:
        """A 32-byte secret from settings, or (embedded default only) one generated once under var/secrets/."""
        value: SecretStr | None = getattr(self, name)
        if value is not None:
            return base64.urlsafe_b64decode(value.get_secret_value())
        if not self.embedded:
            raise RuntimeError(f"{name.upper()} must be set when DATABASE_URL is set (see README, Configuration)")
        path = self.var_dir / "secrets" / name
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            path.write_text(base64.urlsafe_b64encode(secrets.token_bytes(32)).decode())
            path.chmod(0o600)
        return base64.urlsafe_b64decode(path.read_text().strip())


def _tortoise_url(url: str) -> str:
    # tortoise names the asyncpg back end "asyncpg://"; accept the usual postgres spellings too.
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "asyncpg://" + url[len(prefix) :]
    return url
