"""Payments tests: the API (both back ends) with Stripe settings pointing the official SDK at a local fake server."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from tests.payments.fake_stripe import API_KEY, WEBHOOK_SECRET, FakeStripe, Server


@pytest.fixture(scope="session")
def stripe_server():
    fake = FakeStripe()
    with Server(fake) as server:
        yield fake, server.url


@pytest.fixture
def fake_stripe(stripe_server) -> FakeStripe:
    fake, _ = stripe_server
    fake.reset()
    return fake


@pytest.fixture
def settings(settings, stripe_server):
    _, url = stripe_server
    return settings.model_copy(
        update={
            "stripe_api_key": SecretStr(API_KEY),
            "stripe_webhook_secret": SecretStr(WEBHOOK_SECRET),
            "stripe_api_base": url,
        }
    )
