import pytest

from api.errors import Unprocessable
from api.ids import check_ccus_id, check_corporate_number, is_valid_ccus_id, new_ccus_id


def test_new_ids_carry_a_check_digit_that_catches_typos():
    ids = {new_ccus_id() for _ in range(200)}
    assert len(ids) == 200 and all(is_valid_ccus_id(i) for i in ids)
    sample = next(iter(ids))
    for pos in range(14):  # every single-digit error is caught
        for d in "0123456789":
            if d != sample[pos]:
                assert not is_valid_ccus_id(sample[:pos] + d + sample[pos + 1 :])
    for pos in range(13):  # every swap of two different neighbours is caught
        if sample[pos] != sample[pos + 1]:
            swapped = sample[:pos] + sample[pos + 1] + sample[pos] + sample[pos + 2 :]
            assert not is_valid_ccus_id(swapped)


def test_check_ccus_id_errors_are_precise():
    with pytest.raises(Unprocessable) as e:
        check_ccus_id("1234", field="technician_id")
    assert e.value.code == "invalid_id" and e.value.fields[0]["field"] == "technician_id"
    good = new_ccus_id()
    with pytest.raises(Unprocessable) as e:
        check_ccus_id(good[:-1] + str((int(good[-1]) + 1) % 10), field="technician_id")
    assert e.value.code == "invalid_check_digit"


def test_corporate_number_check_digit():
    assert check_corporate_number("7000012050002") == "7000012050002"  # 国税庁's own example number
    with pytest.raises(Unprocessable):
        check_corporate_number("8000012050002")
