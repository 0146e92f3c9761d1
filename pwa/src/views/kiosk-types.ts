// The kiosk's timings and the shapes of what it sends and shows.

import { managedSites } from "./kiosk-enrol";
import { ScanResult } from "./kiosk-scan";

export const RESULT_MS = 5000;
export const RETRY_MS = 5000;
export const HEARTBEAT_MS = 5 * 60_000;
export const PENDING_MAX_MS = 10 * 60_000; // an attempt older than this is dropped (the person has long gone)
export const SCAN_MS = 300;
export const SCAN_RESULT_MS = 3000;

interface Recognised {
  pk: number;
  technician_id: string;
  name: string;
  photo: string | null;
}

export interface CheckinOut {
  id: number;
  outcome: "accepted" | "review" | "needs_card" | "not_recognised" | "ambiguous";
  message: string;
  technician: Recognised | null;
  tap_status: string | null;
  reject_reason?: string | null;
  distance: number | null;
  liveness_risk: number;
  duplicate: boolean;
}

export interface Attempt {
  key: string;
  deviceTime: string;
  frames: Blob[];
  created: number;
  retried: boolean;
}

export type Phase = "enrol" | "ready" | "capturing" | "sending" | "waiting" | "result";
export type Result = { kind: "checkin"; out: CheckinOut } | { kind: "scan"; out: ScanResult } | { kind: "error"; text: string };
export type Sites = Awaited<ReturnType<typeof managedSites>>;

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
