// Application state shared by the views: the current view, the flash message, re-rendering and navigation.

import type { TemplateResult } from "lit-html";
import type { PendingCounts, Role } from "./types";

export interface View {
  title(): string;
  render(): TemplateResult;
  /** A full-screen view without the header, menu and footer (the site kiosk). */
  bare?: boolean;
  /** Called when the view is left (stop the camera, timers). */
  leave?(): void;
  /** Called when a queued job went through or the language changed: reload data if needed. */
  refresh?(): Promise<void> | void;
}

export interface RouteDef {
  path: string; // "/review/:pk"
  roles?: Role[]; // undefined = public
  load: (params: Record<string, string>, query: URLSearchParams) => Promise<View> | View;
}

export interface Flash {
  kind: "ok" | "error" | "info";
  text: string;
}

export const state = {
  view: null as View | null,
  loading: false,
  flash: null as Flash | null,
  online: navigator.onLine,
  pending: 0,
  failed: 0,
  path: location.pathname,
  counts: null as PendingCounts | null, // the navigation's badges (counts.ts)
};

let renderer: () => void = () => {};
let router: (path: string, flash?: Flash, replace?: boolean) => Promise<void> = async () => {};
let scheduled = false;

export function setRenderer(fn: () => void): void {
  renderer = fn;
}

export function setRouter(fn: typeof router): void {
  router = fn;
}

/** Re-render on the next microtask (many state changes, one render). */
export function update(): void {
  if (scheduled) return;
  scheduled = true;
  queueMicrotask(() => {
    scheduled = false;
    renderer();
  });
}

export function navigate(path: string, opts: { flash?: Flash; replace?: boolean } = {}): Promise<void> {
  return router(path, opts.flash, opts.replace);
}

export function flash(text: string, kind: Flash["kind"] = "ok"): void {
  state.flash = { kind, text };
  update();
  // The message is in a live region; move focus there so keyboard and screen-reader users notice it too.
  queueMicrotask(() => requestAnimationFrame(() => document.getElementById("flash")?.focus()));
}
