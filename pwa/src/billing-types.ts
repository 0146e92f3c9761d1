// Shapes of the billing, payment and KPI responses (api/billing/schemas.py, api/payments/schemas.py,
// api/kpi/schemas.py).

export interface RateTotal {
  tax_rate_percent: number;
  amount_yen: number;
  tax_yen: number;
}

export interface Invoice {
  id: number;
  number: string;
  payment_reference: string;
  kind: string; // monthly / immediate
  business_pk: number | null;
  technician_pk: number | null;
  payer_name?: string | null; // in lists: the business's name, or the technician's
  period: string | null;
  issued_on: string;
  due_on: string;
  total_yen: number;
  tax_yen: number;
  by_rate: RateTotal[];
  credited_yen: number;
  paid_yen: number;
  balance_yen: number;
  status: string; // open / paid
  payment_status: "unpaid" | "partially_paid" | "paid" | "overpaid";
}

export interface InvoiceLine {
  fee_type: string;
  label: string;
  site_pk: number | null;
  site_name?: string | null;
  unit_price_yen: number;
  quantity: number;
  amount_yen: number;
  tax_rate_percent: number;
}

export interface CreditNote {
  id: number;
  number: string;
  invoice_pk: number;
  issued_on: string;
  total_yen: number;
  tax_yen: number;
  by_rate: RateTotal[];
  reason: string;
  lines: { fee_type: string | null; label: string; amount_yen: number; tax_rate_percent: number }[];
}

export interface Allocation {
  payment_pk: number;
  source: string;
  amount_yen: number;
  received_on: string;
  matched_by: string;
}

export interface OnlinePayment {
  intent_id: string;
  method: string;
  amount_yen: number;
  status: string;
  failure_message: string | null;
}

export interface TransferAccount {
  bank: string;
  branch: string;
  account_type: string;
  account_number: string;
  holder: string;
  demo: boolean;
}

export interface InvoiceDetail extends Invoice {
  lines: InvoiceLine[];
  credit_notes: CreditNote[];
  payments: Allocation[];
  online_payments: OnlinePayment[];
  transfer_to: TransferAccount | null;
  online_payment_available: boolean;
}

export interface Charge {
  id: number;
  fee_type: string;
  label: string;
  event_date: string;
  site_pk: number | null;
  quantity: number;
  unit_price_yen: number;
  amount_yen: number;
  counted_in: string;
  invoice_pk: number | null;
}

/** POST /invoices/{pk}/payments. Only client_secret today; the optional fields are what a hosted page would add. */
export interface PayOut {
  intent_id: string | null; // null on the hosted page: the provider creates the payment when the payer pays
  client_secret: string | null;
  method: string;
  amount_yen: number;
  status: string;
  hosted_url?: string | null;
}

export interface BillingRun {
  period: string;
  started_at: string;
  finished_at: string | null;
  runs: number;
  usage_charges: number;
  renewal_charges: number;
  invoices: number;
  invoiced_yen: number;
  carried_businesses: number;
}

export interface PaymentException {
  id: number;
  reason: string;
  detail: string;
  status: string;
  resolution: string | null;
  note: string | null;
  candidate_invoice_pk: number | null;
  created_at: string;
  resolved_at: string | null;
  payment_pk: number;
  source: string;
  amount_yen: number;
  unapplied_yen: number;
  received_on: string;
  payer_name: string;
  reference: string;
}

export interface BankImport {
  id: number;
  filename: string;
  records: number;
  new_payments: number;
  duplicates: number;
  matched: number;
  queued: number;
  lines: { record: number; amount_yen: number; payer_name: string; outcome: string; invoice_pk: number | null; reason: string | null }[];
}

export interface RevenueCategory {
  code: string;
  label_ja: string;
  fee_types: string[];
  plan_yen: number | null;
  accrued_yen: number;
  credited_yen: number;
  net_yen: number;
  achievement: number | null;
  quarters: { quarter: number; actual_yen: number }[];
  plan_cite: string | null;
}

export interface Revenue {
  fiscal_year: number;
  plan_source: string | null;
  categories: RevenueCategory[];
  unattributed_credits_yen: number;
  plan_total_yen: number | null;
  net_total_yen: number;
}

export interface Measure {
  quarter: number;
  year_to_date: number;
  year_to_date_target: number | null;
  all_time: number | null;
  all_time_target: number | null;
}

export interface SegmentRow {
  key: string;
  technicians: number;
  businesses: number;
  work_records: number;
}

export interface KpiQuarter {
  quarter: number;
  first_day: string;
  last_day: string;
  technicians: Measure;
  businesses: Measure;
  work_records: Measure;
  segments: Record<string, SegmentRow[]>;
}

export interface Registrations {
  fiscal_year: number;
  target_source: string;
  quarters: KpiQuarter[];
}
