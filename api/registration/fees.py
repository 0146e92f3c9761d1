"""Fee quotes: what an application (or a card reissue) costs if applied for on a day.

Registration, upgrade and renewal fees are priced on the Japan date the application is first submitted
(`Application.priced_on`, docs/billing.md §4): the quote an applicant sees before submitting is the price they are
charged on approval, even when the tariff changes in between. The amounts come from the effective-dated tariff table
(api/fees/tariffs.py); this module only maps a kind of application to a fee type and its conditions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from api.fees import tariffs
from api.timeutil import JST

QuoteKind = Literal["technician_registration", "business_registration", "technician_upgrade", "card_reissue", "renewal"]

# The tariff fee type behind each kind. A renewal (登録更新) costs the registration fee of its tier (ccus-facts §1a:
# "paid once per registration and per 10-year renewal").
FEE_TYPE: dict[str, str] = {
    "technician_registration": "technician_registration",
    "business_registration": "business_registration",
    "technician_upgrade": "technician_upgrade",
    "card_reissue": "card_reissue",
    "renewal": "technician_registration",
}


@dataclass(frozen=True)
class Quote:
    kind: str
    fee_type: str
    variant: str
    label_ja: str
    amount_yen: int
    priced_on: date
    tariff_valid_from: date
    tariff_valid_to: date | None
    source: str


def quote(
    *, kind: str, on: date, tier: str | None = None, capital_yen: int | None = None, sole_proprietor: bool | None = None
) -> Quote:
    """Raises tariffs.TariffError (codes invalid_conditions / no_tariff_for_date / unknown_fee_type)."""
    fee_type = FEE_TYPE.get(kind)
    if fee_type is None:
        raise tariffs.TariffError("unknown_fee_type", f"no fee for {kind!r}")
    conditions: dict[str, Any] = {}
    if fee_type == "technician_registration":
        conditions["tier"] = tier
    elif fee_type == "business_registration":
        if sole_proprietor is None:
            raise tariffs.TariffError("invalid_conditions", "business_registration needs sole_proprietor")
        conditions.update(capital_yen=capital_yen, sole_proprietor=sole_proprietor)
    row = tariffs.tariff_row(fee_type=fee_type, on=on, **conditions)
    return Quote(
        kind=kind,
        fee_type=fee_type,
        variant=row.variant,
        label_ja=row.label_ja,
        amount_yen=row.amount_yen,
        priced_on=on,
        tariff_valid_from=row.valid_from,
        tariff_valid_to=row.valid_to,
        source=row.source,
    )


def application_quote(*, app: Any, subject: Any, on: date) -> Quote | None:
    """The fee of a technician or business application (new, upgrade, renewal) priced on `on`; None for kinds
    without a fee (変更申請) or when no tariff is in force that day (the approval records no charge then either)."""
    from api.registration.models import ApplicationKind, SubjectType

    try:
        if app.subject_type is SubjectType.business:
            return quote(
                kind="business_registration",
                on=on,
                capital_yen=subject.capital_yen,
                sole_proprietor=subject.sole_proprietor,
            )
        if app.kind is ApplicationKind.new:
            return quote(kind="technician_registration", on=on, tier=subject.tier.value)
        if app.kind is ApplicationKind.upgrade:
            return quote(kind="technician_upgrade", on=on)
        if app.kind is ApplicationKind.renewal:
            return quote(kind="renewal", on=on, tier=subject.tier.value)
    except tariffs.TariffError:
        return None
    return None


def pricing_date(app: Any) -> date:
    """The date an application's fee is priced on: its first submission (Japan time). Applications submitted before
    `priced_on` was stored (migration 0017) fall back to their last submission, still not the approval day."""
    if app.priced_on is not None:
        return app.priced_on
    at: datetime = app.submitted_at
    return at.astimezone(JST).date()
