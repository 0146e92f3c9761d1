// The English texts: one chunk of their own, fetched only when someone switches to English (scripts/english-apart.ts keeps
// just the Japanese in the shell). In development the catalogues still carry both, so `english()` returning
// undefined falls back to the catalogue's own second text.

let EN: Record<string, string> | null = null;

/** The English text of a message key ("app.title"), an error code ("code:not_found") or a field type ("field:…"). */
export function english(key: string): string | undefined {
  return EN?.[key];
}

/** Fetch the English chunk (the service worker keeps it for offline use). Throws when it can't be had. */
export async function loadEnglish(): Promise<void> {
  if (!EN) EN = (await import("virtual:messages-en")).default;
}
