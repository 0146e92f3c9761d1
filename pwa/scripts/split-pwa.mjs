#!/usr/bin/env node
// Keeps the PWA's modules under ~400 lines by moving code, never by rewriting it (issue 16.5). Re-runnable: run it on
// a tree where more messages were added to i18n.ts or more code to a view, and it moves what is (still) in the wrong
// place; what is already in place is left alone, so a second run changes nothing.
//
//   node pwa/scripts/split-pwa.mjs            # from the repository root or from pwa/
//   cd pwa && npx tsc --noEmit                # then check
//
// 1. i18n.ts: the messages of its CORE catalogue go to per-area catalogues (messages/<area>.ts) by key prefix
//    (AREAS below); a prefix not listed there stays in CORE and is reported, so a new area is a line in AREAS.
// 2. Views: the top-level declarations named in MOVES go from one module to another. The moved code keeps its
//    text; the imports of both modules (and of every module that imported a moved name) are recomputed with the
//    TypeScript checker, a declaration the moved code still needs from its old module gets `export`, and imports
//    that nothing uses any more are dropped. Names a module no longer has (already moved) are skipped.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

const PWA = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
const SRC = path.join(PWA, "src");
const rel = (f) => path.relative(PWA, f);

// --- 1. i18n catalogues ------------------------------------------------------------------------------------------

/** Key prefix → [file under src/messages, exported name, what the catalogue holds]. */
const AREAS = {
  shell: ["app", "nav", "login", "outbox", "err", "dl"],
  fields: ["f"],
  technician: ["reg", "sex", "ins", "status", "tier", "card", "kind", "subject", "me", "qcat", "notes", "career"],
  firm: ["biz", "role", "firm", "band", "clients"],
  console: ["review", "audit", "batches", "batchstatus", "batch"],
  work: ["work", "method", "di", "levels"],
  sites: ["sites", "order", "site", "contract", "cstatus", "roster", "devices", "device", "records", "taps", "reject",
    "direct", "reports", "position", "tier_n"],
  keishin: ["keishin"],
};
const CATALOGUES = {
  shell: ["shell", "SHELL", "The shell: the app's frame, the menus, logging in, the outbox, downloads and form errors"],
  fields: ["fields", "FIELDS", "Field labels (f.<field>, also used to name a field in an error summary)"],
  technician: ["technician", "TECHNICIAN", "The technician's pages: registration, status, card, applications, notices"],
  firm: ["firm", "FIRM", "The business portal: business data, registration, employees, admin IDs, API連携"],
  console: ["console", "CONSOLE", "The operator's console: the review queue, the audit trail, batches"],
  work: ["work", "WORK", "Work records: the technician's calendar, direct input, levels"],
  sites: ["sites", "SITES", "Sites: the list, the contract tree, roster, devices, records, direct-input approval, reports"],
  keishin: ["keishin", "KEISHIN", "経審: the staff list, the 工事経歴書 and W1⑩"],
};
const SATISFIES = "} as const satisfies Record<string, readonly [string, string]>;";

function areaOf(key) {
  const prefix = key.split(".")[0];
  return Object.keys(AREAS).find((a) => AREAS[a].includes(prefix)) ?? null;
}

