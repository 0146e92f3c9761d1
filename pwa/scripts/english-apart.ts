// English apart (page weight, issue 19.8). Every message is written once as [ja, en] (src/messages/*.ts, and the
// server's error catalogue in src/generated/errors.json), and stays so for the type checker and in development. The
// bundle the browser gets keeps only the Japanese in each catalogue; the English is one chunk of its own
// (`virtual:messages-en`, src/english.ts) fetched when someone switches to English. Japanese is the default and most
// users never switch: the shell's script shrank from 62.7 KB to about 50 KB (brotli) with this.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import ts from "typescript";
import type { Plugin } from "vite";

export const ENGLISH_ID = "virtual:messages-en";
const RESOLVED = "\0" + ENGLISH_ID;

type Pair = { key: string; start: number; end: number; ja: string; en: string };

/** The `"key": ["ja", "en"]` properties of a catalogue file, with where each array stands in the text. */
function pairsOf(file: string, code: string): Pair[] {
  const sf = ts.createSourceFile(file, code, ts.ScriptTarget.ES2020, true, ts.ScriptKind.TS);
  const found: Pair[] = [];
  const visit = (n: ts.Node): void => {
    if (ts.isPropertyAssignment(n) && ts.isArrayLiteralExpression(n.initializer)) {
      const els = n.initializer.elements;
      const name = n.name;
      if (els.length === 2 && els.every(ts.isStringLiteralLike) && (ts.isStringLiteral(name) || ts.isIdentifier(name))) {
        const [ja, en] = els as unknown as [ts.StringLiteralLike, ts.StringLiteralLike];
        found.push({ key: name.text, start: n.initializer.getStart(sf), end: n.initializer.getEnd(), ja: ja.text, en: en.text });
      }
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return found;
}

type Catalogue = { codes: Record<string, [string, string]>; fields: Record<string, [string, string]> };

export function englishApart(src: string): Plugin {
  const messages = join(src, "messages");
  const errorsJson = join(src, "generated", "errors.json");
  const isCatalogue = (id: string) => id.startsWith(messages + "/") && id.endsWith(".ts") && !id.endsWith("/errors.ts");
  return {
    name: "openccus-english-apart",
    enforce: "pre", // on the TypeScript source, before esbuild
    resolveId: (id) => (id === ENGLISH_ID ? RESOLVED : null),
    load(id) {
      if (id !== RESOLVED) return null;
      const en: Record<string, string> = {};
      for (const name of readdirSync(messages).filter((n) => n.endsWith(".ts") && n !== "errors.ts")) {
        const file = join(messages, name);
        this.addWatchFile(file);
        for (const p of pairsOf(file, readFileSync(file, "utf8"))) en[p.key] = p.en;
      }
      this.addWatchFile(errorsJson);
      const errors = JSON.parse(readFileSync(errorsJson, "utf8")) as Catalogue;
      for (const [code, pair] of Object.entries(errors.codes)) en[`code:${code}`] = pair[1];
      for (const [type, pair] of Object.entries(errors.fields)) en[`field:${type}`] = pair[1];
      return `export default ${JSON.stringify(en)};`;
    },
    transform(code, id) {
      const path = id.split("?", 1)[0];
      if (path === errorsJson) {
        const errors = JSON.parse(code) as Catalogue;
        const ja = (m: Record<string, [string, string]>) => Object.fromEntries(Object.entries(m).map(([k, p]) => [k, [p[0]]]));
        return { code: JSON.stringify({ codes: ja(errors.codes), fields: ja(errors.fields) }), map: null };
      }
      if (!isCatalogue(path)) return null;
      const pairs = pairsOf(path, code);
      // A catalogue the parser finds nothing in has changed shape: fail the build rather than ship English silently.
      if (pairs.length === 0) this.error(`${path}: no ["ja", "en"] messages found`);
      let out = code;
      for (const p of [...pairs].reverse()) out = out.slice(0, p.start) + JSON.stringify([p.ja]) + out.slice(p.end);
      return { code: out, map: null };
    },
  };
}
