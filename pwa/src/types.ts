// Shapes of the API's responses (see /api/v1/openapi.json).

export type Role = "technician" | "business_admin" | "site_manager" | "operator" | "device" | "api_client" | "registration_agent";

export interface Me {
  id: number;
  login: string;
  role: Role;
  display_name: string;
  admin_tier: number | null;
  business_pk: number | null;
  technician_pk: number | null;
  must_change_password?: boolean;
}

export interface FieldError {
  field: string;
  /** English, for developers: users read the text for `type` (pydantic's error type or an error code). */
  message: string;
  type?: string;
  ctx?: Record<string, string | number | boolean | null>;
}

export interface ReturnReason {
  field: string;
  reason: string;
}

export interface Card {
  serial: string;
  issued_on: string;
  valid_until: string;
  status: string;
  key_version: number;
}

export interface Qualification {
  id: number;
  code: string;
  name: string;
  category: string;
  acquired_on: string;
  expires_on: string | null;
  has_certificate: boolean;
  approved?: boolean; // false while its application is under review: counts nowhere yet
}

export type InsuranceStatus = "enrolled" | "exempt" | "not_enrolled";

export interface SocialInsurance {
  health: InsuranceStatus;
  pension: InsuranceStatus;
  employment: InsuranceStatus;
}

export interface DatedItem {
  name: string;
  on: string;
}

export interface Education {
  school: string;
  department?: string | null;
  graduated_on?: string | null;
}

export interface Detailed {
  labour_insurance_special?: boolean;
  health_checks?: DatedItem[];
  education?: Education[];
  trainings?: DatedItem[];
  awards?: DatedItem[];
}

export interface Technician {
  id: number;
  technician_id: string | null;
  employer_pk: number | null;
  tier: "simplified" | "detailed";
  status: "draft" | "submitted" | "returned" | "approved";
  family_name: string;
  given_name: string;
  family_name_kana: string;
  given_name_kana: string;
  birth_date: string;
  sex: "male" | "female" | "other";
  nationality: string;
  postal_code: string;
  address: string;
  phone: string;
  email: string | null;
  trades: string[];
  experience_text: string | null;
  social_insurance: SocialInsurance;
  retirement_aid: { kentaikyo: boolean; chutaikyo?: boolean };
  residence_status: string | null;
  residence_expiry: string | null;
  has_identity_document: boolean;
  has_photo: boolean;
  has_id_document: boolean;
  detailed: Detailed;
  disclosure: { show_qualifications_to_sites?: boolean; show_levels_publicly?: boolean };
  proxy: boolean;
  qualifications: Qualification[];
  card: Card | null;
  registration_expires_on?: string | null;
  renewal_opens_on?: string | null;
  open_renewal_pk?: number | null;
}

export interface Application {
  id: number;
  subject_type: "technician" | "business";
  technician_pk: number | null;
  business_pk: number | null;
  kind: "new" | "upgrade" | "change" | "renewal";
  proxy: boolean;
  status: "submitted" | "returned" | "approved";
  return_reasons: ReturnReason[];
  submitted_at: string;
  decided_at: string | null;
  change_type?: "qualification" | "data" | "prior_experience" | "kaitai" | "business_data" | null;
  payload?: Record<string, unknown> | null;
  has_document?: boolean;
  priced_on?: string | null; // the fee's pricing date: the first submission
  fee_yen?: number | null;
}

export interface Fee {
  band: string;
  amount_yen: number;
  on: string;
}

export interface Business {
  id: number;
  business_id: string;
  corporate_number: string | null;
  name: string;
  name_kana: string;
  capital_yen: number | null;
  sole_proprietor: boolean;
  permit_number: string | null;
  permitted_industries: string[];
  social_insurance: SocialInsurance;
  postal_code: string;
  prefecture: string;
  address: string;
  phone: string;
  email: string;
  status: string;
  created_at: string;
  registration_fee: Fee;
}

export interface Account {
  id: number;
  login: string;
  role: Role;
  display_name: string;
  admin_tier: number | null;
  business_pk: number | null;
}

export interface TechnicianSummary {
  id: number;
  technician_id: string | null;
  name: string;
  tier: string;
  status: string;
  card_status: string | null;
  residence_expiry: string | null;
}

export interface ReviewItem {
  application: Application;
  technician?: Technician | null;
  business?: Business | null;
  /** The registration agent that filed it (api/agents), if any. */
  filed_by?: { agent_pk: number; agent_name: string; filing_pk: number; channel: string; consent_on: string } | null;
}

export interface AuditEntry {
  id: number;
  at: string;
  actor_id: number | null;
  actor_login: string | null;
  actor_role: string | null;
  action: string;
  entity_type: string;
  entity_id: string;
  before: unknown;
  after: unknown;
  reason: string | null;
}

