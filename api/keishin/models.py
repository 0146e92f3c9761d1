from tortoise import fields
from tortoise.models import Model


class ContractHistory(Model):
    """One 工事経歴書 row of a business: the input of 別紙一 (completed construction by industry)."""

    id = fields.BigIntField(primary_key=True)
    business: fields.ForeignKeyRelation = fields.ForeignKeyField("models.Business", related_name="contract_history",
                                                                 on_delete=fields.CASCADE)
    customer = fields.CharField(max_length=200)
    work_name = fields.CharField(max_length=200)
    prime = fields.BooleanField()
    location = fields.CharField(max_length=200)
    amount_thousand_yen = fields.BigIntField()
    started_on = fields.DateField(null=True)
    completed_on = fields.DateField(null=True)
    industry_code = fields.CharField(max_length=2)
    breakdown_code = fields.CharField(max_length=3, null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "contract_history"
        indexes = (("business_id", "completed_on"),)
