"""Demonstration data for the embedded default: a prime contractor, two subcontractors, ten technicians (簡略型 and
詳細型, one foreign with a residence expiry) and an operator, so a fresh `serve` shows something real.

Idempotent: running it again changes nothing. Demo passwords are printed because they are demo data.
"""

from __future__ import annotations

import io
from datetime import date, timedelta

from PIL import Image, ImageDraw
from stdnum.jp import cn
from tortoise.transactions import in_transaction

from api import db
from api.accounts.models import Account, Role
from api.accounts.service import create_account
from api.businesses.models import Business
from api.businesses.schemas import BusinessRegisterIn
from api.businesses.service import register_business
from api.crypto import Vault
from api.media.models import ImageKind
from api.registration import review, service
from api.registration.models import ApplicationKind, Qualification, Tier
from api.registration.schemas import DetailedIn, IdentityFields
from api.settings import Settings
from api.timeutil import today_jst

DEMO_PASSWORD = "openccus-demo-2026"
INSURED = {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"}


def corporate_number(body12: str) -> str:
    return cn.calc_check_digit(body12) + body12


def avatar(seed: int) -> bytes:
    """A drawn head-and-shoulders placeholder (demo data carries no real faces)."""
    img = Image.new("RGB", (300, 380), (200 + seed * 5 % 55, 215, 230))
    d = ImageDraw.Draw(img)
    d.ellipse((95, 70, 205, 200), fill=(236, 200, 170))
    d.rectangle((60, 230, 240, 380), fill=(40 + seed * 20 % 200, 80, 140))
    buf = io.BytesIO()
    img.save(buf, "JPEG")
    return buf.getvalue()


BUSINESSES = [
    (
        "100001",
        "株式会社大和建設",
        "ヤマトケンセツ",
        300_000_000,
        ["01", "02", "05"],
        "13",
        "千代田区丸の内1-1-1",
        "yamato",
    ),
    ("100002", "有限会社鈴木鉄筋", "スズキテッキン", 8_000_000, ["12"], "11", "さいたま市浦和区高砂2-2", "suzuki"),
    ("100003", "田中内装株式会社", "タナカナイソウ", 20_000_000, ["19", "16"], "14", "横浜市中区本町3-3", "tanaka"),
]

TECHNICIANS = [  # family, given, kana, kana, birth, sex, trades, employer index, tier, nationality, approved
    ("佐藤", "健", "サトウ", "ケン", date(1980, 4, 12), "male", ["05-01"], 1, Tier.detailed, "JP", True),
    ("鈴木", "大輔", "スズキ", "ダイスケ", date(1975, 9, 3), "male", ["05-01", "06-01"], 1, Tier.detailed, "JP", True),
    ("高橋", "誠", "タカハシ", "マコト", date(1962, 1, 20), "male", ["02-01"], 0, Tier.detailed, "JP", True),
    ("田中", "美咲", "タナカ", "ミサキ", date(1992, 6, 30), "female", ["15-01"], 2, Tier.simplified, "JP", True),
    ("伊藤", "翔", "イトウ", "ショウ", date(1998, 11, 8), "male", ["16-01"], 2, Tier.simplified, "JP", True),
    ("渡辺", "拓也", "ワタナベ", "タクヤ", date(1988, 2, 29), "male", ["06-01"], 0, Tier.simplified, "JP", True),
    ("山本", "修", "ヤマモト", "オサム", date(1970, 7, 7), "male", ["07-01"], 0, Tier.simplified, "JP", False),
    ("中村", "優", "ナカムラ", "ユウ", date(2001, 3, 15), "female", ["13-01"], 2, Tier.simplified, "JP", False),
    (
        "グエン",
        "ヴァン アン",
        "グエン",
        "ヴァン アン",
        date(1996, 5, 21),
        "male",
        ["05-01"],
        1,
        Tier.simplified,
        "VN",
        True,
    ),
    ("小林", "剛", "コバヤシ", "ツヨシ", date(1985, 12, 1), "male", ["03-01"], 0, Tier.simplified, "JP", False),
]


# 能力評価実施団体: one per trade body, each judging its own trades' level applications (api/levels/judged.py). The
# first three are the bodies named by the criteria data (api/levels/data/criteria.json); the others judge under the
# provisional default criteria until their own are added.
ASSESSMENT_BODIES = [
    ("(公社)全国鉄筋工事業協会", ["05-01"], "tekkin-body"),
    ("(一社)JBN・全国工務店協会", ["02-01"], "jbn-body"),
    ("全国板硝子工事協同組合連合会", ["16-01"], "glass-body"),
    ("(一社)日本鳶工業連合会", ["06-01", "07-01"], "tobi-body"),
    ("(一社)全国建設室内工事業協会", ["15-01"], "interior-body"),
]


async def create_operator(settings: Settings, *, login: str, password: str, name: str) -> None:
    await db.init(settings)
    try:
        if await Account.filter(login=login).exists():
            raise ValueError(f"the login {login} is taken")
        await create_account(login=login, password=password, role=Role.operator, display_name=name)
    finally:
        await db.close()


async def load(settings: Settings) -> str:
    await db.init(settings)
    try:
        if await Business.filter(corporate_number=corporate_number(BUSINESSES[0][0] + "000000")).exists():
            return "demo data already loaded"
        async with in_transaction("default"):
            await _load(settings)
    finally:
        await db.close()
    return (
        f"demo data loaded. Log in as operator / {DEMO_PASSWORD}; firms: yamato-admin, suzuki-admin, "
        f"tanaka-admin; technicians: tech01 … tech10; assessment bodies: "
        f"{', '.join(login for _, _, login in ASSESSMENT_BODIES)} (same password)"
    )


async def _load(settings: Settings) -> None:
    vault = Vault(settings.secret("data_key"))
    operator = await create_account(
        login="operator", password=DEMO_PASSWORD, role=Role.operator, display_name="運営主体 審査担当"
    )
    firms = []
    for body, name, kana, capital, industries, pref, address, login in BUSINESSES:
        data = BusinessRegisterIn(
            corporate_number=corporate_number(body + "000000"),
            name=name,
            name_kana=kana,
            capital_yen=capital,
            permitted_industries=industries,
            social_insurance=INSURED,
            postal_code="100-0001",
            prefecture=pref,
            address=address,
            phone="03-0000-0000",
            email=f"info@{login}.example.jp",
            admin={"password": DEMO_PASSWORD, "display_name": f"{name} 事業者責任者"},
        )
        business, _ = await register_business(data=data, admin_login=f"{login}-admin")
        app = await review.submit_business_application(business=business)
        await review.approve(actor=operator, app=app, settings=settings)
        firms.append(business)
    await create_account(
        login="yamato-site",
        password=DEMO_PASSWORD,
        role=Role.site_manager,
        display_name="大和建設 現場管理者",
        business=firms[0],
    )
    from api.levels.judged import create_body

    for name, trades, login in ASSESSMENT_BODIES:
        await create_body(
            actor=operator, name=name, trades=trades, login=login, password=DEMO_PASSWORD, display_name=name
        )
    for i, (fam, giv, fk, gk, birth, sex, trades, emp, tier, nat, approved) in enumerate(TECHNICIANS, start=1):
        foreign = nat != "JP"
        identity = IdentityFields(
            family_name=fam,
            given_name=giv,
            family_name_kana=fk,
            given_name_kana=gk,
            birth_date=birth,
            sex=sex,
            nationality=nat,
            postal_code="100-0001",
            address="東京都千代田区",
            phone=f"090-0000-{i:04d}",
            trades=trades,
            social_insurance=INSURED,
            retirement_aid={"kentaikyo": True},
            residence_status="特定技能2号" if foreign else None,
            residence_expiry=today_jst() + timedelta(days=60) if foreign else None,
        )
        tech = await service.Technician.create(**identity.model_dump(), employer=firms[emp])
        account = await create_account(
            login=f"tech{i:02d}",
            password=DEMO_PASSWORD,
            role=Role.technician,
            display_name=f"{fam} {giv}",
            technician=tech,
        )
        await service.set_photo(
            actor=account, tech=tech, kind=ImageKind.face_photo, raw=avatar(i), settings=settings, vault=vault
        )
        await service.set_photo(
            actor=account, tech=tech, kind=ImageKind.id_document, raw=avatar(i + 50), settings=settings, vault=vault
        )
        app = await review.submit(actor=account, tech=tech, kind=ApplicationKind.new)
        if not approved:
            continue
        await review.approve(actor=operator, app=app, settings=settings)
        if tier is Tier.detailed:
            await _make_detailed(tech, account, operator, vault, settings)


async def _make_detailed(tech, account, operator, vault, settings) -> None:
    await service.set_detailed(
        actor=account,
        tech=tech,
        data=DetailedIn(
            labour_insurance_special=False,
            health_checks=[{"name": "定期健康診断", "on": "2026-04-10"}],
            trainings=[{"name": "職長・安全衛生責任者教育", "on": "2015-06-01"}],
        ),
    )
    stored = await service.store_image(
        actor=account,
        tech=tech,
        kind=ImageKind.certificate,
        raw=avatar(99),
        settings=settings,
        vault=vault,
        editable_check=False,
    )
    await Qualification.create(technician=tech, code="T01", acquired_on=date(2008, 5, 1), certificate=stored)
    app = await review.submit(actor=account, tech=tech, kind=ApplicationKind.upgrade)
    await review.approve(actor=operator, app=app, settings=settings)
