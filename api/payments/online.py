"""Card and convenience-store (konbini) payment of an invoice through Stripe PaymentIntents or a hosted Checkout
page. The provider reports the outcome by webhook: api.payments.webhooks."""

from __future__ import annotations

from typing import Any

import stripe
from tortoise.transactions import in_transaction

from api.accounts.models import Account
from api.billing.invoices import balance, get_visible, number
from api.errors import Conflict
from api.payments.models import OnlinePayment
from api.payments.stripe_client import ProviderError, stripe_client
from api.payments.webhooks import upsert_intent


async def create_intent(*, actor: Account, invoice_pk: int, method: str, settings: Any) -> tuple[OnlinePayment, str]:
    """A PaymentIntent for the invoice's balance. The provider call happens outside any database transaction; the
    same invoice, balance and method give the same intent (the idempotency key), so a double click pays once."""
    inv = await get_visible(actor=actor, pk=invoice_pk)
    amount = balance(inv)
    if amount <= 0:
        raise Conflict(f"Invoice {number(inv)} is already paid.", code="invoice_already_paid")
    params: dict[str, Any] = {
        "amount": amount,  # JPY is a zero-decimal currency: the amount is in yen
        "currency": "jpy",
        "payment_method_types": [method],
        "description": f"OpenCCUS {number(inv)}",
        "metadata": {"invoice_id": str(inv.id), "invoice_number": number(inv)},
    }
    if method == "konbini":
        params["payment_method_options"] = {"konbini": {"expires_after_days": 3}}
    key = f"openccus-invoice-{inv.id}-{method}-{amount}-{inv.paid_yen}-{inv.credited_yen}"
    async with stripe_client(settings) as client:
        try:
            intent = await client.v1.payment_intents.create_async(params=params, options={"idempotency_key": key})
        except stripe.StripeError as exc:
            raise ProviderError(f"The payment provider refused: {exc.user_message or exc}") from None
    # A double click, or the provider's webhook, may store the same intent at this moment: an upsert, not a
    # check-then-insert, so neither side fails on the unique intent id.
    async with in_transaction("default"):
        row = await upsert_intent(
            intent_id=intent.id,
            invoice_id=inv.id,
            method=method,
            amount_yen=intent.amount,
            status=intent.status or "requires_payment_method",
        )
    return row, intent.client_secret or ""


async def create_checkout(
    *, actor: Account, invoice_pk: int, method: str, return_path: str, settings: Any
) -> tuple[str, int]:
    """A Checkout Session: the provider's hosted page takes the card (or issues the konbini voucher), so no card
    number ever touches OpenCCUS or its pages. The PaymentIntent it creates carries the invoice id in its metadata,
    and the webhook records the money from that (see _intent_row). Returns the page's URL and the amount."""
    inv = await get_visible(actor=actor, pk=invoice_pk)
    amount = balance(inv)
    if amount <= 0:
        raise Conflict(f"Invoice {number(inv)} is already paid.", code="invoice_already_paid")
    metadata = {"invoice_id": str(inv.id), "invoice_number": number(inv)}
    back = settings.public_url.rstrip("/") + return_path
    params: dict[str, Any] = {
        "mode": "payment",
        "payment_method_types": [method],
        "line_items": [
            {
                "quantity": 1,
                "price_data": {
                    "currency": "jpy",
                    "unit_amount": amount,
                    "product_data": {"name": f"OpenCCUS {number(inv)}"},
                },
            }
        ],
        "payment_intent_data": {"description": f"OpenCCUS {number(inv)}", "metadata": metadata},
        "metadata": metadata,
        "success_url": f"{back}?payment=done",
        "cancel_url": f"{back}?payment=cancelled",
    }
    if method == "konbini":
        params["payment_method_options"] = {"konbini": {"expires_after_days": 3}}
    key = f"openccus-checkout-{inv.id}-{method}-{amount}-{inv.paid_yen}-{inv.credited_yen}-{return_path}"
    async with stripe_client(settings) as client:
        try:
            session = await client.v1.checkout.sessions.create_async(params=params, options={"idempotency_key": key})
        except stripe.StripeError as exc:
            raise ProviderError(f"The payment provider refused: {exc.user_message or exc}") from None
    if not session.url:
        raise ProviderError("The payment provider gave no payment page.")
    return session.url, amount