function splitI18n() {
  const file = path.join(SRC, "i18n.ts");
  let text = fs.readFileSync(file, "utf8");
  const sf = ts.createSourceFile(file, text, ts.ScriptTarget.Latest, true);
  let core = null;
  for (const st of sf.statements) {
    if (!ts.isVariableStatement(st)) continue;
    const d = st.declarationList.declarations[0];
    if (d.name.getText(sf) === "CORE") core = d;
  }
  if (!core) return console.log("i18n.ts: no CORE catalogue, nothing to split");
  let obj = core.initializer;
  while (!ts.isObjectLiteralExpression(obj)) obj = obj.expression; // `{…} as const satisfies …`
  const byArea = new Map();
  const kept = [];
  for (const p of obj.properties) {
    const key = p.name.text;
    const entry = text.slice(p.getStart(sf), p.getEnd()).trim();
    // A blank line before the entry starts a group; keep the grouping.
    const blank = /\n\s*\n\s*$/.test(text.slice(p.getFullStart(), p.getStart(sf)));
    const area = areaOf(key);
    if (!area) kept.push({ key, entry, blank });
    else byArea.set(area, [...(byArea.get(area) ?? []), { key, entry, blank }]);
  }
  if (!byArea.size) return console.log("i18n.ts: CORE has no message of a known area");
  const imports = [];
  for (const [area, entries] of byArea) {
    const [base, name, what] = CATALOGUES[area];
    appendMessages(path.join(SRC, "messages", `${base}.ts`), name, what, entries);
    imports.push([base, name]);
    console.log(`i18n.ts: ${entries.length} messages → messages/${base}.ts (${name})`);
  }
  for (const k of kept) console.log(`i18n.ts: "${k.key}" stays in CORE (its prefix is in no area of split-pwa.mjs AREAS)`);

  // Rewrite i18n.ts: CORE keeps only what has no area; the catalogues are imported and merged first, where CORE was
  // (a later catalogue still overrides an earlier one, as before).
  const statement = core.parent.parent;
  const coreText = kept.length
    ? `const CORE = {\n${body(kept)}\n${SATISFIES}`
    : "";
  const names = imports.map(([, n]) => n);
  text = text.slice(0, statement.getFullStart()) + (coreText ? `\n\n${coreText}` : "") + text.slice(statement.getEnd());
  const spread = new RegExp(`\\.\\.\\.CORE,\\s*`);
  const existing = new Set([...text.matchAll(/\.\.\.([A-Z_]+)/g)].map((m) => m[1]));
  const add = names.filter((n) => !existing.has(n)).map((n) => `...${n}, `).join("");
  if (!spread.test(text)) throw new Error("i18n.ts: `...CORE,` not found in the merged catalogue");
  text = text.replace(spread, (kept.length ? "...CORE, " : "") + add);
  // Imports, after the last messages/ import.
  const lines = names
    .filter((n, i) => !new RegExp(`import \\{[^}]*\\b${n}\\b[^}]*\\} from "\\./messages/${imports[i][0]}"`).test(text))
    .map((n) => `import { ${n} } from "./messages/${imports.find(([, x]) => x === n)[0]}";`);
  // Merge with an existing import of the same file (messages/sites.ts already exports PLACEHOLDERS).
  for (const line of [...lines]) {
    const [, n, base] = /import \{ (\w+) \} from "\.\/messages\/([\w-]+)"/.exec(line);
    const re = new RegExp(`import \\{ ([^}]*) \\} from "\\./messages/${base}";`);
    if (re.test(text)) {
      text = text.replace(re, (_, list) => `import { ${list}, ${n} } from "./messages/${base}";`);
      lines.splice(lines.indexOf(line), 1);
    }
  }
  const lastImport = [...text.matchAll(/^import .* from "\.\/messages\/.*";$/gm)].pop();
  const at = lastImport.index + lastImport[0].length;
  text = text.slice(0, at) + (lines.length ? "\n" + lines.join("\n") : "") + text.slice(at);
  // The merged catalogue, wrapped, with what it is.
  text = text.replace(/(?:\/\/[^\n]*\n)*const M = \{([^}]*)\};/, (_, list) => {
    const rows = [];
    let row = "";
    for (const s of list.split(",").map((x) => x.trim()).filter(Boolean)) {
      if (row && row.length + s.length + 2 > 100) { rows.push(row); row = ""; }
      row += (row ? " " : "") + s + ",";
    }
    rows.push(row.replace(/,$/, ""));
    return "// Every message lives in the catalogue of its area (messages/*.ts; a new area: a line in\n" +
      "// scripts/split-pwa.mjs AREAS); all of them are merged here.\n" +
      `const M = {\n${rows.map((r) => `  ${r}`).join("\n")}\n};`;
  });
  text = text.replace(/\n{3,}/g, "\n\n");
  fs.writeFileSync(file, text);
}

function body(entries) {
  return entries.map((e, i) => `${e.blank && i ? "\n" : ""}  ${e.entry.endsWith(",") ? e.entry : e.entry + ","}`).join("\n");
}

