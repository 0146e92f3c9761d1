"""The route contract of api/http.py: types come from the handler's signature, responses are checked by pydantic."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Literal

import httpx
import pytest
from pydantic import BaseModel
from starlette.applications import Starlette

from api.error_handlers import exception_handlers
from api.http import Ctx, ResponseContractError, Router


class ThingIn(BaseModel):
    name: str


class ThingQuery(BaseModel):
    limit: int = 10


class ThingOut(BaseModel):
    id: int
    name: str
    limit: int = 0


router = Router()


@router.get("/things/{pk:int}", summary="read", tags=["t"], transactional=False)
async def read(ctx: Ctx, pk: int, query: ThingQuery) -> ThingOut:
    return {"id": pk, "name": "dict", "limit": query.limit, "extra": "dropped"}  # type: ignore[return-value]


@router.post("/things/{kind}", summary="write", tags=["t"], transactional=False, status=201)
async def write(ctx: Ctx, kind: Literal["a", "b"], body: ThingIn) -> ThingOut:
    return ThingOut(id=1, name=f"{kind}:{body.name}")


@router.get("/broken", summary="a handler that breaks its contract", tags=["t"], transactional=False)
async def broken(ctx: Ctx) -> list[ThingOut]:
    return [{"id": "not a number", "name": "x"}]  # type: ignore[list-item]


@router.get("/legacy/{pk:int}", summary="old style", tags=["t"], transactional=False, response=ThingOut)
async def legacy(ctx: Ctx):
    return ThingOut(id=int(ctx.path["pk"]), name="legacy")


def test_types_come_from_the_signature():
    by_name = {ep.handler.__name__: ep for ep in router.endpoints}
    assert by_name["read"].query is ThingQuery and by_name["read"].response is ThingOut
    assert by_name["read"].path_args == {"pk": int}
    assert by_name["write"].body is ThingIn and by_name["write"].path_values == {"kind": ["a", "b"]}
    assert by_name["broken"].response == list[ThingOut]
    assert by_name["legacy"].response is ThingOut and not by_name["legacy"].path_args


def test_a_path_parameter_must_be_in_the_path():
    with pytest.raises(AssertionError, match="not in"):

        @Router().get("/x", summary="", tags=[])
        async def bad(ctx: Ctx, pk: int) -> None: ...


@pytest.fixture
async def client():
    app = Starlette(routes=router.routes(), exception_handlers=exception_handlers())
    app.state.settings = SimpleNamespace(max_upload_bytes=1 << 20)
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t") as c:
        yield c


async def test_a_dict_is_validated_and_serialised_through_the_model(client):
    r = await client.get("/api/v1/things/7?limit=3")
    assert r.status_code == 200
    assert r.json() == {"id": 7, "name": "dict", "limit": 3}  # the key the model lacks is not sent


async def test_body_and_path_arguments(client):
    r = await client.post("/api/v1/things/a", json={"name": "n"})
    assert r.status_code == 201 and r.json() == {"id": 1, "name": "a:n", "limit": 0}
    r = await client.post("/api/v1/things/a", json={})
    assert r.status_code == 422 and r.json()["error"] == "validation_error"


async def test_a_response_that_breaks_its_model_fails_loudly(client, caplog):
    # In production the 500 handler answers internal_error; the test transport re-raises, so a test cannot pass.
    with pytest.raises(ResponseContractError, match=r"0\.id"):
        await client.get("/api/v1/broken")
    assert "returned a response its model refuses" in caplog.text


async def test_unconverted_routes_still_work(client):
    r = await client.get("/api/v1/legacy/3")
    assert r.json() == {"id": 3, "name": "legacy", "limit": 0}
