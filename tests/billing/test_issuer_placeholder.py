"""With PostgreSQL configured the service warns at start and refuses to finalise invoices and credit notes while the
issuer's 登録番号 is the placeholder; the embedded default (a demo) runs with it."""

import logging

import pytest

from api.billing import issuer
from tests.api.helpers import auth, operator_token, table_counts
from tests.billing.world import LAST_MONTH, billed_business, month_passes, period


@pytest.fixture
def settings(settings):
    return settings.model_copy(update={"invoice_issuer_number": issuer.PLACEHOLDER})


async def test_the_placeholder_blocks_finalising_on_postgresql_only(caplog, client, drain, settings, backend):
    op = await operator_token(client)
    await billed_business(client, op)
    await month_passes()
    before = await table_counts()
    r = await client.post("/api/v1/admin/billing/close", headers=auth(op), json={"period": period(LAST_MONTH)})
    # The app's start (the fixture ran its lifespan) warned, on PostgreSQL only.
    started = " ".join(rec.getMessage() for rec in caplog.get_records("setup") if rec.levelno == logging.WARNING)
    if backend == "sqlite":
        assert r.status_code == 202, r.text
        assert "OPENCCUS_INVOICE_ISSUER_NUMBER" not in started
        return
    assert "OPENCCUS_INVOICE_ISSUER_NUMBER it is the placeholder" in started
    assert r.status_code == 409 and r.json()["error"] == "invoice_issuer_number_placeholder", r.text
    r = await client.post("/api/v1/admin/batches/billing-close", headers=auth(op))
    assert r.status_code == 409 and r.json()["error"] == "invoice_issuer_number_placeholder", r.text
    r = await client.post(
        "/api/v1/admin/invoices/1/credit-notes",
        headers=auth(op),
        json={"reason": "訂正", "lines": [{"label": "x", "amount_yen": 100}]},
    )
    assert r.status_code == 409 and r.json()["error"] == "invoice_issuer_number_placeholder", r.text
    assert await table_counts() == before
    # The job refuses too (a cron close): the run fails with the code, and no invoice is made.
    from api.billing.jobs import billing_close
    from api.errors import Conflict

    with pytest.raises(Conflict) as refused:
        await billing_close({"settings": settings}, period(LAST_MONTH))
    assert refused.value.code == "invoice_issuer_number_placeholder"


async def test_an_immediate_invoice_is_not_finalised_with_the_placeholder(client, app, settings, backend):
    """A technician without an employer is invoiced as the fee arises (approval, card reissue): a finalised invoice
    too, so on PostgreSQL with the placeholder the request is refused (409) and writes nothing; the embedded default
    invoices at once."""
    from tests.api.helpers import submitted_technician

    op = await operator_token(client)
    t = await submitted_technician(client)

    def approve():
        return client.post(f"/api/v1/review/applications/{t['application']['id']}/approve", headers=auth(op))

    def reissue():
        return client.post(
            f"/api/v1/technicians/{t['pk']}/card-reissue", headers=auth(t["token"]), json={"reason": "lost"}
        )

    def invoices():
        return client.get("/api/v1/invoices", headers=auth(t["token"]))

    if backend == "sqlite":
        assert (await approve()).status_code == 200
        assert (await reissue()).status_code == 201
        assert [i["total_yen"] for i in (await invoices()).json()] == [1_000, 2_500]
        return
    before = await table_counts()
    r = await approve()
    assert r.status_code == 409 and r.json()["error"] == "invoice_issuer_number_placeholder", r.text
    assert await table_counts() == before
    # The number is set: the same application is approved and invoiced; set back to the placeholder, the holder's
    # card reissue (1,000 yen, invoiced at once) is refused and the card stays as it was.
    app.state.settings = settings.model_copy(update={"invoice_issuer_number": "T7123456789012"})
    assert (await approve()).status_code == 200
    app.state.settings = settings
    before = await table_counts()
    r = await reissue()
    assert r.status_code == 409 and r.json()["error"] == "invoice_issuer_number_placeholder", r.text
    assert await table_counts() == before
    assert [i["total_yen"] for i in (await invoices()).json()] == [2_500]
