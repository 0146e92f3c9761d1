"""Master data read from the domains that own it (registration: trades and qualifications; businesses: industries
and prefectures; sites: positions). Nothing is copied here: the tables are assembled from their owners on request."""

from __future__ import annotations

from functools import cache
from typing import Literal

from api.businesses.masters import INDUSTRIES, PREFECTURES
from api.masters.schemas import Code, CodeTable, MastersOut
from api.registration import masters as registration_masters
from api.sites.models import Position

TableName = Literal["trades", "positions", "qualifications", "industries", "prefectures"]

# Position labels as the roster and the 作業員名簿 print them.
POSITION_NAMES = {
    Position.foreman: ("職長", "Foreman"),
    Position.team_leader: ("班長", "Team leader"),
    Position.worker: ("一般", "Worker"),
    Position.apprentice: ("見習い", "Apprentice"),
}

ID_CHECK_DIGIT = (
    "14 digits; the 14th is a Damm check digit over the first 13 (python-stdnum `damm`, "
    "api/ids.py). The real CCUS IDs have no published structure, so OpenCCUS's IDs are its own. "
    "A wrong digit or a swap of neighbours is refused with 422 invalid_check_digit before any lookup. "
    "法人番号 (13 digits) use the 国税庁 check digit."
)


@cache
def _tables() -> tuple[CodeTable, ...]:
    trades = registration_masters.trades()
    industries_of = registration_masters.trade_industries()
    return (
        CodeTable(
            name="trades",
            source="OpenCCUS (the official CCUS 職種 code list is not public; api/registration/data/trades.csv)",
            provisional=True,
            codes=[Code(code=c, name=n, keishin_industry=industries_of.get(c)) for c, n in trades.items()],
        ),
        CodeTable(
            name="positions",
            source="CCUS 施工体制登録: 職長・班長・一般・見習い",
            provisional=False,
            codes=[Code(code=p.value, name=POSITION_NAMES[p][0], name_en=POSITION_NAMES[p][1]) for p in Position],
        ),
        CodeTable(
            name="qualifications",
            source="経審 有資格区分コード (api/keishin/data/qualifications.csv, with "
            "each row's source and status) and OpenCCUS's own codes for training, 登録基幹技能者 and awards "
            "(api/registration/data/qualifications_other.csv)",
            provisional=False,
            codes=[
                Code(code=q["code"], name=q["name"], category=q.get("category"))
                for q in registration_masters.qualifications().values()
            ],
        ),
        CodeTable(
            name="industries",
            source="建設業法 別表第一: the 29 permit industries (the codes 経審 uses)",
            provisional=False,
            codes=[Code(code=c, name=n) for c, n in INDUSTRIES.items()],
        ),
        CodeTable(
            name="prefectures",
            source="JIS X 0401",
            provisional=False,
            codes=[Code(code=c, name=n) for c, n in PREFECTURES.items()],
        ),
    )


def all_tables() -> MastersOut:
    return MastersOut(tables=list(_tables()), id_check_digit=ID_CHECK_DIGIT)


def table(name: str) -> CodeTable | None:
    return next((t for t in _tables() if t.name == name), None)
