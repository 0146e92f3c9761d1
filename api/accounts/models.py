from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class Role(str, Enum):
    technician = "technician"
    business_admin = "business_admin"  # 事業者責任者 (tier 0) and 第1–第3階層管理者ID (tiers 1–3)
    site_manager = "site_manager"  # 現場管理者ID
    operator = "operator"  # 運営主体
    device = "device"  # card reader / face kiosk
    api_client = "api_client"  # private attendance systems (API連携)
    assessment_body = "assessment_body"  # 能力評価実施団体: judges level applications of its own trades
    registration_agent = "registration_agent"  # 代行登録担当者 of a 認定登録機関 / 建設業協会 (api/agents)


class Account(Model):
    id = fields.BigIntField(primary_key=True)
    login = fields.CharField(max_length=64, unique=True)
    password_hash = fields.CharField(max_length=200)
    role = fields.CharEnumField(Role, max_length=20)
    display_name = fields.CharField(max_length=100)
    email = fields.CharField(max_length=254, null=True)
    business: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Business", related_name="accounts", null=True, on_delete=fields.RESTRICT
    )
    technician: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Technician", related_name="accounts", null=True, on_delete=fields.RESTRICT
    )
    assessment_body: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.AssessmentBody", related_name="accounts", null=True, on_delete=fields.RESTRICT
    )
    # 0 = 事業者責任者ID; 1–3 = 第1–第3階層管理者ID. Only for business admins.
    admin_tier = fields.SmallIntField(null=True)
    is_active = fields.BooleanField(db_default=True, default=True)
    # Set when someone else chose the password (proxy registration, an admin's sub-account, an operator-made
    # account): until the holder picks their own, the account's tokens open only /auth/me, /auth/password and logout.
    must_change_password = fields.BooleanField(db_default=False, default=False)
    # SHA-256 of the key a client sent with the registration that made this account (api/registration/replay.py):
    # the same registration sent again after a lost answer gets this account back instead of a second one.
    request_key = fields.CharField(max_length=64, null=True, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "account"


class AccessToken(Model):
    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="tokens", on_delete=fields.CASCADE
    )
    token_hash = fields.CharField(max_length=64, unique=True)  # sha256 hex; the token itself is never stored
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "access_token"


class PasswordResetToken(Model):
    """A one-time password-reset link, stored as the SHA-256 of its token.

    The token itself is derived (HMAC with the data key) from `request_key` when the mail is sent, so a job that runs
    twice sends the same link and a database leak yields no usable link. Used once: a conditional UPDATE sets
    `used_at` (api/recovery/service.py)."""

    id = fields.BigIntField(primary_key=True)
    account: fields.ForeignKeyRelation[Account] = fields.ForeignKeyField(
        "models.Account", related_name="reset_tokens", on_delete=fields.CASCADE
    )
    request_key = fields.CharField(max_length=64, unique=True)  # one token per reset request and account
    token_hash = fields.CharField(max_length=64, unique=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "password_reset_token"


class LoginThrottle(Model):
    """Attempt counters of api/ratelimit.py when Redis is not configured (or unreachable). The key is a digest of
    the scope and the login name or address; times are epoch seconds, compared the same way on both back ends."""

    key = fields.CharField(max_length=64, primary_key=True)
    failures = fields.IntField(db_default=0, default=0)
    busy = fields.IntField(db_default=0, default=0)  # attempts in flight (reserved, not yet decided)
    last_failure = fields.FloatField(db_default=0, default=0)
    busy_since = fields.FloatField(db_default=0, default=0)
    locked_until = fields.FloatField(db_default=0, default=0)

    class Meta:
        table = "login_throttle"
