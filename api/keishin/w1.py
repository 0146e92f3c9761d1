"""W1⑩ 建設工事に従事する者の就業履歴を蓄積するために必要な措置の実施状況.

For 審査基準日 from 2023-08-14 (reference/ccus-facts.md §7, ciac.jp/keisin/hyotenw/ccus):

* 15 points: on **every** directly contracted work of the year (public and private) the site and contract are
  registered in CCUS and the work records can accumulate without 直接入力: a card reader, a face kiosk or a private
  system (API連携) was in use on the site. An occasional approved 直接入力 (a forgotten card) does not undo that;
  a site where nothing but 直接入力 recorded work does;
* 10 points: the same on every **public** directly contracted work;
* 0 otherwise, and 0 when the year had no directly contracted work; the 誓約書 (様式第6号) is required for any points.

The works are the business's own 元請 works in its 工事経歴書 for the year (not only the sites it registered in
CCUS: an unregistered public work must count against it). Overseas works, 軽微な工事 and 災害応急工事 are left out
before the test; the exemption is set per 工事経歴書 row. These numbers live here rather than in
a data file because they are one rule with one start date, not a table that MLIT revises row by row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import Literal

from api.keishin.errors import KeishinError
from api.keishin.reasons import KeishinReason, reason

W1_CCUS_FROM = date(2023, 8, 14)
# A revision announced for summer 2026 (/work/shared/reference/facts-2026-12.md §1i; https://www.iwato-office.com/post-1760
# [2nd]): +5 W points for firms that made the 「建設技能者を大切にする企業の自主宣言」 and W1⑩ 5 points lower. The new
# scale and its start date are published in no source we hold, so base dates from the earliest day it may apply keep
# the 2023 scale below but are labelled provisional: the points must be checked against the 告示 in force before
# filing. PROVISIONAL date ("summer 2026"), not an official one.
W1_REVISION_PENDING_FROM = date(2026, 7, 1)
W1_REVISION_SOURCE = "https://www.iwato-office.com/post-1760"
POINTS_ALL_WORKS = 15
POINTS_PUBLIC_WORKS = 10
Exemption = Literal["overseas", "minor", "disaster"]
EXEMPTIONS: dict[str, str] = {"overseas": "海外工事", "minor": "軽微な工事", "disaster": "災害応急工事"}


@dataclass(frozen=True)
class DirectSite:
    """A work the business contracted directly with the orderer (元請) during the 審査対象事業年度."""

    site_id: str
    name: str
    public: bool
    registered_in_ccus: bool  # 現場・契約情報 registered in CCUS
    recording_in_use: bool  # a card reader, face kiosk or private system (API) recorded work on the site
    exemption: Exemption | None = None


@dataclass(frozen=True)
class W1Result:
    points: int
    reasons: tuple[KeishinReason, ...]
    considered: int  # sites left after the exemptions
    # True when the base date falls where an announced but unpublished revision may apply (W1_REVISION_PENDING_FROM)
    provisional: bool = False


def w1_ccus_points(*, base_date: date, sites: Sequence[DirectSite], pledge_submitted: bool) -> W1Result:
    """Points for W1⑩ with the reasons a reviewer (or the business) needs to see; labelled provisional (with its
    reason) where the announced revision may apply."""
    result = _points(base_date=base_date, sites=sites, pledge_submitted=pledge_submitted)
    if base_date < W1_REVISION_PENDING_FROM:
        return result
    since = W1_REVISION_PENDING_FROM.isoformat()
    why = reason(
        "w1_scale_unconfirmed",
        f"a revision of W1⑩ was announced for base dates from about {since} and its new scale is not published: "
        "these points follow the 2023-08-14 scale; check them against the 告示 in force before filing",
        since=since,
        source=W1_REVISION_SOURCE,
    )
    return replace(result, reasons=(*result.reasons, why), provisional=True)


def _points(*, base_date: date, sites: Sequence[DirectSite], pledge_submitted: bool) -> W1Result:
    for i, site in enumerate(sites):
        if site.exemption is not None and site.exemption not in EXEMPTIONS:
            raise KeishinError(
                "invalid_exemption", f"exemption must be one of {sorted(EXEMPTIONS)}", f"sites[{i}].exemption"
            )
    if base_date < W1_CCUS_FROM:
        start = W1_CCUS_FROM.isoformat()
        return W1Result(0, (reason("w1_not_yet", f"W1⑩ applies to base dates from {start}", start=start),), 0)

    considered = [s for s in sites if s.exemption is None]
    reasons = [
        reason("w1_exempt", f"{s.name}: left out ({EXEMPTIONS[s.exemption]})", site=s.name, exemption=s.exemption)
        for s in sites
        if s.exemption is not None
    ]
    if not considered:
        return W1Result(0, (*reasons, reason("w1_no_direct_work", "no directly contracted work in the year")), 0)

    failures = {s.site_id: _failures(s) for s in considered}
    for s in considered:
        reasons += [reason(code, f"{s.name}: {why}", site=s.name) for code, why in failures[s.site_id]]
    all_ok = not any(failures.values())
    public = [s for s in considered if s.public]
    # "All public works" is only a meaningful test when there is at least one public work; a business with only
    # private works reaches points through the 15-point test alone.
    public_ok = bool(public) and not any(failures[s.site_id] for s in public)

    if not pledge_submitted:
        return W1Result(0, (*reasons, reason("w1_no_pledge", "誓約書 (様式第6号) not submitted")), len(considered))
    if all_ok:
        why = reason("w1_all_works", "every directly contracted work accumulates in CCUS")
        return W1Result(POINTS_ALL_WORKS, (*reasons, why), len(considered))
    if public_ok:
        why = reason("w1_public_works", "every public directly contracted work accumulates in CCUS")
        return W1Result(POINTS_PUBLIC_WORKS, (*reasons, why), len(considered))
    return W1Result(0, tuple(reasons), len(considered))


def _failures(site: DirectSite) -> list[tuple[str, str]]:
    """(reason code, English text) of each test the site fails."""
    if not site.registered_in_ccus:
        return [("w1_site_not_registered", "site and contract not registered in CCUS")]
    if not site.recording_in_use:
        return [
            ("w1_site_direct_only", "no card reader, face kiosk or private system in use on the site (直接入力 only)")
        ]
    return []
