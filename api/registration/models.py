from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model

from api.businesses.models import ReviewStatus


class Tier(str, Enum):
    simplified = "simplified"  # 簡略型
    detailed = "detailed"  # 詳細型


class Technician(Model):
    id = fields.BigIntField(primary_key=True)
    technician_id = fields.CharField(max_length=14, unique=True, null=True)  # issued on approval
    employer: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Business", related_name="technicians", null=True, on_delete=fields.RESTRICT
    )
    tier = fields.CharEnumField(Tier, max_length=12, default=Tier.simplified)
    status = fields.CharEnumField(ReviewStatus, max_length=12, default=ReviewStatus.draft)
    family_name = fields.CharField(max_length=100)
    given_name = fields.CharField(max_length=100)
    family_name_kana = fields.CharField(max_length=100)
    given_name_kana = fields.CharField(max_length=100)
    birth_date = fields.DateField()
    sex = fields.CharField(max_length=10)
    nationality = fields.CharField(max_length=2)  # ISO 3166-1 alpha-2
    postal_code = fields.CharField(max_length=8)
    address = fields.CharField(max_length=300)
    phone = fields.CharField(max_length=20)
    email = fields.CharField(max_length=254, null=True)
    trades = fields.JSONField(default=list)  # up to 4 職種 codes
    experience_text = fields.TextField(null=True)
    social_insurance = fields.JSONField(default=dict)
    retirement_aid = fields.JSONField(default=dict)  # 建退共 / 中退共
    residence_status = fields.CharField(max_length=60, null=True)  # 在留資格
    residence_expiry = fields.DateField(null=True)  # 在留期間の満了日
    has_identity_document = fields.BooleanField(default=True)
    detailed = fields.JSONField(default=dict)  # 詳細型: 労災特別加入, health checks, education, training, awards
    disclosure = fields.JSONField(default=dict)  # what the technician lets others see beyond the defaults
    proxy_registered_by: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Business", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    proxy_consent_on = fields.DateField(null=True)
    registered_on = fields.DateField(null=True)  # first approval, Japan date
    employed_since = fields.DateField(null=True)  # with the current employer (経審 counts staff employed > 6 months)
    # Face check-in only with the technician's own consent; withdrawing it (or leaving the employer) deletes the
    # embeddings and evidence images (api/face/service.py).
    face_consent_at = fields.DatetimeField(null=True)
    face_error = fields.CharField(max_length=200, null=True)  # why the last enrolment failed, for the technician
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "technician"


class Qualification(Model):
    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation[Technician] = fields.ForeignKeyField(
        "models.Technician", related_name="qualifications", on_delete=fields.CASCADE
    )
    code = fields.CharField(max_length=10)
    acquired_on = fields.DateField()
    expires_on = fields.DateField(null=True)
    certificate: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.StoredImage", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    # Set when the operator approves the registration, upgrade or change application that carried it; until then
    # the qualification counts nowhere (levels, reports, 経審). See api/registration/changes.py.
    approved_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "qualification"
        unique_together = (("technician", "code"),)


class ApplicationKind(str, Enum):
    new = "new"
    upgrade = "upgrade"  # 簡略型 → 詳細型
    change = "change"  # 変更申請 after approval (api/registration/changes.py)
    renewal = "renewal"  # 登録更新: opens 6 months before expiry, issues the next period's card (renewal.py)


class SubjectType(str, Enum):
    technician = "technician"
    business = "business"


class Application(Model):
    id = fields.BigIntField(primary_key=True)
    subject_type = fields.CharEnumField(SubjectType, max_length=12)
    technician: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Technician", related_name="applications", null=True, on_delete=fields.CASCADE
    )
    business: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Business", related_name="applications", null=True, on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(ApplicationKind, max_length=10)
    proxy = fields.BooleanField(default=False)  # 代行申請 by the employer
    status = fields.CharEnumField(ReviewStatus, max_length=12, default=ReviewStatus.submitted)
    return_reasons = fields.JSONField(default=list)  # [{"field": ..., "reason": ...}]
    decisions = fields.IntField(default=0)  # counts returns and approvals; part of the notice job id
    submitted_at = fields.DatetimeField()
    # The fee is priced on the Japan date of the FIRST submission (docs/billing.md §4): a return and resubmission
    # keeps it, so neither the applicant's corrections nor the review's pace move the price. `fee_yen` is the fee
    # quoted then (recomputed on resubmission from that same date, as the returned data may have changed the tier or
    # the capital band); approval charges the tariff of `priced_on`. NULL for kinds without a fee (change).
    priced_on = fields.DateField(null=True)
    fee_yen = fields.IntField(null=True)
    decided_at = fields.DatetimeField(null=True)
    decided_by_id = fields.BigIntField(null=True)
    # 変更申請 only: what is applied for (qualification / data / prior_experience / kaitai), its data, its document,
    # and a key that allows one open application per technician and subject (unique; set to NULL on approval).
    change_type = fields.CharField(max_length=20, null=True)
    payload = fields.JSONField(null=True)
    document: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.StoredImage", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    change_key = fields.CharField(max_length=60, null=True, unique=True)  # NULL once decided for good
    applied_by_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "application"
        indexes = (("status", "subject_type"),)


class KaitaiEvidence(Model):
    """解体 condition (経審) for 1級/2級土木・建築施工管理技士 passed in FY2015 or earlier: one year of 解体 experience
    or the 登録解体工事講習, with its document, approved through a change application."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="kaitai_evidence", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=20)  # experience (1年以上の解体実務経験) / course (登録解体工事講習)
    completed_on = fields.DateField()  # the day the year of experience was complete, or the course was passed
    document: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.StoredImage", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    application_id = fields.BigIntField(unique=True)
    approved_at = fields.DatetimeField()

    class Meta:
        table = "kaitai_evidence"


class PriorExperience(Model):
    """Pre-registration experience certified by an employer's 経歴証明書, approved through a change application.

    Work days in one trade before CCUS registration (the certificate states them); counted by the level engine."""

    id = fields.BigIntField(primary_key=True)
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="prior_experience", on_delete=fields.CASCADE
    )
    trade = fields.CharField(max_length=10)
    days = fields.IntField()
    period_from = fields.DateField()
    period_to = fields.DateField()
    certifier = fields.CharField(max_length=200)  # the employer that issued the 経歴証明書
    document: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.StoredImage", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    application_id = fields.BigIntField(unique=True)
    approved_at = fields.DatetimeField()

    class Meta:
        table = "prior_experience"
