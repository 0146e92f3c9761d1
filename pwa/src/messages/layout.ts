// Messages of the phone layout and wording pass (issue 19 item 7) ([ja, en]): subjects named without internal ids.
// Merged last in i18n.ts, so a key here also replaces an earlier wording that showed an id (marked "replaces").

export const LAYOUT = {
  "audit.open_subject": ["対象を開く", "Open the subject"],
  "audit.only_subject": ["この対象の記録だけを表示", "Only this subject's entries"],
  "audit.all_subjects": ["すべての対象を表示", "Show every subject"],
  "audit.filtered": ["1件の対象に絞り込んでいます。", "Showing one subject's entries."],
  // reasons the server writes into the audit trail itself (api/registration/review_routes.py)
  "auditreason.card bureau personalisation": ["カードの書き込み（発行機関）", "Card personalisation by the bureau"],
  "who.unknown": ["（氏名不明）", "(name unknown)"],
  "face.unknown_person": ["（未登録の人）", "(not registered)"],
} as const;
