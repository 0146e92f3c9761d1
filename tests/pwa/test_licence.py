"""免許証から入力 in a real browser: a photo of a driver's licence card face (rendered by tests/licence/cardface.py with the
IPA fonts and photographed on a table, as a phone sees it) is read by the API's tesseract OCR; the person chooses the
values and they fill the registration form, where they check them before sending. A dark photo is answered with
what to retake. axe-core and screenshots at both sizes."""

from __future__ import annotations

from tests.pwa.helpers import PHONE, TABLET, axe_serious, goto, shot


def _file(data: bytes) -> dict:
    return {"name": "licence.jpg", "mimeType": "image/jpeg", "buffer": data}


def test_licence_photo_fills_the_registration_form(open_context, artifacts):
    from tests.licence.cardface import bad_photo, people, photo_bytes

    person = people(1)[0]
    family, given = person.name.split("\u3000")
    page = open_context(PHONE).new_page()
    goto(page, "/register")
    page.click("[data-testid=licence-fill] summary")
    assert page.get_attribute("#f-licence-photo", "capture") == "environment"

    # A photo too dark to read: what to retake, nothing filled.
    page.set_input_files("#f-licence-photo", _file(bad_photo("dark", person)))
    retake = page.locator("[data-testid=licence-retake]")
    retake.wait_for(timeout=30_000)
    assert "明るい場所" in retake.inner_text()
    assert page.input_value("#f-family_name") == ""

    # A good photo: the values read, with their confidence; the sure ones ticked.
    page.set_input_files("#f-licence-photo", _file(photo_bytes(person, "clean")))
    result = page.locator("[data-testid=licence-result]")
    result.wait_for(timeout=30_000)
    assert result.locator("td[data-field=family_name]").inner_text() == family
    assert result.locator("td[data-field=birth_date]").inner_text() == person.birth.isoformat()
    assert page.is_checked("#lic-use-birth_date")
    assert "期限が切れています" in result.inner_text()  # the card's expiry has passed
    for vp in (PHONE, TABLET):
        page.set_viewport_size(vp)
        shot(page, artifacts, "register-licence-read")
        assert axe_serious(page) == [], f"licence read at {vp}"

    # The person leaves the address out, and puts the rest into the form.
    page.uncheck("#lic-use-address")
    page.click("[data-testid=licence-apply]")
    filled = page.locator("[data-testid=licence-filled]")
    filled.wait_for()
    assert "生年月日" in filled.inner_text()
    assert page.input_value("#f-family_name") == family
    assert page.input_value("#f-given_name") == given
    assert page.input_value("#f-birth_date") == person.birth.isoformat()
    assert page.input_value("#f-address") == ""  # not chosen: left for the person
    assert page.locator("[data-testid=licence-result]").count() == 0
    page.set_viewport_size(PHONE)
    shot(page, artifacts, "register-licence-filled")
    assert axe_serious(page) == []
