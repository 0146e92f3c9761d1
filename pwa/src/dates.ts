// Dates and times as Japanese users read them, in one place: 2026年12月6日, 20:00, and 和暦 (令和8年12月6日) where the
// paper form uses it (経審, 作業員名簿, 経歴証明書). Pure functions of their arguments (the language is passed in):
// i18n.ts wraps them with the current language, and the unit test runs them without a browser.

export type DateLang = "ja" | "en";

const TZ = "Asia/Tokyo";

/** (name, first day as YYYY-MM-DD); an era's year 1 is 元年. The same table as api/licence/jpdate.py. */
export const ERAS: readonly (readonly [string, string])[] = [
  ["明治", "1868-01-25"],
  ["大正", "1912-07-30"],
  ["昭和", "1926-12-25"],
  ["平成", "1989-01-08"],
  ["令和", "2019-05-01"],
];

type Ymd = { y: number; m: number; d: number };

/** A calendar day from "YYYY-MM-DD" (or the date part of an ISO timestamp, in Japan's time zone). */
function ymdOf(value: string): Ymd | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (m) return { y: Number(m[1]), m: Number(m[2]), d: Number(m[3]) };
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) return null;
  const parts = jstParts(t);
  return { y: parts.y, m: parts.m, d: parts.d };
}

function jstParts(t: Date): Ymd & { hh: string; mm: string } {
  const f = new Intl.DateTimeFormat("en-GB", {
    timeZone: TZ, year: "numeric", month: "numeric", day: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23",
  });
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(t)) p[x.type] = x.value;
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), hh: p.hour, mm: p.minute };
}

const EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

function gregorian(v: Ymd, lang: DateLang): string {
  return lang === "ja" ? `${v.y}年${v.m}月${v.d}日` : `${v.d} ${EN_MONTHS[v.m - 1]} ${v.y}`;
}

/** 和暦 of a day: 令和8年12月6日, 令和元年5月1日, 平成31年4月30日. Before 明治: the Western year. */
export function warekiOf(v: Ymd): string {
  const key = `${String(v.y).padStart(4, "0")}-${String(v.m).padStart(2, "0")}-${String(v.d).padStart(2, "0")}`;
  for (let i = ERAS.length - 1; i >= 0; i--) {
    const [name, first] = ERAS[i];
    if (key >= first) {
      const year = v.y - Number(first.slice(0, 4)) + 1;
      return `${name}${year === 1 ? "元" : year}年${v.m}月${v.d}日`;
    }
  }
  return gregorian(v, "ja");
}

/** A day: 2026年12月6日 (ja), 6 Dec 2026 (en). Anything that is not a date is returned as it is. */
export function formatDay(value: string | null | undefined, lang: DateLang): string {
  if (!value) return "";
  const v = ymdOf(value);
  return v ? gregorian(v, lang) : value;
}

/** A day in 和暦 where the paper form uses it: 令和8年12月6日 (ja); the Western date in English. */
export function formatWarekiDay(value: string | null | undefined, lang: DateLang): string {
  if (!value) return "";
  const v = ymdOf(value);
  if (!v) return value;
  return lang === "ja" ? warekiOf(v) : gregorian(v, lang);
}

/** A moment in Japan's time: 2026年12月6日 20:00 (ja), 6 Dec 2026 20:00 (en). */
export function formatMoment(iso: string | null | undefined, lang: DateLang): string {
  if (!iso) return "";
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const p = jstParts(t);
  return `${gregorian(p, lang)} ${p.hh}:${p.mm}`;
}

/** The time of day only, in Japan's time: 20:00. */
export function formatClock(iso: string | null | undefined): string {
  if (!iso) return "";
  if (/^\d{1,2}:\d{2}/.test(iso)) return iso.slice(0, iso.indexOf(":") + 3).padStart(5, "0");
  const t = new Date(iso);
  if (Number.isNaN(t.getTime())) return iso;
  const p = jstParts(t);
  return `${p.hh}:${p.mm}`;
}

/** A month: 2026年12月 (ja), Dec 2026 (en); "YYYY-MM" or a day. */
export function formatMonthOf(value: string | null | undefined, lang: DateLang): string {
  if (!value) return "";
  const m = /^(\d{4})-(\d{2})/.exec(value);
  if (!m) return value;
  const y = Number(m[1]);
  const mo = Number(m[2]);
  return lang === "ja" ? `${y}年${mo}月` : `${EN_MONTHS[mo - 1]} ${y}`;
}
