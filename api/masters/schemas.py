"""The code tables an integrator needs to fill in requests and read answers, each with where its codes come from."""

from __future__ import annotations

from pydantic import BaseModel, Field


class Code(BaseModel):
    code: str
    name: str = Field(description="Japanese name")
    name_en: str | None = Field(default=None, description="English name, where the table has one")
    category: str | None = Field(default=None, description="qualifications: keishin, training, skill, award, …")
    keishin_industry: str | None = Field(
        default=None, description="trades: the 2-digit 建設業種 its level counts for in 経審"
    )


class CodeTable(BaseModel):
    name: str = Field(description="trades | positions | qualifications | industries | prefectures")
    source: str = Field(description="where the codes come from; 'OpenCCUS' where the official list is not public")
    provisional: bool = Field(description="true when the codes are OpenCCUS's own, not an official list")
    codes: list[Code]


class MastersOut(BaseModel):
    tables: list[CodeTable]
    id_check_digit: str = Field(description="how the 14-digit 技能者ID, 事業者ID and 現場ID are checked")
