from tortoise import fields
from tortoise.models import Model


class ContractHistory(Model):
    """One 工事経歴書 row of a business: the input of 別紙一 (completed construction by industry)."""

    id = fields.BigIntField(primary_key=True)
    business: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="contract_history", on_delete=fields.CASCADE
    )
    customer = fields.CharField(max_length=200)
    work_name = fields.CharField(max_length=200)
    prime = fields.BooleanField()
    location = fields.CharField(max_length=200)
    amount_thousand_yen = fields.BigIntField()
    started_on = fields.DateField(null=True)
    completed_on = fields.DateField(null=True)
    industry_code = fields.CharField(max_length=2)
    breakdown_code = fields.CharField(max_length=3, null=True)
    # W1⑩: the CCUS site of this work (a 元請 work counts as registered only when linked), whether the orderer is
    # public, and an exemption (overseas / minor / disaster) that leaves the work out of the test.
    site: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Site", related_name=False, null=True, on_delete=fields.SET_NULL
    )
    public = fields.BooleanField(default=False)
    exemption = fields.CharField(max_length=10, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True, null=True)

    class Meta:
        table = "contract_history"
        indexes = (("business_id", "completed_on"),)
