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
  "errcode.invalid_corporate_number": ["法人番号が正しくありません（13桁・チェックデジット）。", "Not a valid corporate number (13 digits with its check digit)."],
  "errcode.placeholder_name_required": ["会社名を入力してください。", "Enter the firm's name."],
  "errcode.placeholder_name_too_long": ["会社名が長すぎます（200文字まで）。", "The firm's name is too long (200 characters at most)."],
  "errcode.business_already_registered": ["この法人番号の会社は CCUS に登録済みです。事業者IDで招待してください。", "A firm with this corporate number is registered in CCUS: invite it with its business ID."],
  "errcode.not_upper_tier": ["元請側か直近上位の会社だけが登録できます。", "Only the prime's side or the tier directly above can do this."],
  "errcode.already_in_tree": ["この会社はすでにこの現場の施工体制に入っています。", "This firm is already in the site's contract tree."],
} as const satisfies Record<string, readonly [string, string]>;
