from datetime import date

from api.registration.renewal import age_on, card_valid_until, first_birthday_after


def test_card_validity_rules():
    # Under 60: the first birthday after 9 years from issue (≈10 years).
    assert card_valid_until(
        birth_date=date(1985, 8, 1), issued_on=date(2026, 11, 22), has_identity_document=True
    ) == date(2036, 8, 1)
    assert card_valid_until(
        birth_date=date(1985, 12, 25), issued_on=date(2026, 11, 22), has_identity_document=True
    ) == date(2035, 12, 25)
    # 60 or older at issue: after 14 years (≈15 years).
    assert card_valid_until(
        birth_date=date(1960, 1, 10), issued_on=date(2026, 11, 22), has_identity_document=True
    ) == date(2041, 1, 10)
    # No identity document: after 2 years (≈3 years).
    assert card_valid_until(
        birth_date=date(1985, 8, 1), issued_on=date(2026, 11, 22), has_identity_document=False
    ) == date(2029, 8, 1)


def test_leap_day_birthdays_and_ages():
    assert first_birthday_after(date(1988, 2, 29), date(2027, 1, 1)) == date(2027, 2, 28)
    assert first_birthday_after(date(1988, 2, 29), date(2028, 1, 1)) == date(2028, 2, 29)
    assert age_on(date(1966, 11, 23), date(2026, 11, 22)) == 59
    assert age_on(date(1966, 11, 22), date(2026, 11, 22)) == 60
