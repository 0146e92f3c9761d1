// ログインID: the system assigns people 12 digits (api/accounts/service.py: new_login_id). Shown in groups of four,
// as people read them aloud and copy them onto paper; the API takes them typed with or without the hyphens.

export function loginIdText(login: string): string {
  return /^\d{12}$/.test(login) ? `${login.slice(0, 4)}-${login.slice(4, 8)}-${login.slice(8)}` : login;
}
