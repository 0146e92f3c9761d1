"""Registration agents (seed ⑥-3): 認定登録機関 and prefectural construction associations that register technicians and
businesses on their behalf, at a counter or from paper. See docs/agents.md."""

from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class AgentKind(str, Enum):
    certified = "certified"  # 認定登録機関
    association = "association"  # 建設業協会 (都道府県) and other 団体


class RegistrationAgent(Model):
    """An agent organisation, created (and so approved) by the operator. Its staff log in with their own accounts."""

    id = fields.BigIntField(primary_key=True)
    name = fields.CharField(max_length=200, unique=True)
    kind = fields.CharEnumField(AgentKind, max_length=12)
    prefecture = fields.CharField(max_length=2, null=True)  # JIS X 0401; NULL: nationwide
    corporate_number = fields.CharField(max_length=13, null=True)
    active = fields.BooleanField(default=True)  # a suspended agent's staff are refused (agent_suspended)
    created_by_id = fields.BigIntField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "registration_agent"


class AgentStaff(Model):
    """A 代行登録担当者: one account (role registration_agent) of one agent. A table of its own rather than a column on
    account, so the account table stays the same for every other role."""

    id = fields.BigIntField(primary_key=True)
    agent: fields.ForeignKeyRelation[RegistrationAgent] = fields.ForeignKeyField(
        "models.RegistrationAgent", related_name="staff", on_delete=fields.RESTRICT
    )
    account: fields.OneToOneRelation = fields.OneToOneField(
        "models.Account", related_name="agent_staff", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agent_staff"


class FilingChannel(str, Enum):
    counter = "counter"  # entered with the applicant at the counter
    paper = "paper"  # a paper application, its pages scanned


class AgentFiling(Model):
    """One application an agent filed, with the consent of the applicant. The application itself is the ordinary one
    (api/registration), reviewed in the operator's queue like any other; this row says who filed it."""

    id = fields.BigIntField(primary_key=True)
    agent: fields.ForeignKeyRelation[RegistrationAgent] = fields.ForeignKeyField(
        "models.RegistrationAgent", related_name="filings", on_delete=fields.RESTRICT
    )
    staff_account_id = fields.BigIntField()
    application: fields.OneToOneRelation = fields.OneToOneField(
        "models.Application", related_name="agent_filing", on_delete=fields.CASCADE
    )
    technician: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Technician", related_name=False, null=True, on_delete=fields.CASCADE
    )
    business: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.Business", related_name=False, null=True, on_delete=fields.CASCADE
    )
    channel = fields.CharEnumField(FilingChannel, max_length=10)
    consent_on = fields.DateField()  # the date on the signed consent form
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agent_filing"


class DocumentKind(str, Enum):
    consent = "consent"  # the signed consent form (同意書): required for every filing
    scan = "scan"  # a page of a paper application


class AgentDocument(Model):
    """A normalised JPEG of a filing, encrypted at rest like every stored image (api.crypto.Vault)."""

    id = fields.BigIntField(primary_key=True)
    filing: fields.ForeignKeyRelation[AgentFiling] = fields.ForeignKeyField(
        "models.AgentFiling", related_name="documents", on_delete=fields.CASCADE
    )
    kind = fields.CharEnumField(DocumentKind, max_length=10)
    page = fields.SmallIntField(default=1)
    content_type = fields.CharField(max_length=40)
    width = fields.IntField()
    height = fields.IntField()
    sha256 = fields.CharField(max_length=64)
    sealed = fields.BinaryField()
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "agent_document"
