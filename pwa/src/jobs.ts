// The kinds of outbox job: a single API request, and a technician's registration in its steps
// (create → face photo → identity document → apply), which resumes where it stopped.

import { api, COOKIE_SESSION, FormPart, session } from "./api";
import { Job, newJob, registerRunner } from "./outbox";
import type { Me, Technician } from "./types";

export interface RequestPayload {
  method: string;
  path: string;
  json?: unknown;
  form?: [string, FormPart][];
}

export function requestJob(label: { ja: string; en: string }, payload: RequestPayload): Job<RequestPayload> {
  return newJob("request", label, payload, session.me?.id ?? null);
}

registerRunner("request", async (job: Job<RequestPayload>) => {
  const { method, path, json, form } = job.payload;
  return api(method, path, { json, form });
});

export interface RegisterPayload {
  mode: "self" | "proxy";
  businessPk?: number;
  data: Record<string, unknown>;
  photo: { blob: Blob; filename: string } | null;
  idDocument: { blob: Blob; filename: string } | null;
}

export interface RegisterResult {
  techPk: number;
  mode: "self" | "proxy";
}

export function registerJob(payload: RegisterPayload): Job<RegisterPayload> {
  const name = `${payload.data.family_name ?? ""} ${payload.data.given_name ?? ""}`.trim();
  const label = payload.mode === "self"
    ? { ja: `技能者登録の申請（${name}）`, en: `Technician registration (${name})` }
    : { ja: `代行申請（${name}）`, en: `Proxy registration (${name})` };
  return newJob("register-technician", label, payload, payload.mode === "self" ? null : session.me?.id ?? null);
}

registerRunner("register-technician", async (job: Job<RegisterPayload>, save) => {
  const p = job.payload;
  const progress = job.progress as { techPk?: number; owner?: number; photo?: boolean; idDocument?: boolean; applied?: boolean };
  if (progress.techPk === undefined) {
    if (p.mode === "self") {
      // The API sets the new technician's session cookie: logged in from here on, so a later step that fails is
      // fixed on the "my registration" page.
      const out = await api<{ technician: Technician }>("POST", "/technicians", { json: p.data, auth: false, headers: COOKIE_SESSION });
      progress.techPk = out.technician.id;
      const me = await api<Me>("GET", "/auth/me");
      session.set(me);
      progress.owner = me.id;
      job.owner = me.id; // the remaining steps belong to the new account's session
      await save();
    } else {
      const tech = await api<Technician>("POST", `/businesses/${p.businessPk}/technicians`, { json: p.data });
      progress.techPk = tech.id;
      await save();
    }
  }
  if (job.owner != null && session.me?.id !== job.owner) throw new Error("session changed");
  const pk = progress.techPk;
  if (p.photo && !progress.photo) {
    await api("PUT", `/technicians/${pk}/photo`, { form: [["file", p.photo]] });
    progress.photo = true;
    await save();
  }
  if (p.idDocument && !progress.idDocument) {
    await api("PUT", `/technicians/${pk}/id-document`, { form: [["file", p.idDocument]] });
    progress.idDocument = true;
    await save();
  }
  if (!progress.applied) {
    await api("POST", `/technicians/${pk}/applications`, { json: { kind: "new" } });
    progress.applied = true;
    await save();
  }
  return { techPk: pk, mode: p.mode } satisfies RegisterResult;
});