export interface Notice {
  id: number;
  kind: string;
  about: string; // whom the notice is about: a technician, a business, a payer
  message: string;
  created_at: string;
  read_at: string | null;
}

/** What waits for the current user, by kind (GET /notifications/counts): the navigation's badges. */
export interface PendingCounts {
  notices: number;
  direct_inputs: number;
  invitations: number;
  invoices: number;
  overdue_invoices: number;
  reviews: number;
}

// --- sites, contract trees, rosters, devices, taps and work records ---------------------------------------------

export interface Geofence {
  lat: number;
  lon: number;
  radius_m: number;
}

export interface Site {
  id: number;
  site_id: string;
  prime_pk: number;
  name: string;
  address: string;
  order_type: "public" | "private";
  window_start: string;
  window_end: string;
  cutoff_hour: number;
  shift_hours: number; // the longest shift (4–36 h): an exit this long after the entry still closes it
  hazardous: boolean;
  geofence: Geofence | null;
  manager_account_ids: number[];
  created_at: string;
}

export interface Contract {
  id: number;
  business_pk: number;
  business_id: string;
  business_name: string;
  parent_id: number | null;
  tier: number;
  status: "invited" | "approved" | "declined";
  proxy: boolean;
  /** A missing upper tier entered by name and 法人番号 (not registered in CCUS). */
  placeholder?: boolean;
  corporate_number?: string | null;
}

export type Position = "foreman" | "team_leader" | "worker" | "apprentice";

export interface RosterEntry {
  id: number;
  technician_pk: number;
  technician_id: string;
  name: string;
  employer_pk: number;
  trade: string;
  position: Position;
  work_content: string | null;
  active: boolean;
}

export interface Device {
  id: number;
  site_pk: number;
  kind: "reader" | "kiosk";
  name: string;
  enrolled_at: string | null;
  revoked_at: string | null;
  last_seen_at: string | null;
  software_version: string | null;
  outbox_depth: number | null;
  reader_name: string | null;
}

export interface DeviceCreated {
  device: Device;
  enrolment_code: string;
}

export interface Tap {
  id: number;
  technician_code: string;
  method: string;
  direction: string | null;
  device_pk: number | null;
  device_time: string;
  received_at: string;
  work_date: string;
  status: "accepted" | "pending" | "rejected";
  reject_reason: string | null;
}

export interface WorkRecord {
  id: number;
  technician_pk: number;
  site_pk: number;
  site_id?: string | null;
  site_name?: string | null;
  technician_name?: string | null;
  work_date: string;
  first_in: string | null;
  last_out: string | null;
  employer_pk: number | null;
  tier: number | null;
  trade: string | null;
  position: string | null;
  work_content: string | null;
  method: string;
  taps: number;
  missing_exit: boolean;
}

export interface DirectInput {
  id: number;
  technician_pk: number;
  technician_name?: string | null;
  site_pk: number;
  site_id?: string | null;
  site_name?: string | null;
  work_date: string;
  start_at: string;
  end_at: string | null;
  reason: string;
  status: "pending" | "approved" | "rejected";
  deadline: string;
  decision_note: string | null;
}

/** A roster entry seen from the technician (GET /technicians/{pk}/sites). */
export interface TechnicianSite {
  site_pk: number;
  site_id: string;
  site_name: string;
  site_address: string;
  window_start: string;
  window_end: string;
  employer_pk: number;
  trade: string;
  position: string;
  work_content: string | null;
  active: boolean;
}

export interface ApiClient {
  id: number;
  client_id: string;
  client_secret: string;
}

// --- levels -------------------------------------------------------------------------------------------------------

export interface TradeLevel {
  trade: string;
  evaluated: boolean;
  level: number | null;
  criteria_version: string | null;
  reason: string | null;
  missing_for_next: string[];
  counted_days: number | null;
  foreman_days: number | null;
  lead_days: number | null;
  estimate?: boolean; // the engine's estimate; official only once an assessment body judges it
  official_level?: number;
  official_colour?: "white" | "blue" | "silver" | "gold";
}

export interface LevelHistory {
  trade: string;
  level: number;
  from_level: number | null;
  direction: string;
  criteria_version: string;
  on: string;
}

export interface Levels {
  technician_pk: number;
  on: string;
  trades: TradeLevel[];
  history: LevelHistory[];
}

// --- 経審 -----------------------------------------------------------------------------------------------------------

export interface ContractHistory {
  id: number;
  customer: string;
  work_name: string;
  prime: boolean;
  location: string;
  amount_thousand_yen: number;
  started_on: string | null;
  completed_on: string | null;
  industry_code: string | null;
  breakdown_code: string | null;
  site_id?: number | null;
  public?: boolean;
  exemption?: "overseas" | "minor" | "disaster" | null;
}

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
