// The kinds of outbox job: a single API request, and a technician's registration (data, photos and application in
// one request, so it is made whole or not at all).

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
  loginId: string; // the ログインID the system assigned
}

type Registered = { technician: Technician; login_id: string };

export function registerJob(payload: RegisterPayload): Job<RegisterPayload> {
  const name = `${payload.data.family_name ?? ""} ${payload.data.given_name ?? ""}`.trim();
  const label = payload.mode === "self"
    ? { ja: `技能者登録の申請（${name}）`, en: `Technician registration (${name})` }
    : { ja: `代行申請（${name}）`, en: `Proxy registration (${name})` };
  return newJob("register-technician", label, payload, payload.mode === "self" ? null : session.me?.id ?? null);
}

registerRunner("register-technician", async (job: Job<RegisterPayload>) => {
  // One request: the data, the photos and the application, written whole or not at all (a refused photo leaves no
  // half-made account behind; the form shows the refusal and the applicant sends again).
  const p = job.payload;
  const form: [string, FormPart][] = [["data", JSON.stringify(p.data)]];
  if (p.photo) form.push(["photo", p.photo]);
  if (p.idDocument) form.push(["id_document", p.idDocument]);
  // Sent again after an answer that was lost (offline at the wrong moment), the payload's request_key gets the account
  // the first send made, not a second registration.
  if (p.mode === "self") {
    // The API sets the new technician's session cookie: logged in from here on.
    const out = await api<Registered>("POST", "/technicians/register", { form, auth: false, headers: COOKIE_SESSION });
    session.set(await api<Me>("GET", "/auth/me"));
    job.owner = session.me?.id ?? null;
    return { techPk: out.technician.id, mode: p.mode, loginId: out.login_id } satisfies RegisterResult;
  }
  const out = await api<Registered>("POST", `/businesses/${p.businessPk}/technicians/register`, { form });
  return { techPk: out.technician.id, mode: p.mode, loginId: out.login_id } satisfies RegisterResult;
});