/** Add messages to `export const NAME = {…}` of a catalogue file (created when missing, appended when NAME is not in it). */
function appendMessages(file, name, what, entries) {
  let text = fs.existsSync(file) ? fs.readFileSync(file, "utf8") : `// ${what} ([ja, en]).\n`;
  const start = text.indexOf(`export const ${name} = {`);
  if (start < 0) {
    if (!text.endsWith("\n")) text += "\n";
    if (text.includes("export const")) text += `\n// ${what}.\n`;
    text += `export const ${name} = {\n${body(entries)}\n${SATISFIES}\n`;
  } else {
    const end = text.indexOf(SATISFIES, start);
    if (end < 0) throw new Error(`${rel(file)}: ${name} does not end with "${SATISFIES}"`);
    const before = text.slice(0, end).replace(/\s*$/, "");
    text = `${before}${before.endsWith(",") || before.endsWith("{") ? "" : ","}\n\n${body(entries)}\n${text.slice(end)}`;
  }
  fs.writeFileSync(file, text);
}

// --- 2. moving declarations between modules ---------------------------------------------------------------------

/** [from, to, names, the new module's opening comment]. Applied in order; each move sees the result of the ones before. */
const MOVES = [
  ["views/sites.ts", "views/site-common.ts",
    ["POSITIONS", "positionOptions", "tradeOptions", "myBusiness", "isAdmin", "SiteTab", "SiteData", "loadSite", "manages",
      "siteTabs", "siteHeader", "tierLabel", "businessName", "Page"],
    "// What the site pages share: the site and its contract tree, the tabs and heading, who runs the site, the options\n" +
    "// of the roster's selects."],
  ["views/sites.ts", "views/site-overview.ts", ["overviewPage"],
    "// A site's overview: its data and the contract tree (施工体制): invite or register the next tier by proxy, enter a\n" +
    "// missing upper tier, accept or decline an invitation, change the site's data."],
  ["views/sites.ts", "views/site-roster.ts", ["rosterPage"],
    "// A site's roster (作業員名簿): put an approved employee on it with trade, position and work content; change it or\n" +
    "// mark the end."],
  ["views/sites.ts", "views/site-devices.ts", ["devicesPage"],
    "// A site's card readers and face kiosks: the one-time enrolment code, last seen, rotate or revoke."],
  ["views/sites.ts", "views/site-records.ts", ["recordsPage", "directPage", "reportsPage"],
    "// A site's day of work records and rejected taps, the direct inputs waiting for approval, and the 作業員名簿\n" +
    "// downloads."],
  ["main.ts", "routes.ts",
    ["views", "ROLE_VIEWS", "prefetchRoleViews", "TECH", "FIRM", "SITES", "OPERATOR", "AGENT", "ANY", "routes",
      "redirectView", "messageView", "match"],
    "// The routes: each path, the roles that may open it and the view it loads (each view is its own chunk)."],
  ["views/kiosk.ts", "views/kiosk-types.ts",
    ["RESULT_MS", "RETRY_MS", "HEARTBEAT_MS", "PENDING_MAX_MS", "SCAN_MS", "SCAN_RESULT_MS", "Recognised", "CheckinOut",
      "Attempt", "Phase", "Result", "Sites", "sleep"],
    "// The kiosk's timings and the shapes of what it sends and shows."],
];

function program() {
  const cfg = ts.getParsedCommandLineOfConfigFile(path.join(PWA, "tsconfig.json"), {}, { ...ts.sys, onUnRecoverableConfigFileDiagnostic: () => {} });
  return ts.createProgram(cfg.fileNames, cfg.options);
}

/** The names a top-level statement declares, and whether it declares only types. */
function declared(st) {
  if (ts.isFunctionDeclaration(st) || ts.isClassDeclaration(st) || ts.isEnumDeclaration(st)) return { names: st.name ? [st.name] : [], type: false };
  if (ts.isInterfaceDeclaration(st) || ts.isTypeAliasDeclaration(st)) return { names: [st.name], type: true };
  if (ts.isVariableStatement(st)) {
    const names = [];
    const walk = (n) => (ts.isIdentifier(n) ? names.push(n) : n.elements?.forEach((e) => !ts.isOmittedExpression(e) && walk(e.name)));
    st.declarationList.declarations.forEach((d) => walk(d.name));
    return { names, type: false };
  }
  return { names: [], type: false };
}

const isExported = (st) => (ts.getCombinedModifierFlags?.(st) ?? 0) & ts.ModifierFlags.Export
  || (st.modifiers ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword);

