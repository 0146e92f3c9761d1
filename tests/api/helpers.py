"""Building blocks for API tests: every step goes through the HTTP API, as a user's client would."""

from __future__ import annotations

import io
import itertools
from typing import Any

import httpx
from PIL import Image
from stdnum.jp import cn

PASSWORD = "a-long-test-password"
_seq = itertools.count(1)


def corporate_number(n: int) -> str:
    body = f"{n:012d}"
    return cn.calc_check_digit(body) + body


def jpeg(width: int = 400, height: int = 500, *, orientation: int | None = None, color=(180, 140, 120)) -> bytes:
    img = Image.new("RGB", (width, height), color)
    img.paste((20, 20, 200), (0, 0, width // 4, height // 4))  # a marker in the top-left corner
    buf = io.BytesIO()
    exif = Image.Exif()
    if orientation:
        exif[0x0112] = orientation
    img.save(buf, "JPEG", exif=exif.tobytes())
    return buf.getvalue()


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def business_payload(**over: Any) -> dict[str, Any]:
    n = next(_seq)
    data = {
        "corporate_number": corporate_number(7000 + n),
        "name": f"テスト建設{n}株式会社",
        "name_kana": "テストケンセツ",
        "capital_yen": 30_000_000,
        "permitted_industries": ["01", "05"],
        "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"},
        "postal_code": "100-0001",
        "prefecture": "13",
        "address": "千代田区1-1",
        "phone": "03-1234-5678",
        "email": f"b{n}@example.jp",
        "admin": {"password": PASSWORD, "display_name": "責任者"},
    }
    data.update(over)
    return data


def technician_payload(**over: Any) -> dict[str, Any]:
    n = next(_seq)
    data = {
        "password": PASSWORD,
        "family_name": "山田",
        "given_name": f"太郎{n}",
        "family_name_kana": "ヤマダ",
        "given_name_kana": "タロウ",
        "birth_date": "1985-04-01",
        "sex": "male",
        "postal_code": "100-0001",
        "address": "東京都千代田区1-1",
        "phone": f"090-1111-{n:04d}",
        "trades": ["05-01"],
        "social_insurance": {"health": "enrolled", "pension": "enrolled", "employment": "enrolled"},
        "retirement_aid": {"kentaikyo": True},
    }
    data.update(over)
    return data


async def create_operator(login: str = "op") -> None:
    from api.accounts.models import Role
    from api.accounts.service import create_account

    await create_account(login=login, password=PASSWORD, role=Role.operator, display_name="審査担当")


async def login(client: httpx.AsyncClient, login_name: str, password: str = PASSWORD) -> str:
    """A token; for an account whose password someone else chose, after the forced change at first login — to a
    temporary password and back, so the test's password keeps working (tests/api/test_mail_recovery.py tests the
    refusal before the change)."""
    r = await client.post("/api/v1/auth/login", json={"login": login_name, "password": password})
    assert r.status_code == 200, r.text
    token = r.json()["token"]
    if r.json()["account"].get("must_change_password"):
        await change_password(client, token, password, password + "-first-login")
        await change_password(client, token, password + "-first-login", password)
    return token


async def change_password(client: httpx.AsyncClient, token: str, current: str, new: str) -> httpx.Response:
    r = await client.post(
        "/api/v1/auth/password", headers=auth(token), json={"current_password": current, "new_password": new}
    )
    assert r.status_code == 200, r.text
    return r


async def operator_token(client: httpx.AsyncClient) -> str:
    await create_operator()
    return await login(client, "op")


async def register_business(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/businesses", json=business_payload(**over))
    assert r.status_code == 201, r.text
    return r.json()


async def approved_business(client: httpx.AsyncClient, op: str, **over: Any) -> dict[str, Any]:
    reg = await register_business(client, **over)
    r = await client.post(f"/api/v1/review/applications/{reg['application_id']}/approve", headers=auth(op))
    assert r.status_code == 200, r.text
    return reg


async def register_technician(client: httpx.AsyncClient, **over: Any) -> dict[str, Any]:
    r = await client.post("/api/v1/technicians", json=technician_payload(**over))
    assert r.status_code == 201, r.text
    return r.json()


async def upload(client: httpx.AsyncClient, token: str, pk: int, what: str, data: bytes) -> httpx.Response:
    return await client.put(
        f"/api/v1/technicians/{pk}/{what}", headers=auth(token), files={"file": ("photo.jpg", data, "image/jpeg")}
    )


async def submitted_technician(client: httpx.AsyncClient, *, photo: bytes | None = None, **over: Any) -> dict[str, Any]:
    """Registered with a face photo (drawn unless `photo` is given) and an identity document, and applied for."""
    reg = await register_technician(client, **over)
    pk, token = reg["technician"]["id"], reg["token"]
    r = await upload(client, token, pk, "photo", photo or jpeg())
    assert r.status_code == 200, r.text
    assert (await upload(client, token, pk, "id-document", jpeg(800, 500))).status_code == 200
    r = await client.post(f"/api/v1/technicians/{pk}/applications", headers=auth(token), json={"kind": "new"})
    assert r.status_code == 201, r.text
    return {"pk": pk, "token": token, "application": r.json(), "login_id": reg["login_id"]}


async def table_counts() -> dict[str, int]:
    """Row counts of every table, to show that a refused request wrote nothing."""
    from tortoise import Tortoise

    counts = {}
    for model in Tortoise.apps["models"].values():
        counts[model._meta.db_table] = await model.all().count()
    return counts
