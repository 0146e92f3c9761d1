// Messages of fee quotes, card renewal (登録更新) and the lump-sum site fee ([ja, en]), with the text of their API
// error codes (issue 14 items 5–7). One block, so the error catalogue can be merged or moved as a whole.

export const FEES = {
  // --- fee quotes (before an application is submitted) ---
  "fee.quote": ["手数料 {amount}（税込）", "Fee {amount} (tax included)"],
  "fee.quote_note": ["申請した日の料金が適用され、承認後に請求されます。差し戻し後の再申請でも最初の申請日の料金のままです。",
    "The fee of the day you apply is charged after approval, also when you resubmit after a return."],
  "fee.quote_unavailable": ["手数料を取得できませんでした（オフライン）。申請した日の料金が適用されます。",
    "The fee could not be loaded (offline). The fee of the day you apply is charged."],
  "fee.application": ["手数料 {amount}（{on} の料金）", "Fee {amount} (price of {on})"],
  // --- renewal (登録更新) ---
  "kind.renewal": ["登録の更新", "Renewal"],
  "renewal.title": ["登録の有効期限と更新", "Expiry and renewal"],
  "renewal.expires": ["登録の有効期限", "Registration valid until"],
  "renewal.opens": ["更新の申請開始日", "Renewal opens on"],
  "renewal.not_yet": ["更新は {on} から申請できます（有効期限の6か月前）。", "You can apply for renewal from {on} (6 months before expiry)."],
  "renewal.open_now": ["登録の更新を申請できます。新しい有効期限は今の有効期限から数えます。", "You can apply for renewal now. The new period counts from the current expiry."],
  "renewal.expired": ["登録の有効期限が切れています。カードの再発行ではなく、登録の更新を申請してください。", "The registration has expired: apply for renewal, not a card reissue."],
  "renewal.apply": ["登録の更新を申請する", "Apply for renewal"],
  "renewal.applied": ["登録の更新を申請しました。", "Renewal application submitted."],
  "renewal.pending": ["更新の申請は審査中です。", "Your renewal application is under review."],
};
