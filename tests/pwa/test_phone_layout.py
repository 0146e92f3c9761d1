"""Phone layout and wording (issue 19 item 7), on every main view of every role (the walk of test_english_leak), at
phone (390×844) and desktop (1280×900) sizes:

* at phone width no table is drawn as a table (each becomes a stack of cards: ui.cardTables + styles.css; the month
  calendar, seven narrow columns, stays one and must fit) and nothing scrolls sideways
  (document.scrollingElement.scrollWidth <= innerWidth);
* no internal id is shown: no text like "#5";
* dates are written the Japanese way (2026年12月6日, 20:00): no 2026-12-06 or 2026/12/06 in the page's text, and the
  経審 pages use 和暦 (令和…年) as the paper form does;
* every visible tap target (buttons, links outside running text, tabs, summaries, selects, inputs; a checkbox or radio
  together with its label) is at least 44×44 CSS px.

And, without a browser or the API, the 和暦 formatter of pwa/src/dates.ts (bundled by esbuild, run by node) across the
era boundaries."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.pwa.helpers import DESKTOP, PHONE, goto, login
from tests.pwa.test_english_leak import _views

ROOT = Path(__file__).resolve().parents[2]
PWA = ROOT / "pwa"

# What one view breaks, measured in the page. `phone` turns on the table and overflow checks.
CHECK_JS = r"""(phone) => {
  const vw = window.innerWidth;
  const hiddenEl = (el) => !!el.closest('[hidden], [aria-hidden="true"], .vh, script, style, noscript, template');
  const shown = (el) => {
    if (hiddenEl(el)) return false;
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden') return false;
    const r = el.getBoundingClientRect();
    return r.width > 0 && r.height > 0;
  };
  const name = (el) => {
    const txt = (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 40);
    return `${el.tagName.toLowerCase()}${el.className && typeof el.className === 'string' ? '.' + el.className.trim().split(/\s+/).join('.') : ''} "${txt}"`;
  };
  const out = { overflow: [], tables: [], ids: [], dates: [], small: [], japaneseDates: 0, wareki: 0 };

  if (phone) {
    const se = document.scrollingElement;
    if (se.scrollWidth > vw) {
      // What sticks out: the deepest elements past the right edge, or whose content overflows them.
      const sticks = (el) => el.getBoundingClientRect().right > vw + 1
        || (getComputedStyle(el).overflowX === 'visible' && el.scrollWidth > el.clientWidth + 1 && el.clientWidth > 0);
      const wide = [...document.querySelectorAll('body *')]
        .filter((el) => el.getClientRects().length && !el.closest('.tabs, .main-nav') && sticks(el))
        .filter((el, _, all) => !all.some((o) => o !== el && el.contains(o)));
      out.overflow.push(`scrollWidth ${se.scrollWidth} > ${vw}: ` + wide.slice(0, 4).map(name).join(', '));
    }
    for (const table of document.querySelectorAll('table')) {
      if (!shown(table)) continue;
      const keep = table.hasAttribute('data-keep-table');
      if (getComputedStyle(table).display === 'table' && !keep) out.tables.push(name(table).slice(0, 80));
      if (table.getBoundingClientRect().width > vw) out.tables.push('too wide: ' + name(table).slice(0, 80));
    }
  }

  // The text a user reads (code and preformatted data such as an audit record's JSON aside).
  const texts = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const el = n.parentElement;
    if (!el || !n.textContent.trim() || el.closest('pre, code, kbd, samp, option') || !shown(el)) continue;
    texts.push(n.textContent);
  }
  const text = texts.join(' ');
  out.ids = [...new Set(text.match(/#\d+/g) || [])];
  out.dates = [...new Set(text.match(/(?<![\w-])(\d{4}-\d{1,2}-\d{1,2}|\d{4}\/\d{1,2}\/\d{1,2})(?![\w-])/g) || [])];
  out.japaneseDates = (text.match(/\d{4}年\d{1,2}月\d{1,2}日/g) || []).length;
  out.wareki = (text.match(/(令和|平成|昭和|大正|明治)(元|\d+)年\d{1,2}月\d{1,2}日/g) || []).length;

  // Tap targets. A link inside running text (a sentence, a hint, a notice) is exempt, as WCAG 2.5.5 exempts inline
  // targets; a link in a list, a table, a menu or on its own is not.
  const inline = (el) => el.tagName === 'A' && !!el.closest('p, .hint, .meta, .notice, .flash, .banner, footer, .error-summary, figcaption, legend, .field-error');
  const box = (el) => {
    const r = el.getBoundingClientRect();
    let [l, t, rr, b] = [r.left, r.top, r.right, r.bottom];
    if (el.matches('input[type=checkbox], input[type=radio]')) {
      for (const lab of el.labels || []) {
        const q = lab.getBoundingClientRect();
        if (!q.width) continue;
        [l, t, rr, b] = [Math.min(l, q.left), Math.min(t, q.top), Math.max(rr, q.right), Math.max(b, q.bottom)];
      }
    }
    return { w: rr - l, h: b - t };
  };
  const targets = document.querySelectorAll(
    'a[href], button, select, textarea, summary, [role=tab], input:not([type=hidden])');
  for (const el of targets) {
    if (!shown(el) || inline(el) || el.matches('.skip') || el.closest('dialog:not([open])')) continue;
    const { w, h } = box(el);
    if (w < 43.5 || h < 43.5) out.small.push(`${name(el)} ${Math.round(w)}×${Math.round(h)}`);
  }
  return out;
}"""


def _walk(open_context, api, viewport: dict) -> dict:
    problems: dict[str, dict] = {}
    seen = {"japanese_dates": 0, "wareki": {}}
    phone = viewport["width"] < 600
    for who, paths in _views(api).items():
        page = open_context(viewport).new_page()
        if who:
            login(page, who)
        for path in paths:
            goto(page, path)
            found = page.evaluate(CHECK_JS, phone)
            seen["japanese_dates"] += found.pop("japaneseDates")
            seen["wareki"][path] = found.pop("wareki")
            bad = {k: v for k, v in found.items() if v}
            if bad:
                problems[f"{who or 'anonymous'} {path}"] = bad
        page.context.close()
    return {"problems": problems, "seen": seen}


def _report(problems: dict) -> str:
    return "\n".join(f"{view}: {json.dumps(bad, ensure_ascii=False)}" for view, bad in problems.items())


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_every_view_is_laid_out_for_its_screen_and_speaks_plainly(open_context, api, viewport):
    result = _walk(open_context, api, viewport)
    assert not result["problems"], f"at {viewport['width']}×{viewport['height']}:\n" + _report(result["problems"])
    # The check can fail: dates are there to be seen, in Japanese, and the 経審 page shows its dates in 和暦.
    assert result["seen"]["japanese_dates"] > 0
    assert result["seen"]["wareki"]["/firm/keishin"] > 0, result["seen"]["wareki"]


def test_the_checks_catch_a_wide_table_an_id_an_iso_date_and_a_small_target(open_context):
    page = open_context(PHONE).new_page()
    page.goto("/login")
    page.wait_for_selector("main h1")
    # Built with the DOM and CSSOM: the app's Content-Security-Policy refuses style attributes in markup.
    page.evaluate("""() => {
      const main = document.querySelector('main');
      const wide = document.createElement('div');
      wide.innerHTML = '<table><tbody><tr><td>a</td></tr></tbody></table>'
        + '<p>申請 #12 は 2026-12-06 に受け付けました。</p><ul class="list"><li><a href="/x">x</a></li></ul>';
      main.append(wide);
      Object.assign(wide.querySelector('table').style, { display: 'table', width: '900px' });
      Object.assign(wide.querySelector('a').style, { display: 'inline', fontSize: '10px', minHeight: '0', minWidth: '0' });
    }""")
    found = page.evaluate(CHECK_JS, True)
    assert found["overflow"] and found["tables"]
    assert found["ids"] == ["#12"]
    assert found["dates"] == ["2026-12-06"]
    assert any('"x"' in s for s in found["small"])


# --- the 和暦 formatter, without a browser --------------------------------------------------------------------------

CASES = {
    "1989-01-07": "昭和64年1月7日",
    "1989-01-08": "平成元年1月8日",
    "2019-04-30": "平成31年4月30日",
    "2019-05-01": "令和元年5月1日",
    "2020-01-01": "令和2年1月1日",
    "2026-12-06": "令和8年12月6日",
    "1926-12-24": "大正15年12月24日",
    "1926-12-25": "昭和元年12月25日",
    "1912-07-29": "明治45年7月29日",
    "1912-07-30": "大正元年7月30日",
}


def _run_dates(script: str) -> dict:
    esbuild = PWA / "node_modules" / ".bin" / "esbuild"
    node = shutil.which("node")
    if not esbuild.exists() or not node:
        pytest.fail("needs pwa/node_modules (npm ci) and node: bash pwa/build.sh installs both")
    bundle = subprocess.run(
        [str(esbuild), str(PWA / "src" / "dates.ts"), "--bundle", "--format=esm", "--log-level=error"],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    ).stdout
    program = bundle.replace("export {", "const __exports = {", 1) + "\n" + script
    proc = subprocess.run(
        [node, "--input-type=module", "-"],
        input=program,
        capture_output=True,
        text=True,
        timeout=60,
        env={"TZ": "UTC", "PATH": "/usr/bin:/bin"},
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


def test_wareki_across_the_era_boundaries():
    out = _run_dates(f"""
      const days = {json.dumps(list(CASES))};
      console.log(JSON.stringify({{
        wareki: Object.fromEntries(days.map((d) => [d, formatWarekiDay(d, "ja")])),
        en: formatWarekiDay("2019-05-01", "en"),
        day: formatDay("2026-12-06", "ja"),
        moment: formatMoment("2026-12-06T11:00:00Z", "ja"),
        midnight: formatMoment("2026-12-06T15:00:00Z", "ja"),
        clock: formatClock("2026-12-06T11:05:00Z"),
        fromTimestamp: formatWarekiDay("2019-04-30T15:30:00Z", "ja"),
        notADate: formatDay("いつか", "ja"),
        month: formatMonthOf("2026-04", "ja"),
      }}));
    """)
    assert out["wareki"] == CASES
    assert out["en"] == "1 May 2019"
    assert out["day"] == "2026年12月6日"
    assert out["moment"] == "2026年12月6日 20:00"  # Japan's time, whatever the machine's zone (TZ=UTC here)
    assert out["midnight"] == "2026年12月7日 00:00"
    assert out["clock"] == "20:05"
    assert out["fromTimestamp"] == "令和元年5月1日"  # 00:30 on 1 May in Japan
    assert out["notADate"] == "いつか"
    assert out["month"] == "2026年4月"
    assert re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", out["day"])