/** The symbols a subtree refers to (the declarations' own names excluded). */
function refs(checker, nodes, own = new Set()) {
  const out = new Set();
  const visit = (n) => {
    if (ts.isIdentifier(n) && !own.has(n)) {
      let s = ts.isShorthandPropertyAssignment(n.parent) && n.parent.name === n
        ? checker.getShorthandAssignmentValueSymbol(n.parent) : checker.getSymbolAtLocation(n);
      if (s) out.add(checker.getExportSymbolOfSymbol(s));
    }
    ts.forEachChild(n, visit);
  };
  nodes.forEach(visit);
  return out;
}

/** A module's imports as a model: module → { side, def, ns, named: Map(name → {type, prop}) }, in their order. */
function importModel(sf) {
  const model = new Map();
  for (const st of sf.statements) {
    if (!ts.isImportDeclaration(st)) continue;
    const mod = st.moduleSpecifier.text;
    const m = model.get(mod) ?? { side: false, def: null, ns: null, named: new Map(), allType: false };
    model.set(mod, m);
    const c = st.importClause;
    if (!c) { m.side = true; continue; }
    if (c.name) m.def = { name: c.name.text, type: c.isTypeOnly };
    const b = c.namedBindings;
    if (b && ts.isNamespaceImport(b)) m.ns = { name: b.name.text, type: c.isTypeOnly };
    if (b && ts.isNamedImports(b)) {
      for (const e of b.elements) m.named.set(e.name.text, { type: c.isTypeOnly || e.isTypeOnly, prop: e.propertyName?.text ?? null });
    }
  }
  return model;
}

function renderImports(model) {
  const out = [];
  for (const [mod, m] of model) {
    if (m.side && !m.def && !m.ns && !m.named.size) { out.push(`import "${mod}";`); continue; }
    if (m.ns) out.push(`import ${m.ns.type ? "type " : ""}* as ${m.ns.name} from "${mod}";`);
    const named = [...m.named];
    const allType = named.length && named.every(([, v]) => v.type) && !m.def;
    const spec = named.map(([n, v]) => `${v.type && !allType ? "type " : ""}${v.prop ? `${v.prop} as ` : ""}${n}`);
    if (!m.def && !spec.length) continue;
    const head = `import ${allType ? "type " : ""}${m.def ? m.def.name + (spec.length ? ", " : "") : ""}`;
    let line = `${head}${spec.length ? `{ ${spec.join(", ")} }` : ""} from "${mod}";`;
    if (line.length > 120 && spec.length) {
      const rows = [];
      let row = "";
      for (const s of spec) {
        if (row && row.length + s.length + 2 > 116) { rows.push(row); row = ""; }
        row += (row ? " " : "") + s + ",";
      }
      rows.push(row);
      line = `${head}{\n${rows.map((r) => `  ${r}`).join("\n")}\n} from "${mod}";`;
    }
    out.push(line);
  }
  return out.join("\n");
}

/** Replace a module's import block (its header comment kept) with the model. */
function withImports(text, sf, model) {
  const imps = sf.statements.filter(ts.isImportDeclaration);
  const block = renderImports(model);
  if (!imps.length) {
    // After the header comment (the first statement's leading comments), or at the top.
    const first = sf.statements[0];
    const at = first ? first.getStart(sf) : text.length;
    return text.slice(0, at) + block + "\n\n" + text.slice(at);
  }
  return text.slice(0, imps[0].getStart(sf)) + block + text.slice(imps[imps.length - 1].getEnd());
}

function respecify(mod, fromFile, toFile) {
  if (!mod.startsWith(".")) return mod;
  let r = path.relative(path.dirname(toFile), path.resolve(path.dirname(fromFile), mod)).split(path.sep).join("/");
  return r.startsWith(".") ? r : `./${r}`;
}
const specFor = (toFile, target) => respecify("./" + path.basename(target).replace(/\.ts$/, ""), target, toFile);

function resolvesTo(mod, importer, target) {
  if (!mod.startsWith(".")) return false;
  const abs = path.resolve(path.dirname(importer), mod);
  return abs === target.replace(/\.ts$/, "") || abs === target;
}

