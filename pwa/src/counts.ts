// The navigation's badges: what waits for the current user (unread notices, direct inputs to approve, invitations,
// invoices, applications to review), from one cheap request (GET /notifications/counts) after each page change —
// at most every few seconds — and when a view changes something it counts (refreshCounts(true)).

import { get, session } from "./api";
import { state, update } from "./app";
import type { PendingCounts } from "./types";

const MIN_INTERVAL_MS = 10_000;
let last = 0;
let inflight: Promise<void> | null = null;

export function refreshCounts(force = false): Promise<void> {
  if (!session.me || !navigator.onLine) return Promise.resolve();
  if (inflight) return inflight;
  if (!force && Date.now() - last < MIN_INTERVAL_MS) return Promise.resolve();
  last = Date.now();
  inflight = get<PendingCounts>("/notifications/counts")
    .then((c) => {
      state.counts = c;
      update();
    })
    .catch(() => {
      /* offline or logged out: the badges keep their last values */
    })
    .finally(() => {
      inflight = null;
    });
  return inflight;
}

/** Forget the badges (logout). */
export function clearCounts(): void {
  state.counts = null;
  last = 0;
}

/** The badge number of a navigation link, 0 for none. */
export function badgeFor(href: string): number {
  const c = state.counts;
  if (!c) return 0;
  switch (href) {
    case "/notifications":
      return c.notices;
    case "/firm/sites":
      return c.direct_inputs + c.invitations;
    case "/review":
      return c.reviews;
    case "/me/invoices":
    case "/firm/invoices":
      return c.overdue_invoices;
    default:
      return 0;
  }
}
