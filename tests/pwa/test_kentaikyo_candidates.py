"""The prime's 建退共 candidates in a real browser (issue 21 item 2, seed ⑥-5): days an employer reported to 建退共
that OpenCCUS has no record of wait on the site's 「建退共の候補」 tab; the prime approves one (it becomes a work record,
method kentaikyo) and rejects another, each once, in Japanese at phone and tablet sizes; axe finds nothing serious."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest

from tests.pwa.helpers import PHONE, TABLET, axe_serious, flash, goto, login, shot


def _report(month: str, business_id: str, site_id: str, tech_id: str, days: list[date]) -> bytes:
    header = [
        "対象年月",
        "共済契約者番号",
        "事業者ID",
        "事業者名",
        "現場ID",
        "現場名",
        "技能者ID",
        "氏名",
        "被共済者番号",
    ]
    header += [str(d) for d in range(1, 32)] + ["就労日数"]
    row = {
        "対象年月": month,
        "事業者ID": business_id,
        "現場ID": site_id,
        "技能者ID": tech_id,
        "就労日数": str(len(days)),
    }
    row |= {str(d.day): "1" for d in days}
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\r\n")
    writer.writeheader()
    writer.writerow({k: row.get(k, "") for k in header})
    return buf.getvalue().encode("cp932")  # as Excel saves it


@pytest.mark.parametrize("viewport", [PHONE, TABLET], ids=["phone", "tablet"])
def test_prime_approves_and_rejects_reported_days(viewport, open_context, api, artifacts):
    last = date.today().replace(day=1) - timedelta(days=1)  # last month: it has ended
    days = [last - timedelta(days=2), last - timedelta(days=1)]
    yamato = api.get("yamato-admin", "/auth/me")["business_pk"]
    business_id = api.get("yamato-admin", f"/businesses/{yamato}")["business_id"]
    site = api.ok(
        "POST",
        "yamato-admin",
        "/sites",
        json={
            "name": f"建退共候補現場{viewport['width']}",
            "address": "東京都千代田区1-1",
            "order_type": "private",
            "window_start": "2020-01-01",
            "window_end": "2030-12-31",
        },
    )
    tech = next(e for e in api.get("yamato-admin", f"/businesses/{yamato}/employees") if e["technician_id"])
    report = _report(last.strftime("%Y-%m"), business_id, site["site_id"], tech["technician_id"], days)
    imported = api.ok(
        "POST", "yamato-admin", f"/businesses/{yamato}/kentaikyo/imports", files={"file": ("r.csv", report, "text/csv")}
    )
    assert imported["candidates"] == 2

    page = open_context(viewport).new_page()
    login(page, "yamato-admin")
    goto(page, f"/firm/sites/{site['id']}")
    page.get_by_role("link", name="建退共の候補").click()
    listed = page.locator("[data-testid=kentaikyo-candidates] li")
    listed.first.wait_for()
    assert listed.count() == 2
    assert "承認待ち" in listed.first.inner_text() and tech["name"] in listed.first.inner_text()
    assert axe_serious(page) == []
    shot(page, artifacts, "site-kentaikyo-candidates")

    first, second = (
        api.get("yamato-admin", f"/sites/{site['id']}/kentaikyo-candidates?status=pending")[i] for i in (0, 1)
    )
    page.locator(f"[data-candidate='{first['id']}'] button[value=approve]").click()
    assert "就業履歴にしました" in flash(page, "就業履歴にしました")
    page.fill(f"#f-kc-{second['id']}-note", "現場に来ていない日")
    page.locator(f"[data-candidate='{second['id']}'] button[value=reject]").click()
    assert "却下しました" in flash(page, "却下しました")
    page.locator("[data-testid=kentaikyo-candidates]").wait_for(state="detached")
    assert "承認待ちの日はありません" in page.locator("main").inner_text()

    decided = {c["id"]: c for c in api.get("yamato-admin", f"/sites/{site['id']}/kentaikyo-candidates")}
    assert decided[first["id"]]["status"] == "approved" and decided[second["id"]]["status"] == "rejected"
    assert decided[second["id"]]["note"] == "現場に来ていない日"
    # Decided once: a second decision is refused, and the approved day is a work record of the site.
    again = api.call("POST", "yamato-admin", f"/sites/{site['id']}/kentaikyo-candidates/{first['id']}/reject", json={})
    assert again.status_code == 409
    for c, kept in ((first, ["kentaikyo"]), (second, [])):
        rows = api.get("yamato-admin", f"/sites/{site['id']}/work-records?work_date={c['work_date']}")
        assert [r["method"] for r in rows] == kept
