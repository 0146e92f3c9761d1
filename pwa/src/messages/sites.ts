// A missing upper tier in a site's contract tree (a firm not registered in CCUS, entered by name and 法人番号) and
// the text of its API error codes ([ja, en]).

export const PLACEHOLDERS = {
  "ph.title": ["未登録の上位会社を登録", "Enter a missing upper-tier firm"],
  "ph.intro": ["上位の会社が CCUS に未登録のため下位の会社が施工体制に入れないときは、会社名と法人番号で仮登録してください。下位の会社は本来の次数で入れます。その会社が同じ法人番号で事業者登録し承認されると、仮登録は自動的にその会社に置き換わります。",
    "When an upper-tier firm is not registered in CCUS and the firms below cannot join, enter it by name and corporate number. The firms below then join at their real tier. When the firm registers with that number and is approved, it takes the placeholder's place."],
  "ph.name": ["会社名", "Firm name"],
  "ph.corporate_number": ["法人番号（13桁）", "Corporate number (13 digits)"],
  "ph.corporate_number_hint": ["全角数字・ハイフンも入力できます。", "Full-width digits and hyphens are accepted."],
  "ph.parent": ["直近上位の会社", "Directly above"],
  "ph.submit": ["仮登録する", "Enter the firm"],
  "ph.added": ["「{name}」を仮登録しました。", "\"{name}\" entered."],
  "ph.badge": ["未登録（仮登録）", "Not registered (placeholder)"],
  "ph.number": ["法人番号", "Corporate number"],
} as const satisfies Record<string, readonly [string, string]>;
