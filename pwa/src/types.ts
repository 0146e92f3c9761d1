// Shapes of the API's responses (see /api/v1/openapi.json).

import type { components } from "./contract/api";

// The API's types are the generated ones (contract/api.d.ts, from the OpenAPI document: npm run api-types). Where
// the API still declares a field as a plain string, Typed gives that field its real shape; the rest of the schema
// stays generated.
export type Schemas = components["schemas"];
type Typed<S extends keyof Schemas, Fields> = Omit<Schemas[S], keyof Fields> & Fields;

export type Role = "technician" | "business_admin" | "site_manager" | "operator" | "device" | "api_client" | "registration_agent";

export type Me = Typed<"MeOut", { role: Role }>;

/** `message` is English, for developers: users read the text for `type` (pydantic's error type or an error code). */
export type FieldError = Schemas["ErrorField"];

export type ReturnReason = Schemas["ReturnReason"];

export type Card = Schemas["CardOut"];

export type Qualification = Schemas["QualificationOut"];

export type InsuranceStatus = Schemas["SocialInsurance"]["health"];

export type SocialInsurance = Schemas["SocialInsurance"];

export type DatedItem = Schemas["DatedItem"];

export type Education = Schemas["Education"];

export type Detailed = Schemas["DetailedIn"];

export type RetirementAid = Schemas["RetirementAid"];

export type Disclosure = Schemas["DisclosureIn"];

export type Technician = Schemas["TechnicianOut"];

export type Application = Schemas["ApplicationOut"];

export type Fee = Schemas["FeeOut"];

export type Business = Schemas["BusinessOut"];

export type Account = Schemas["AccountOut"];

export type TechnicianSummary = Schemas["TechnicianSummaryOut"];

export type ReviewItem = Schemas["ReviewItemOut"];

export type BatchRun = Schemas["BatchRunOut"];

/** A driver's-licence read (IC chip or card photo) as a registration draft, with a confidence per field. */
export type LicenceDraft = Schemas["DraftOut"];

export type AuditEntry = Schemas["AuditEntryOut"];

export type Notice = Schemas["NotificationOut"];

export type PendingCounts = Schemas["PendingCounts"];

// --- sites, contract trees, rosters, devices, taps and work records ---------------------------------------------

export type Geofence = Schemas["Geofence"];

export type Site = Schemas["SiteOut"];

export type Contract = Schemas["ContractOut"];

export type Position = "foreman" | "team_leader" | "worker" | "apprentice";

export type RosterEntry = Schemas["RosterOut"];

export type Device = Schemas["DeviceOut"];

export type DeviceCreated = Schemas["DeviceCreatedOut"];

export type Tap = Schemas["TapOut"];

export type WorkRecord = Schemas["WorkRecordOut"];

export type DirectInput = Schemas["DirectInputOut"];

export type TechnicianSite = Schemas["TechnicianSiteOut"];

export type ApiClient = Schemas["ApiClientOut"];

// --- levels -------------------------------------------------------------------------------------------------------

export type TradeLevel = Schemas["TradeLevelOut"];

export type LevelHistory = Schemas["LevelHistoryOut"];

export type Levels = Schemas["LevelsOut"];

// --- 経審 -----------------------------------------------------------------------------------------------------------

export type ContractHistory = Schemas["ContractHistoryOut"];

export interface KeishinGroup {
  industry_code: string;
  qualification_code: string;
  lecture: boolean;
  credited: Record<string, number>;
}

export interface KeishinRow {
  serial: number;
  technician_id: string;
  name: string;
  birth_date: string;
  age: number;
  newly_listed: boolean;
  groups: KeishinGroup[];
  points: Record<string, number>;
  applied_points: number;
  supervisor_certificate_no: string;
}

export interface KeishinTotal {
  industry_code: string;
  name: string;
  applied: boolean;
  headcount: number;
  points: number;
  by_points: Record<string, number>;
}

/** Why a 経審 result is what it is: a code with its parameters (api/keishin/reasons.py), worded by the PWA. */
export interface KeishinReason {
  code: string;
  text: string;
  params: Record<string, string>;
}

export interface KeishinExclusion {
  technician_id: string;
  name: string;
  code: string;
  reason: string;
  params: Record<string, string>;
}

export interface KeishinStaff {
  base_date: string;
  application_date: string;
  applied_industries: string[];
  rows: KeishinRow[];
  totals: KeishinTotal[];
  excluded: KeishinExclusion[];
  notes: KeishinReason[];
}

export interface WorksAmount {
  completed: number;
  prime: number;
}

export interface WorksRow {
  item_no: number;
  code: string;
  name: string;
  kind: "industry" | "breakdown" | "other" | "total";
  years: WorksAmount[];
  prior: WorksAmount;
  average: WorksAmount;
}

export interface CompletedWorks {
  application_date: string;
  fiscal_years: { start: string; end: string }[];
  averaging_years: number;
  applied_industries: string[];
  rows: WorksRow[];
  excluded: { index: number; work_name: string; code: string; reason: string; params: Record<string, string> }[];
}

export interface W1Result {
  points: number;
  reasons: KeishinReason[];
  considered: number;
  skills: W1Skills; // W1⑧, beside W1⑩
}

/** W1⑧ from judged level rises (api/keishin/skills.py). */
export interface W1Skills {
  technicians: number;
  risen: number;
  deducted: number;
  ratio: number | null;
  skill_value: number;
  skill_value_status: string;
  engineers: number | null;
  engineer_value: number | null;
  computed_value: number | null;
  points: number | null;
}
