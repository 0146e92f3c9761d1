"""The payment provider through its official SDK (stripe-python), async over httpx.

Settings carry the secret key, the webhook signing secret and, in tests only, the API base URL of a local fake
server. Nothing else in OpenCCUS talks to Stripe."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from typing import Any

import stripe

from api.errors import AppError


class PaymentsNotConfigured(AppError):
    status = 503

    def __init__(self, message: str) -> None:
        super().__init__(message, code="payments_not_configured")


class ProviderError(AppError):
    status = 502

    def __init__(self, message: str) -> None:
        super().__init__(message, code="payment_provider_error")


class _HTTPXClient(stripe.HTTPXClient):
    """stripe-python hands its form-encoded body to httpx as `data=<str>`, which httpx deprecates (it warns on every
    request); pass it as raw `content=` instead, which is what it is."""

    def _get_request_args_kwargs(self, method, url, headers, post_data):  # type: ignore[override]
        args, kwargs = super()._get_request_args_kwargs(method, url, headers, post_data)
        data = kwargs.pop("data", None)
        if data:
            kwargs["content"] = data
        return args, kwargs


@contextlib.asynccontextmanager
async def stripe_client(settings: Any) -> AsyncIterator[stripe.StripeClient]:
    if settings.stripe_api_key is None:
        raise PaymentsNotConfigured("Online payment is not configured (OPENCCUS_STRIPE_API_KEY).")
    http = _HTTPXClient(timeout=20)
    base = {"api": settings.stripe_api_base} if settings.stripe_api_base else None
    client = stripe.StripeClient(
        settings.stripe_api_key.get_secret_value(), base_addresses=base, http_client=http, max_network_retries=2
    )
    try:
        yield client
    finally:
        await http.close_async()


def webhook_secret(settings: Any) -> str:
    if settings.stripe_webhook_secret is None:
        raise PaymentsNotConfigured("Webhooks are not configured (OPENCCUS_STRIPE_WEBHOOK_SECRET).")
    return settings.stripe_webhook_secret.get_secret_value()
