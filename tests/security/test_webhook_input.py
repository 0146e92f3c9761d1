"""A signed webhook whose body is not an event (a JSON array, a string, nesting past the parser's limit, NUL in the
id) gets 400 with a code and records nothing, never a 500 (issue 15 item 5)."""

from __future__ import annotations

import json

import pytest
from pydantic import SecretStr

from tests.api.helpers import table_counts
from tests.payments.fake_stripe import sign

SECRET = "whsec_security_test"


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"stripe_webhook_secret": SecretStr(SECRET)})


@pytest.mark.parametrize(
    "payload, code",
    [
        (b"[]", "invalid_webhook_payload"),
        (b'[{"id": "evt_1", "type": "payment_intent.succeeded"}]', "invalid_webhook_payload"),
        (b'"text"', "invalid_webhook_payload"),
        (b'{"id": "evt_1", "type": "x", "data": ' + b"[" * 5000 + b"]" * 5000 + b"}", "json_too_deep"),
        (json.dumps({"id": "evt\u0000", "type": "payment_intent.succeeded"}).encode(), "invalid_character"),
        (b'{"id": "evt_2", "type": "payment_intent.succeeded", "created": "soon"}', "invalid_webhook_payload"),
    ],
)
async def test_signed_webhook_that_is_not_an_event(client, payload, code):
    before = await table_counts()
    r = await client.post(
        "/api/v1/payments/stripe/webhook",
        content=payload,
        headers={"Stripe-Signature": sign(payload, secret=SECRET), "Content-Type": "application/json"},
    )
    assert 400 <= r.status_code < 500, r.text
    assert r.json()["error"] == code, r.text
    assert await table_counts() == before
