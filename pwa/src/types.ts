// Shapes of the API's responses (see /api/v1/openapi.json).

export type Role = "technician" | "business_admin" | "site_manager" | "operator" | "device" | "api_client";

export interface Me {
  id: number;
  login: string;
  role: Role;
  display_name: string;
  admin_tier: number | null;
  business_pk: number | null;
  technician_pk: number | null;
}

export interface FieldError {
  field: string;
  message: string;
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
}

export interface Application {
  id: number;
  subject_type: "technician" | "business";
  technician_pk: number | null;
  business_pk: number | null;
  kind: "new" | "upgrade";
  proxy: boolean;
  status: "submitted" | "returned" | "approved";
  return_reasons: ReturnReason[];
  submitted_at: string;
  decided_at: string | null;
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
  message: string;
  created_at: string;
  read_at: string | null;
}
