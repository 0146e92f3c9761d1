// Writes src/generated/masters.json from the API's own master data, so the forms offer exactly the codes the API
// accepts, read the way api/registration/masters.py reads them: trades (api/registration/data/trades.csv),
// qualifications (the 経審 codes from api/keishin/data/qualifications.csv, newest name of each code, plus
// api/registration/data/qualifications_other.csv), industries and prefectures (api/businesses/masters.py).
// Fails loudly when a source cannot be read or parsed.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const api = join(here, "..", "..", "api");

/** RFC 4180 CSV (quoted fields, doubled quotes, commas and newlines inside quotes) → objects by header. */
function csv(path) {
  const text = readFileSync(path, "utf8").replace(/^\uFEFF/, "");
  const rows = [];
  let row = [], cell = "", quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') { cell += '"'; i++; }
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") { row.push(cell); cell = ""; }
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(cell); rows.push(row); row = []; cell = "";
    } else cell += ch;
  }
  if (cell || row.length) { row.push(cell); rows.push(row); }
  const [head, ...body] = rows.filter((r) => r.some((c) => c.trim()));
  return body.map((cells) => {
    if (cells.length !== head.length) throw new Error(`${path}: a row has ${cells.length} cells, the header ${head.length}`);
    return Object.fromEntries(head.map((c, i) => [c, cells[i]]));
  });
}

const trades = csv(join(api, "registration", "data", "trades.csv")).map((r) => ({ code: r.code, name: r.name }));

const quals = new Map();
const legacy = join(api, "registration", "data", "qualifications.csv");
if (existsSync(legacy)) {
  for (const r of csv(legacy)) quals.set(r.code, { code: r.code, name: r.name, category: r.category });
} else {
  const keishin = csv(join(api, "keishin", "data", "qualifications.csv"))
    .sort((a, b) => (a.valid_from < b.valid_from ? -1 : a.valid_from > b.valid_from ? 1 : 0));
  for (const r of keishin) quals.set(r.code, { code: r.code, name: r.name, category: "keishin" });
  for (const r of csv(join(api, "registration", "data", "qualifications_other.csv"))) {
    quals.set(r.code, { code: r.code, name: r.name, category: r.category });
  }
}
// A name annotated with the seed table's row label (`… [row label「その他」]`) shows the label the Japanese way.
const qualifications = [...quals.values()].map((q) => ({ ...q, name: q.name.replace(/\s*\[row label「(.+?)」\]/, "（$1）") }));

const py = readFileSync(join(api, "businesses", "masters.py"), "utf8");
const indBlock = py.match(/INDUSTRIES[^=]*=\s*\{([\s\S]*?)\}/);
const industries = indBlock ? [...indBlock[1].matchAll(/"(\d{2})":\s*"([^"]+)"/g)].map((m) => ({ code: m[1], name: m[2] })) : [];
// The prefecture names are a list of string literals, in JIS X 0401 order, starting at 北海道.
const prefBlock = py.match(/PREFECTURES[\s\S]*?enumerate\(\s*\[([\s\S]*?)\]/);
const prefNames = prefBlock ? [...prefBlock[1].matchAll(/"([^"]+)"/g)].map((m) => m[1]) : [];
const prefectures = prefNames.map((name, i) => ({ code: String(i + 1).padStart(2, "0"), name }));

if (trades.length < 1 || qualifications.length < 1 || industries.length !== 29 || prefectures.length !== 47) {
  throw new Error(`masters: parsed ${trades.length} trades, ${qualifications.length} qualifications, ` +
    `${industries.length} industries (want 29), ${prefectures.length} prefectures (want 47)`);
}
const out = join(here, "..", "src", "generated");
mkdirSync(out, { recursive: true });
const json = JSON.stringify({ trades, qualifications, industries, prefectures }, null, 1) + "\n";
let old = "";
try { old = readFileSync(join(out, "masters.json"), "utf8"); } catch { /* first build */ }
if (old !== json) writeFileSync(join(out, "masters.json"), json);

// The error catalogue (api/data/error_codes.csv: code,status,ja,en) and the field-error texts by pydantic type
// (api/data/field_errors.csv: type,ja,en) become src/generated/errors.json: the PWA translates by code only.
const codes = Object.fromEntries(csv(join(api, "data", "error_codes.csv")).map((r) => [r.code, [r.ja, r.en]]));
const fieldTypes = Object.fromEntries(csv(join(api, "data", "field_errors.csv")).map((r) => [r.type, [r.ja, r.en]]));
if (Object.keys(codes).length < 1 || Object.keys(fieldTypes).length < 1) throw new Error("errors: empty catalogue");
const errorsJson = JSON.stringify({ codes, fields: fieldTypes }, null, 0).replace(/\],/g, "],\n") + "\n";
let oldErrors = "";
try { oldErrors = readFileSync(join(out, "errors.json"), "utf8"); } catch { /* first build */ }
if (oldErrors !== errorsJson) writeFileSync(join(out, "errors.json"), errorsJson);
