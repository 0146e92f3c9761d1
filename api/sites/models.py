from __future__ import annotations

from enum import Enum

from tortoise import fields
from tortoise.models import Model


class OrderType(str, Enum):
    public = "public"  # 公共
    private = "private"  # 民間


class SiteKind(str, Enum):
    work = "work"  # a construction site (現場)
    training = "training"  # a CCUS登録教育訓練機関, registered as a site by the operator (api/sites/training.py)


class Site(Model):
    id = fields.BigIntField(primary_key=True)
    site_id = fields.CharField(max_length=14, unique=True)  # 14 digits, Damm check digit
    prime: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="prime_sites", on_delete=fields.RESTRICT
    )
    name = fields.CharField(max_length=200)
    address = fields.CharField(max_length=300)
    order_type = fields.CharEnumField(OrderType, max_length=10)
    window_start = fields.DateField()  # 就業履歴蓄積期間: taps outside it are stored as rejected
    window_end = fields.DateField()
    # Kept for old clients only: it no longer decides a tap's work day (docs/workrecords.md). A shift belongs to the
    # day of its entry, and an exit pairs with the open entry within shift_hours.
    cutoff_hour = fields.SmallIntField(default=0)
    shift_hours = fields.SmallIntField(db_default=24, default=24)  # longest shift: an exit later than this is lone
    hazardous = fields.BooleanField(default=False)  # 有害物質取扱い
    geofence_lat = fields.FloatField(null=True)
    geofence_lon = fields.FloatField(null=True)
    geofence_radius_m = fields.IntField(null=True)
    face_threshold = fields.FloatField(db_default=0.5, default=0.5)  # best distance must be within this
    face_policy = fields.CharField(max_length=10, db_default="review", default="review")  # accept / review / card
    kind = fields.CharEnumField(SiteKind, max_length=10, db_default="work", default=SiteKind.work)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "site"


class TrainingBasis(str, Enum):
    """Why an institution qualifies as a CCUS登録教育訓練機関 (建設業振興基金, from 2025-10-01)."""

    vocational_training = "vocational_training"  # ① 職業訓練法人 / 認定職業訓練を行う団体 (職業能力開発促進法)
    industry_group = "industry_group"  # ② 複数の建設企業の財団・社団・組合で訓練施設を持つもの


class TrainingInstitution(Model):
    """The operator's record of a training site: the institution's qualifying basis and where it was published."""

    site: fields.OneToOneRelation[Site] = fields.OneToOneField(
        "models.Site", related_name="training", on_delete=fields.CASCADE, primary_key=True
    )
    basis = fields.CharEnumField(TrainingBasis, max_length=20)
    basis_detail = fields.CharField(max_length=500)  # e.g. the 認定 number or the member firms
    source_url = fields.CharField(max_length=500)
    source_date = fields.DateField()  # the date of the publication that names the institution
    registered_by_id = fields.BigIntField()  # the operator account
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "training_institution"


class SiteManager(Model):
    id = fields.BigIntField(primary_key=True)
    site: fields.ForeignKeyRelation[Site] = fields.ForeignKeyField(
        "models.Site", related_name="managers", on_delete=fields.CASCADE
    )
    account: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Account", related_name="managed_sites", on_delete=fields.CASCADE
    )

    class Meta:
        table = "site_manager"
        unique_together = (("site", "account"),)


class ContractStatus(str, Enum):
    invited = "invited"
    approved = "approved"
    declined = "declined"


class SiteContract(Model):
    """One business's place in a site's contract tree (施工体制): the prime at tier 0, its subcontractors below."""

    id = fields.BigIntField(primary_key=True)
    site: fields.ForeignKeyRelation[Site] = fields.ForeignKeyField(
        "models.Site", related_name="contracts", on_delete=fields.CASCADE
    )
    business: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="site_contracts", on_delete=fields.RESTRICT
    )
    parent: fields.ForeignKeyNullableRelation = fields.ForeignKeyField(
        "models.SiteContract", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    tier = fields.SmallIntField()
    status = fields.CharEnumField(ContractStatus, max_length=10)
    proxy = fields.BooleanField(default=False)  # registered by the direct upper tier (代理手続き)
    decided_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField(auto_now_add=True)

    class Meta:
        table = "site_contract"
        unique_together = (("site", "business"),)


class Position(str, Enum):
    foreman = "foreman"  # 職長
    team_leader = "team_leader"  # 班長
    worker = "worker"  # 一般
    apprentice = "apprentice"  # 見習い


class RosterEntry(Model):
    """施工体制技能者: a technician's trade, position and work content on one site, registered by the employer."""

    id = fields.BigIntField(primary_key=True)
    site: fields.ForeignKeyRelation[Site] = fields.ForeignKeyField(
        "models.Site", related_name="roster", on_delete=fields.CASCADE
    )
    technician: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Technician", related_name="roster_entries", on_delete=fields.RESTRICT
    )
    employer: fields.ForeignKeyRelation = fields.ForeignKeyField(
        "models.Business", related_name="roster_entries", on_delete=fields.RESTRICT
    )
    trade = fields.CharField(max_length=10)
    position = fields.CharEnumField(Position, max_length=12)
    work_content = fields.CharField(max_length=200, null=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField(auto_now_add=True)
    updated_at = fields.DatetimeField(auto_now=True)

    class Meta:
        table = "roster_entry"
        unique_together = (("site", "technician"),)
