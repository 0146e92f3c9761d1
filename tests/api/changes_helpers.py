"""Change applications (変更申請) over HTTP: apply with the document image, and the operator's decision."""

from __future__ import annotations

import json
from typing import Any

from tests.api.helpers import auth, jpeg


def document() -> dict:
    return {"file": ("c.jpg", jpeg(800, 600), "image/jpeg")}


async def apply_change(
    client,
    token: str,
    pk: int,
    change_type: str,
    payload: dict[str, Any],
    *,
    file: bytes | None = None,
    with_file: bool = True,
):
    files: dict[str, Any] = {"type": (None, change_type), "payload": (None, json.dumps(payload))}
    if with_file:
        files["file"] = ("c.jpg", file if file is not None else jpeg(800, 600), "image/jpeg")
    return await client.post(f"/api/v1/technicians/{pk}/change-applications", headers=auth(token), files=files)


async def approve(client, op: str, app_id: int):
    return await client.post(f"/api/v1/review/applications/{app_id}/approve", headers=auth(op))


async def approved_change(client, op: str, token: str, pk: int, change_type: str, payload: dict[str, Any]) -> dict:
    r = await apply_change(client, token, pk, change_type, payload, with_file=change_type != "data")
    assert r.status_code == 201, r.text
    d = await approve(client, op, r.json()["id"])
    assert d.status_code == 200, d.text
    return r.json()


async def approved_qualification(client, op: str, token: str, pk: int, code: str, acquired_on: str) -> dict:
    return await approved_change(client, op, token, pk, "qualification", {"code": code, "acquired_on": acquired_on})
