"""Logs without personal data (issue 15 item 7): the live server's own log (uvicorn with `openccus serve`'s logging)
captured around failing requests."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from pydantic import BaseModel, ValidationError

from api.logs import RedactingFormatter, format_exception
from tests.api.helpers import technician_payload
from tests.concurrency.conftest import LiveServer, start_live

SECRET_NAME = "機密山田"
SECRET_PHONE = "090-5555-1234"

_TRIGGER = f"""
CREATE FUNCTION refuse_secret() RETURNS trigger AS $$
BEGIN
  IF NEW.family_name = '{SECRET_NAME}' THEN
    RAISE EXCEPTION 'refused row: % %', NEW.family_name, NEW.phone;
  END IF;
  RETURN NEW;
END $$ LANGUAGE plpgsql;
CREATE TRIGGER refuse_secret BEFORE INSERT ON technician FOR EACH ROW EXECUTE FUNCTION refuse_secret();
"""


@pytest.fixture(scope="module")
def live(tmp_path_factory) -> Iterator[LiveServer]:
    server = start_live(tmp_path_factory.mktemp("live-logs"), "logs", workers=1)
    try:
        yield server
    finally:
        server.stop()


async def test_a_database_error_quoting_values_is_logged_without_them(live):
    import asyncpg

    conn = await asyncpg.connect(live.db_url)
    try:
        await conn.execute(_TRIGGER)
    finally:
        await conn.close()
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as http:
        r = await http.post("/api/v1/technicians", json=technician_payload(family_name=SECRET_NAME, phone=SECRET_PHONE))
        assert r.status_code == 500 and r.json()["error"] == "internal_error"
        assert SECRET_NAME not in r.text
    log = live.log_text()
    # The failure is logged with its traceback, class and SQLSTATE…
    assert "Traceback" in log and "sqlstate=P0001 (message withheld" in log
    assert '"POST /api/v1/technicians" 500' in log
    assert SECRET_NAME not in log and SECRET_PHONE not in log  # …but not the values PostgreSQL quoted


async def test_access_log_has_no_query_string(live):
    async with httpx.AsyncClient(base_url=live.url, timeout=30) as http:
        r = await http.get("/api/v1/health", params={"name": "機密花子", "birth_date": "1990-01-01"})
        assert r.status_code == 200
    log = live.log_text()
    assert '"GET /api/v1/health" 200' in log  # the request is logged…
    assert "機密花子" not in log and "1990-01-01" not in log and "%E6%A9%9F" not in log  # …without its query


def test_validation_errors_do_not_echo_their_input():
    class Person(BaseModel):
        phone: int

    data = {"phone": SECRET_PHONE + " " + SECRET_NAME}  # not in the traceback's source lines
    try:
        Person.model_validate(data)
    except ValidationError as exc:
        text = format_exception(exc)
    assert SECRET_NAME not in text and SECRET_PHONE not in text
    assert "ValidationError" in text and "phone:int_parsing" in text


def test_an_exception_passed_as_an_argument_is_described_not_printed():
    import sqlite3

    error = sqlite3.IntegrityError("UNIQUE constraint failed: account.login (" + SECRET_PHONE + ")")
    record = logging.LogRecord("x", logging.INFO, __file__, 1, "failed: %s", (error,), None)
    out = RedactingFormatter("%(message)s").format(record)
    assert SECRET_PHONE not in out and "IntegrityError" in out
