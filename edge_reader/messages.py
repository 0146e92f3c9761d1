"""What the reader says to people, in Japanese (the default) or English (``--lang en``).

Events and errors carry a stable ``code`` for machines (gate displays, tests); ``text(code, lang)`` is what a person
reads. Server reject reasons (docs/card-profile.md §8 and the attendance rules) are codes of this catalogue too.
"""

from __future__ import annotations

LANGS = ("ja", "en")

CATALOGUE: dict[str, tuple[str, str]] = {
    # --- at the gate -------------------------------------------------------------------------------------------
    "tap_ok": ("記録しました。", "Recorded."),
    "tap_already_recorded": (
        "記録済みです（同じカードの直前のタッチ）。",
        "Already recorded (the same card just now).",
    ),
    "card_revoked": ("このカードは失効しています。使用できません。", "This card has been revoked and cannot be used."),
    "card_expired": ("カードの有効期限が切れています。", "This card has expired."),
    "not_openccus": ("建設キャリアアップのカードではありません。", "Not an OpenCCUS card."),
    "card_removed": ("読み取り中にカードが離れました。もう一度タッチしてください。", "Card removed, tap again."),
    "card_unreadable": ("カードを読み取れませんでした。もう一度タッチしてください。", "Card unreadable, tap again."),
    # --- the server's verdict on an uploaded tap -------------------------------------------------------------------
    "verdict_accepted": ("就業履歴として受け付けられました。", "Accepted."),
    "verdict_pending": (
        "受け付けました（所属事業者の施工体制登録待ち）。",
        "Received; pending until the employer joins the site's contract tree.",
    ),
    "verdict_rejected": ("受け付けられませんでした：{reason}", "Rejected: {reason}"),
    "verdict_unknown": (
        "送信済みです（判定はサーバーで確認してください）。",
        "Delivered (check the verdict on the server).",
    ),
    # reject reasons
    "unknown_card": ("登録されていないカードです。", "unknown card"),
    "technician_mismatch": ("カードの技能者IDが登録と一致しません。", "the card's technician ID does not match"),
    "replayed_challenge": (
        "カードの認証が再利用されました（複製の疑い）。",
        "replayed card authentication (suspected copy)",
    ),
    "bad_card_response": ("カードの認証に失敗しました（複製の疑い）。", "card authentication failed (suspected copy)"),
    "unknown_key_version": (
        "カードの鍵が無効です。再発行を申請してください。",
        "the card's key version is no longer valid; apply for a new card",
    ),
    "outside_window": ("現場の就業履歴蓄積期間外です。", "outside the site's accumulation window"),
    "technician_not_registered": ("技能者登録が完了していません。", "the technician's registration is not complete"),
    "unknown_technician": ("登録されていない技能者です。", "unknown technician"),
    "device_time_in_future": ("読取機の時計が進んでいます。", "the reader's clock is ahead"),
    "device_time_too_old": (
        "タッチから日数が経ちすぎています。直接入力を依頼してください。",
        "the tap is too old; ask for a direct input",
    ),
    "idempotency_key_reused": (
        "同じ番号で内容の異なるタッチが送信されました。",
        "a different tap was sent under the same key",
    ),
    "past_upload_deadline": (
        "直接入力の期限を過ぎたため送信できませんでした。直接入力を依頼してください。",
        "uploaded after the direct-input deadline; ask for a direct input",
    ),
    "invalid_tap": ("タッチの内容が正しくありません。", "the tap's data is not valid"),
    "wrong_site": ("この読取機の現場ではありません。", "not this reader's site"),
    "undelivered": ("送信できませんでした：{reason}", "Not delivered: {reason}"),
    # --- the daemon ----------------------------------------------------------------------------------------------
    "already_running": (
        "データフォルダ {path} では既に edge_reader が動作しています（PID {pid}）。"
        "二重に起動することはできません。先に動いている方を停止してください。",
        "Another edge_reader (pid {pid}) is already running on the data folder {path}; "
        "refusing to start a second one. Stop it first.",
    ),
    "enrol_needs_url": (
        "enrol にはサーバーのURLが必要です（--api-url または OPENCCUS_EDGE_API_URL）。",
        "enrol needs --api-url (or OPENCCUS_EDGE_API_URL).",
    ),
    "already_enrolled": (
        "この読取機は登録済みです。新しい機器として登録し直すには --force を付けてください。",
        "Already enrolled; use --force to enrol again as a new device.",
    ),
    "previous_taps_pending": (
        "注意：前回の登録で記録したタッチがまだ送信されていません（新しい登録で送信されます）。",
        "Warning: taps of the previous enrolment are still pending (they upload with the new enrolment).",
    ),
    "enrolment_failed": ("登録できませんでした：{error}", "Enrolment failed: {error}"),
    # the server's refusal of an enrolment, by its error code (api/data/error_codes.csv)
    "invalid_enrolment_code": (
        "登録コードが正しくないか、使用済み・期限切れです。現場の管理者に新しいコードを発行してもらってください。",
        "the enrolment code is unknown, used or expired; ask the site manager for a new one",
    ),
    "device_revoked": (
        "この読取機は失効しています。現場の管理者に連絡してください。",
        "this device is revoked; contact the site manager",
    ),
    "too_many_requests": ("試行が多すぎます。時間をおいてお試しください。", "too many attempts; try again later"),
    "enrolment_http_error": (
        "サーバーが登録を受け付けませんでした（HTTP {status}）。",
        "the server refused the enrolment (HTTP {status})",
    ),
    "server_unreachable": (
        "サーバーに接続できませんでした。URLとネットワークを確認してください。",
        "the server could not be reached; check the URL and the network",
    ),
    # The card's own answer (a status word, a malformed file) is for the log; a person reads one Japanese sentence.
    "card_read_failed": ("カードを読み取れませんでした。カードを置き直してください。", "Card read failed: {error}"),
    "not_enrolled": (
        "この読取機は登録されていません。先に `python -m edge_reader enrol <コード>` を実行してください。",
        "This device is not enrolled; run `python -m edge_reader enrol <code>` first.",
    ),
    # --- driver's licence (read-licence) ---------------------------------------------------------------------------
    "pin_blocked": (
        "暗証番号（PIN{pin}）はロックされています。これ以上入力しないでください。ロックの解除は"
        "運転免許センター（運転免許試験場）または警察署で行えます。",
        "PIN{pin} is blocked. Do not try again: only a driving licence centre or a police station can unblock it.",
    ),
    "wrong_pin": (
        "暗証番号（PIN{pin}）が違います。残り{tries_left}回です。",
        "PIN{pin} is wrong; {tries_left} tries left.",
    ),
    "pin_retry_too_low": (
        "暗証番号（PIN{pin}）の残り回数が{tries_left}回しかないため、入力を中止しました。"
        "間違えるとロックされます。確かな場合のみ --allow-last-try で再実行してください。",
        "Only {tries_left} try left for PIN{pin}: stopped, because a mistake would block it. "
        "Run again with --allow-last-try only if you are sure of the PIN.",
    ),
    "pin_required": ("暗証番号（PIN{pin}）が必要です。", "PIN{pin} is required."),
    "pin_format": ("暗証番号は4桁の数字です。", "A PIN is 4 digits."),
    "pin_counter_unknown": (
        "暗証番号の残り回数を確認できないため、入力を中止しました。",
        "The PIN try counter could not be read, so no PIN was sent.",
    ),
    "card_already_unlocked": (
        "カードを一度離してから、もう一度置いてください。",
        "Remove the card and present it again.",
    ),
    "not_a_licence": ("運転免許証ではありません。", "Not a driver's licence."),
    "bad_data": ("免許証のデータを読み取れませんでした。", "The licence data could not be read."),
    "no_card": ("カードが置かれませんでした。", "No card was presented."),
}


def text(code: str, lang: str = "ja", **values: object) -> str:
    entry = CATALOGUE.get(code)
    if entry is None:
        # An unknown server reason (a newer server) is still shown, as its code, inside a sentence of the language.
        return f"理由コード {code}" if lang != "en" else code
    template = entry[1] if lang == "en" else entry[0]
    try:
        return template.format(**values)
    except (KeyError, IndexError):
        return template


def verdict(status: str | None, reason: str | None, lang: str = "ja") -> str:
    if status == "rejected":
        return text("verdict_rejected", lang, reason=text(reason or "", lang) if reason else "?")
    if status in ("accepted", "pending"):
        return text(f"verdict_{status}", lang)
    return text("verdict_unknown", lang)
