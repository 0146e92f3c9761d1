"""A local stand-in for the Stripe API at the HTTP boundary: the official SDK is pointed at it (api_base), so the
real client code, request encoding and idempotency keys are exercised. Webhook payloads are signed with Stripe's real
scheme (t=…,v1=HMAC-SHA256(secret, "t.payload"))."""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import socket
import threading
import time
from typing import Any
from urllib.parse import parse_qsl

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, RedirectResponse
from starlette.routing import Route

WEBHOOK_SECRET = "whsec_test_openccus"
API_KEY = "sk_test_openccus"


def _nest(form: list[tuple[str, str]]) -> dict[str, Any]:
    """Stripe's form encoding (a[b]=1, a[0]=x) back to a dict."""
    out: dict[str, Any] = {}
    for key, value in form:
        parts = key.replace("]", "").split("[")
        node = out
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return out


class FakeStripe:
    def __init__(self) -> None:
        self.intents: dict[str, dict[str, Any]] = {}
        self.refunds: list[dict[str, Any]] = []
        self.requests: list[dict[str, Any]] = []
        self.by_key: dict[str, Any] = {}
        self.ids = itertools.count(1)
        self.fail_next = False
        self.sessions: dict[str, dict[str, Any]] = {}
        # Where the hosted page's payments are reported, as Stripe would send its webhooks (None: the test delivers).
        self.webhook_url: str | None = None
        self.app = Starlette(
            routes=[
                Route("/v1/checkout/sessions", self.create_session, methods=["POST"]),
                Route("/pay/{sid}", self.hosted_page, methods=["GET"]),
                Route("/pay/{sid}", self.hosted_pay, methods=["POST"]),
                Route("/v1/payment_intents", self.create_intent, methods=["POST"]),
                Route("/v1/payment_intents/{pid}", self.get_intent, methods=["GET"]),
                Route("/v1/refunds", self.create_refund, methods=["POST"]),
            ]
        )

    def reset(self) -> None:
        self.intents.clear(), self.refunds.clear(), self.requests.clear(), self.by_key.clear(), self.sessions.clear()
        self.fail_next = False

    async def _read(self, request: Request) -> dict[str, Any]:
        body = _nest(parse_qsl((await request.body()).decode(), keep_blank_values=True))
        self.requests.append(
            {
                "path": request.url.path,
                "auth": request.headers.get("authorization"),
                "idempotency_key": request.headers.get("idempotency-key"),
                "body": body,
            }
        )
        return body

    async def create_intent(self, request: Request):
        body = await self._read(request)
        key = request.headers.get("idempotency-key")
        if key in self.by_key:
            return JSONResponse(self.by_key[key])
        if self.fail_next:
            self.fail_next = False
            return JSONResponse({"error": {"type": "card_error", "message": "Your card was declined."}}, 402)
        pid = f"pi_fake_{next(self.ids)}"
        intent = {
            "id": pid,
            "object": "payment_intent",
            "amount": int(body["amount"]),
            "amount_received": 0,
            "currency": body["currency"],
            "status": "requires_payment_method",
            "client_secret": f"{pid}_secret_x",
            "metadata": body.get("metadata", {}),
            "payment_method_types": list(body.get("payment_method_types", {}).values()),
            "created": int(time.time()),
            "livemode": False,
        }
        self.intents[pid] = intent
        self.by_key[key] = intent
        return JSONResponse(intent)

    async def create_session(self, request: Request):
        """Checkout Sessions: a hosted page for the payer; paying there creates the PaymentIntent (with the
        payment_intent_data metadata) and, like Stripe, reports it by webhook."""
        body = await self._read(request)
        key = request.headers.get("idempotency-key")
        if key in self.by_key:
            return JSONResponse(self.by_key[key])
        sid = f"cs_fake_{next(self.ids)}"
        item = body["line_items"]["0"]
        session = {
            "id": sid,
            "object": "checkout.session",
            "mode": body["mode"],
            "status": "open",
            "amount_total": int(item["price_data"]["unit_amount"]) * int(item["quantity"]),
            "currency": item["price_data"]["currency"],
            "url": f"{str(request.base_url).rstrip('/')}/pay/{sid}",
            "success_url": body["success_url"],
            "cancel_url": body["cancel_url"],
            "payment_intent": None,
            "metadata": body.get("metadata", {}),
            "payment_method_types": list(body.get("payment_method_types", {}).values()),
            "_intent_metadata": (body.get("payment_intent_data") or {}).get("metadata", {}),
            "_name": item["price_data"]["product_data"]["name"],
        }
        self.sessions[sid] = session
        self.by_key[key] = {k: v for k, v in session.items() if not k.startswith("_")}
        return JSONResponse(self.by_key[key])

    async def hosted_page(self, request: Request):
        s = self.sessions.get(request.path_params["sid"])
        if s is None:
            return HTMLResponse("<h1>No such session</h1>", 404)
        return HTMLResponse(f"""<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Pay</title></head>
<body><main><h1>{s["_name"]}</h1><p id="amount">¥{s["amount_total"]:,}</p>
<form method="post"><label for="card">Card number</label> <input id="card" name="card" autocomplete="cc-number">
<button id="pay" type="submit">Pay</button></form><p><a id="cancel" href="{s["cancel_url"]}">Cancel</a></p></main>
</body></html>""")

    async def hosted_pay(self, request: Request):
        s = self.sessions.get(request.path_params["sid"])
        if s is None:
            return HTMLResponse("<h1>No such session</h1>", 404)
        form = dict(parse_qsl((await request.body()).decode()))
        if form.get("card", "").replace(" ", "") != "4242424242424242":
            return HTMLResponse("<p id='declined'>Your card was declined.</p>", 402)
        if s["status"] == "open":
            pid = f"pi_fake_{next(self.ids)}"
            self.intents[pid] = {
                "id": pid,
                "object": "payment_intent",
                "amount": s["amount_total"],
                "amount_received": 0,
                "currency": s["currency"],
                "status": "requires_payment_method",
                "client_secret": f"{pid}_secret_x",
                "metadata": s["_intent_metadata"],
                "payment_method_types": s["payment_method_types"],
                "created": int(time.time()),
                "livemode": False,
            }
            s.update(status="complete", payment_intent=pid)
            if self.webhook_url:
                threading.Thread(target=self._deliver, args=(self.event(pid, "succeeded"),), daemon=True).start()
        return RedirectResponse(s["success_url"], status_code=303)

    def _deliver(self, event: dict[str, Any]) -> None:
        import httpx

        payload, headers = signed(event)
        for _ in range(5):  # Stripe retries failed deliveries
            try:
                if httpx.post(self.webhook_url or "", content=payload, headers=headers, timeout=10).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)

    async def get_intent(self, request: Request):
        intent = self.intents.get(request.path_params["pid"])
        if intent is None:
            return JSONResponse({"error": {"type": "invalid_request_error", "message": "No such payment_intent"}}, 404)
        return JSONResponse(intent)

    async def create_refund(self, request: Request):
        body = await self._read(request)
        key = request.headers.get("idempotency-key")
        if key in self.by_key:
            return JSONResponse(self.by_key[key])
        refund = {
            "id": f"re_fake_{next(self.ids)}",
            "object": "refund",
            "amount": int(body["amount"]),
            "payment_intent": body["payment_intent"],
            "status": "succeeded",
            "currency": "jpy",
        }
        self.refunds.append(refund)
        self.by_key[key] = refund
        return JSONResponse(refund)

    # --- webhooks ---------------------------------------------------------------------------------------------

    def event(
        self,
        pid: str,
        status: str,
        *,
        event_id: str | None = None,
        created: int | None = None,
        amount: int | None = None,
        error: str | None = None,
        intent: dict | None = None,
    ) -> dict[str, Any]:
        obj = dict(intent or self.intents[pid])
        obj["status"] = status
        if status == "succeeded":
            obj["amount_received"] = amount if amount is not None else obj["amount"]
        if error:
            obj["last_payment_error"] = {"message": error}
        kind = {
            "succeeded": "payment_intent.succeeded",
            "processing": "payment_intent.processing",
            "requires_payment_method": "payment_intent.payment_failed",
            "requires_action": "payment_intent.requires_action",
            "canceled": "payment_intent.canceled",
        }[status]
        return {
            "id": event_id or f"evt_{next(self.ids)}",
            "object": "event",
            "type": kind,
            "created": created or int(time.time()),
            "data": {"object": obj},
            "livemode": False,
            "api_version": "2025-01-01",
        }


def sign(payload: bytes, *, secret: str = WEBHOOK_SECRET, at: int | None = None) -> str:
    t = at or int(time.time())
    mac = hmac.new(secret.encode(), f"{t}.".encode() + payload, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def signed(event: dict[str, Any], **kw: Any) -> tuple[bytes, dict[str, str]]:
    payload = json.dumps(event).encode()
    return payload, {"Stripe-Signature": sign(payload, **kw), "Content-Type": "application/json"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """uvicorn in a thread on 127.0.0.1 (its own event loop), stopped at the end of the session."""

    def __init__(self, fake: FakeStripe) -> None:
        self.port = free_port()
        self.server = uvicorn.Server(
            uvicorn.Config(fake.app, host="127.0.0.1", port=self.port, log_level="warning", lifespan="off")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> Server:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline:
                raise RuntimeError("the fake Stripe server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