function move([fromRel, toRel, wanted, header]) {
  const from = path.join(SRC, fromRel);
  const to = path.join(SRC, toRel);
  const prog = program();
  const checker = prog.getTypeChecker();
  const norm = (s) => checker.getExportSymbolOfSymbol(s);
  const sf = prog.getSourceFile(from);
  const text = sf.text;

  // Top-level declarations of the module, and its imports, by symbol.
  const decls = new Map(); // symbol → { st, type, name }
  for (const st of sf.statements) {
    const { names, type } = declared(st);
    for (const n of names) decls.set(norm(checker.getSymbolAtLocation(n)), { st, type, name: n.text });
  }
  const importSyms = new Map(); // symbol → local name
  for (const st of sf.statements.filter(ts.isImportDeclaration)) {
    const c = st.importClause;
    if (!c) continue;
    const names = [c.name, c.namedBindings && ts.isNamespaceImport(c.namedBindings) ? c.namedBindings.name : null,
      ...(c.namedBindings && ts.isNamedImports(c.namedBindings) ? c.namedBindings.elements.map((e) => e.name) : [])];
    for (const n of names.filter(Boolean)) importSyms.set(norm(checker.getSymbolAtLocation(n)), n.text);
  }

  const present = wanted.filter((w) => [...decls.values()].some((d) => d.name === w));
  if (!present.length) return console.log(`${fromRel}: ${wanted.join(", ")} already moved`);
  const moving = new Set();
  for (const d of decls.values()) if (present.includes(d.name)) moving.add(d.st);
  // A statement declaring several names moves whole.
  const movedNames = new Set([...decls.values()].filter((d) => moving.has(d.st)).map((d) => d.name));
  const stay = sf.statements.filter((st) => !moving.has(st) && !ts.isImportDeclaration(st));
  const moved = sf.statements.filter((st) => moving.has(st));
  const ownNames = (sts) => new Set(sts.flatMap((st) => declared(st).names));

  const usedByMoved = refs(checker, moved, ownNames(moved));
  const usedByStay = refs(checker, stay, ownNames(stay));

  // Which of the module's own declarations cross the new boundary.
  const needExport = new Map(); // statement → true (in `from`) / in `to`
  const fromModel = importModel(sf);
  const toExists = fs.existsSync(to);
  const toSf = toExists ? ts.createSourceFile(to, fs.readFileSync(to, "utf8"), ts.ScriptTarget.Latest, true) : null;
  const toModel = toSf ? importModel(toSf) : new Map();
  const addImport = (model, mod, name, type) => {
    const m = model.get(mod) ?? { side: false, def: null, ns: null, named: new Map() };
    model.set(mod, m);
    const prev = m.named.get(name);
    m.named.set(name, { type: prev ? prev.type && type : type, prop: null });
  };
  const fromSpecInTo = specFor(to, from);
  const toSpecInFrom = specFor(from, to);
  const cycle = [];
  for (const s of usedByMoved) {
    const d = decls.get(s);
    if (d && !moving.has(d.st)) {
      needExport.set(d.st, "from");
      addImport(toModel, fromSpecInTo, d.name, d.type);
      cycle.push(d.name);
    }
  }
  for (const s of usedByStay) {
    const d = decls.get(s);
    if (d && moving.has(d.st)) {
      needExport.set(d.st, "to");
      addImport(fromModel, toSpecInFrom, d.name, d.type);
    }
  }
  if (cycle.length) console.warn(`warning: ${toRel} imports ${cycle.join(", ")} back from ${fromRel} (an import cycle)`);

  // The imports the moved code used, copied (relative paths re-pointed); the ones nothing uses any more, dropped.
  const usedLocal = (syms) => new Set([...syms].map((s) => importSyms.get(s)).filter(Boolean));
  const movedImports = usedLocal(usedByMoved);
  const stayImports = usedLocal(usedByStay);
  for (const [mod, m] of importModel(sf)) {
    const target = respecify(mod, from, to);
    for (const [n, v] of m.named) if (movedImports.has(n)) {
      const tm = toModel.get(target) ?? { side: false, def: null, ns: null, named: new Map() };
      toModel.set(target, tm);
      tm.named.set(n, v);
    }
    if (m.def && movedImports.has(m.def.name)) (toModel.get(target) ?? toModel.set(target, { side: false, def: null, ns: null, named: new Map() }).get(target)).def = m.def;
    if (m.ns && movedImports.has(m.ns.name)) (toModel.get(target) ?? toModel.set(target, { side: false, def: null, ns: null, named: new Map() }).get(target)).ns = m.ns;
    const fm = fromModel.get(mod);
    if (!fm) continue;
    for (const n of [...fm.named.keys()]) if (!stayImports.has(n)) fm.named.delete(n);
    if (fm.def && !stayImports.has(fm.def.name)) fm.def = null;
    if (fm.ns && !stayImports.has(fm.ns.name)) fm.ns = null;
    if (!fm.side && !fm.def && !fm.ns && !fm.named.size) fromModel.delete(mod);
  }
  // A module never imports itself.
  for (const [mod] of toModel) if (resolvesTo(mod, to, to)) toModel.delete(mod);

  // The moved text, with `export` where another module now needs it.
  const exportText = (st) => {
    const s = text.slice(st.getFullStart(), st.getEnd());
    if (!needExport.has(st) || isExported(st)) return s;
    const at = st.getStart(sf) - st.getFullStart();
    return s.slice(0, at) + "export " + s.slice(at);
  };
  const movedText = moved.map(exportText).join("").replace(/^\s*\n/, "");

  // `import("…")` of the old module: its callers reach its names through the module object, which cannot be re-pointed.
  for (const other of prog.getSourceFiles()) {
    const f = other.fileName;
    if (!f.startsWith(SRC) || f.endsWith(".d.ts")) continue;
    other.forEachChild(function visit(n) {
      if (ts.isCallExpression(n) && n.expression.kind === ts.SyntaxKind.ImportKeyword && ts.isStringLiteral(n.arguments[0])
        && resolvesTo(n.arguments[0].text, f, from)) {
        const uses = [...movedNames].filter((x) => other.text.includes(`.${x}(`));
        if (uses.length) throw new Error(`${rel(f)} uses ${uses.join(", ")} through import() of ${fromRel}: do not move them`);
      }
      ts.forEachChild(n, visit);
    });
  }

  // The new (or grown) module.
  let toText;
  if (toExists) {
    toText = withImports(toSf.text, toSf, toModel).replace(/\s*$/, "\n\n") + movedText.trimStart() + "\n";
  } else {
    toText = `${header}\n\n${renderImports(toModel)}\n\n${movedText.trimStart()}\n`;
  }

  // The old module: moved statements out, `export` on what the new one imports, imports recomputed.
  let out = "";
  let pos = 0;
  const firstImport = sf.statements.find(ts.isImportDeclaration);
  const lastImport = [...sf.statements].reverse().find(ts.isImportDeclaration);
  for (const st of sf.statements) {
    if (moving.has(st)) {
      out += text.slice(pos, st.getFullStart());
      pos = st.getEnd();
    } else if (needExport.get(st) === "from" && !isExported(st)) {
      out += text.slice(pos, st.getStart(sf)) + "export ";
      pos = st.getStart(sf);
    }
  }
  out += text.slice(pos);
  const reparsed = ts.createSourceFile(from, out, ts.ScriptTarget.Latest, true);
  out = withImports(out, reparsed, fromModel).replace(/\n{3,}/g, "\n\n");
  void firstImport; void lastImport;

  fs.writeFileSync(to, toText.replace(/\n{3,}/g, "\n\n"));
  fs.writeFileSync(from, out);

  // Other modules that imported a moved name from the old module import it from the new one.
  for (const other of prog.getSourceFiles()) {
    const f = other.fileName;
    if (!f.startsWith(SRC) || f === from || f === to || f.endsWith(".d.ts")) continue;
    const model = importModel(other);
    let changed = false;
    for (const [mod, m] of [...model]) {
      if (!resolvesTo(mod, f, from)) continue;
      for (const [n, v] of [...m.named]) {
        const orig = v.prop ?? n;
        if (!movedNames.has(orig)) continue;
        m.named.delete(n);
        const spec = specFor(f, to);
        const tm = model.get(spec) ?? { side: false, def: null, ns: null, named: new Map() };
        model.set(spec, tm);
        tm.named.set(n, v);
        changed = true;
      }
      if (!m.side && !m.def && !m.ns && !m.named.size) model.delete(mod);
    }
    if (changed) {
      fs.writeFileSync(f, withImports(other.text, other, model));
      console.log(`${rel(f)}: imports re-pointed to ${toRel}`);
    }
  }
  console.log(`${fromRel} → ${toRel}: ${[...movedNames].join(", ")}`);
}

// --- run ---------------------------------------------------------------------------------------------------------

const only = process.argv[2]; // "i18n" or "views" to run one part
if (!only || only === "i18n") splitI18n();
if (!only || only === "views") for (const m of MOVES) move(m);
