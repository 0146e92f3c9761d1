from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class ReviewStatus(str, Enum):
    draft = "draft"
    submitted = "submitted"
    returned = "returned"
    approved = "approved"


class Business(Model):
    id = fields.BigIntField(primary_key=True)
    business_id = fields.CharField(max_length=14, unique=True)  # 14 digits, Damm check digit (api.ids)
    corporate_number = fields.CharField(max_length=13, unique=True, null=True)  # 法人番号; none for individuals
    # A 法人番号 that another registration already holds: kept here (not unique) for the operator, who decides at
    # review; the applicant gets the same answer as any new registration, so registering tells nobody who is in.
    corporate_number_claim = fields.CharField(max_length=13, null=True)
    name = fields.CharField(max_length=200)
    name_kana = fields.CharField(max_length=200)
    capital_yen = fields.BigIntField(null=True)  # None for individual proprietors
    sole_proprietor = fields.BooleanField(default=False)  # 一人親方
    permit_number = fields.CharField(max_length=40, null=True)  # 建設業許可番号
    permitted_industries = fields.JSONField(default=list)  # 2-digit industry codes 01–29
    social_insurance = fields.JSONField(default=dict)  # health / pension / employment status
    postal_code = fields.CharField(max_length=8)
    prefecture = fields.CharField(max_length=2)  # JIS X 0401 code 01–47
    address = fields.CharField(max_length=300)
    phone = fields.CharField(max_length=20)
    email = fields.CharField(max_length=254)
    status = fields.CharEnumField(ReviewStatus, max_length=12, default=ReviewStatus.submitted)
    # A missing upper tier entered by the prime (or the tier above) so the tiers below can join a contract tree at
    # their real 次数 (seed ⑥-4, api/sites/placeholders.py): a name and a 法人番号, no accounts, never billed. Its
    # 法人番号 is kept apart from corporate_number so the firm itself can still register with it; on the approval of
    # that registration the placeholder's contracts move to it and merged_into_id records the move (once).
    placeholder = fields.BooleanField(default=False, db_default=False)
    placeholder_corporate_number = fields.CharField(max_length=13, unique=True, null=True)
    merged_into_id = fields.BigIntField(null=True)
    approved_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "business"
