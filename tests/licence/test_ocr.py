"""The phone path on rendered card faces (tests/licence/cardface.py): clean, skewed and
low-light photos are read; bad photos are answered with what to retake.  Runs the real
tesseract CLI (jpn); bench/licence_ocr.py measures accuracy over many more photos."""

from __future__ import annotations

import datetime as dt
import unicodedata
import io
import json

import pytest
from PIL import Image, ImageDraw

from api.licence import ocr
from api.licence.draft import draft_from_ocr
from api.licence.jpdate import check_digit_ok
from tests.licence.cardface import (
    CARD_H,
    CARD_W,
    bad_photo,
    jpeg,
    people,
    photo_bytes,
    photograph,
    render_card,
)

pytestmark = pytest.mark.skipif(not ocr.tesseract_available(), reason="needs tesseract-ocr and tesseract-ocr-jpn")
TODAY = dt.date(2025, 1, 15)
PEOPLE = people(12)
# (condition, person index): the same photos bench/licence_ocr.py makes for these indices
CASES = {"clean": 0, "skewed": 1, "low_light": 2}


@pytest.fixture(scope="module")
def results() -> dict[str, ocr.CardFaceResult]:
    return {cond: ocr.read_card_face(photo_bytes(PEOPLE[i], cond, seed=i), today=TODAY) for cond, i in CASES.items()}


@pytest.mark.parametrize("cond", ["clean", "skewed"])
def test_clean_and_skewed_photos_give_every_field(results, cond):
    result, truth = results[cond], PEOPLE[CASES[cond]].truth()
    assert result.ok and result.retake == []
    got = {k: s.value for k, s in result.suggestions.items()}
    assert got["name"].replace("\u3000", "") == truth["name"]
    assert got["name"] == PEOPLE[CASES[cond]].name  # split at the family/given gap
    assert got["birth_date"] == truth["birth_date"]
    assert got["licence_number"] == truth["licence_number"] and check_digit_ok(got["licence_number"])
    assert got["expiry_date"] == truth["expiry_date"]
    assert unicodedata.normalize("NFKC", truth["address"]) == got["address"]
    assert all(0.6 <= s.confidence <= 1.0 for s in result.suggestions.values())


def test_skew_was_measured_and_removed(results):
    assert abs(results["skewed"].quality["angle"]) >= 4
    assert abs(results["clean"].quality["angle"]) < 0.5


def test_low_light_photo_is_mostly_read_and_never_suggests_a_bad_number(results):
    result, truth = results["low_light"], PEOPLE[CASES["low_light"]].truth()
    right = [
        k
        for k, s in result.suggestions.items()
        if unicodedata.normalize("NFKC", s.value).replace(" ", "").replace("\u3000", "")
        == unicodedata.normalize("NFKC", truth[k])
    ]
    assert len(right) >= 4, result.to_dict()
    if "licence_number" in result.suggestions:
        assert check_digit_ok(result.suggestions["licence_number"].value)


def test_result_and_draft_are_json_and_mask_the_number(results):
    result = results["clean"]
    body = json.dumps(result.to_dict(), ensure_ascii=False)
    assert json.loads(body)["ok"] is True
    draft = draft_from_ocr(result, today=TODAY)
    number = PEOPLE[0].number
    assert number not in json.dumps(draft, ensure_ascii=False)
    assert draft["identity_document"]["number_masked"] == "********" + number[-4:]
    assert draft["identity_document"]["number_check_digit_ok"] is True
    family, given = PEOPLE[0].name.split("\u3000")
    assert draft["identity"]["family_name"] == family and draft["identity"]["given_name"] == given
    assert draft["identity"]["birth_date"] == PEOPLE[0].birth.isoformat()
    assert draft["needs_confirmation"] and "raw" not in draft and draft["raw_kept"] is False


@pytest.mark.parametrize(
    ("kind", "code"),
    [
        ("dark", "too_dark"),
        ("blurry", "blurry"),
        ("tiny", "too_small"),
        ("no_card", "card_not_found"),
        ("glare", "glare"),
        ("cut_off", "card_cut_off"),
    ],
)
def test_bad_photos_are_answered_with_what_to_retake(kind, code):
    result = ocr.read_card_face(bad_photo(kind, PEOPLE[0]), today=TODAY)
    assert not result.ok and code in [r.code for r in result.retake]
    assert result.suggestions == {} and "ocr" not in result.timings  # refused before OCR
    advice = result.to_dict()["retake"][0]
    assert advice["message"] and advice["message_en"]


def test_not_an_image():
    result = ocr.read_card_face(b"%PDF-1.4 not a photo")
    assert [r.code for r in result.retake] == ["not_an_image"]


def test_a_card_without_readable_text_asks_for_a_retake():
    blank = render_card(PEOPLE[0])
    ImageDraw.Draw(blank).rectangle((0, 0, CARD_W, CARD_H), fill=(246, 247, 240, 255))
    result = ocr.read_card_face(jpeg(photograph(blank, "clean", 3)), today=TODAY)
    assert "unreadable" in [r.code for r in result.retake]
    assert len(result.suggestions) < ocr.MIN_FIELDS


def test_exif_orientation_is_applied():
    photo = photograph(render_card(PEOPLE[0]), "clean", 0)
    stored = photo.rotate(90, expand=True)  # the sensor's portrait frame ...
    img = ocr.load_photo(jpeg(stored, exif_orientation=6))  # ... tagged "rotate 90° CW to view"
    assert img.size == photo.size
    region = ocr.find_card(img)
    assert region is not None and abs(region.angle) < 0.5


@pytest.mark.parametrize("angle", [-13.0, -4.5, 8.0, 30.0])
def test_find_card_measures_the_rotation(angle):
    photo = Image.new("RGB", (1600, 1200), (90, 80, 70))
    card = Image.new("RGBA", (1000, 631), (240, 240, 235, 255)).rotate(angle, expand=True)
    photo.paste(card, ((1600 - card.width) // 2, (1200 - card.height) // 2), card)
    region = ocr.find_card(photo)
    assert region is not None and abs(region.angle + angle) < 0.5
    crop = ocr.crop_card(photo, region)
    assert 1.5 < crop.width / crop.height < 1.67
    assert crop.width >= 960


def test_otsu_splits_two_levels():
    import numpy as np

    arr = np.array([[40] * 50 + [200] * 50] * 10, dtype=np.uint8)
    assert 40 <= ocr.otsu(arr) < 200
    out = io.BytesIO()
    Image.fromarray(arr).save(out, "PNG")
    assert ocr.load_photo(out.getvalue()).mode == "RGB"
