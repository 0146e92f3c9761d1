// Codes the API accepts, generated at build time from the API's own data (scripts/masters.mjs).
import data from "./generated/masters.json";
import { getLang } from "./i18n";

export interface Coded {
  code: string;
  name: string;
}

export const trades: Coded[] = data.trades;
export const qualifications: (Coded & { category: string })[] = data.qualifications;
export const industries: Coded[] = data.industries;
export const prefectures: Coded[] = data.prefectures;

// The trade list is OpenCCUS's own; these are its English names for the English switch.
const TRADES_EN: Record<string, string> = {
  "01-01": "General labourer", "02-01": "Carpenter", "03-01": "Formwork carpenter", "04-01": "Plasterer",
  "05-01": "Rebar worker", "06-01": "Scaffolder (tobi)", "07-01": "Earthworker", "08-01": "Welder",
  "09-01": "Electrician", "10-01": "Plumber", "11-01": "Duct worker", "12-01": "Insulation worker",
  "13-01": "Painter", "14-01": "Waterproofing worker", "15-01": "Interior finisher", "16-01": "Glazier",
  "17-01": "Joiner (fittings)", "18-01": "Roofer", "19-01": "Sheet-metal worker", "20-01": "Tiler",
  "21-01": "Blocklayer", "22-01": "Stonemason", "23-01": "Demolition worker", "24-01": "Landscaper",
  "25-01": "Heavy-equipment operator", "26-01": "Traffic controller",
};

export function tradeName(code: string): string {
  const t = trades.find((x) => x.code === code);
  if (!t) return code;
  return getLang() === "en" && TRADES_EN[code] ? TRADES_EN[code] : t.name;
}

export function qualificationName(code: string): string {
  return qualifications.find((q) => q.code === code)?.name ?? code;
}

export function industryName(code: string): string {
  return industries.find((i) => i.code === code)?.name ?? code;
}

export function prefectureName(code: string): string {
  return prefectures.find((p) => p.code === code)?.name ?? code;
}
