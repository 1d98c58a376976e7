"""Tests of immex.plazos: time limits of temporary imports."""

from datetime import date, datetime

import pytest
from immex import plazos
from immex.plazos import add_months, days_left, expiry_date

START = date(2026, 1, 15)


@pytest.mark.parametrize(
    ("start", "months", "expected"),
    [
        (date(2025, 8, 31), 18, date(2027, 2, 28)),  # month-end clamp
        (date(2026, 8, 31), 18, date(2028, 2, 29)),  # leap February
        (date(2024, 1, 31), 1, date(2024, 2, 29)),
        (date(2025, 12, 15), 1, date(2026, 1, 15)),  # year wrap
        (date(2026, 1, 15), 0, date(2026, 1, 15)),
        (date(2026, 3, 31), -1, date(2026, 2, 28)),  # backwards
        (date(2026, 1, 15), -13, date(2024, 12, 15)),
        (date(2026, 1, 15), 36, date(2029, 1, 15)),
        (date(2026, 5, 31), 6, date(2026, 11, 30)),
    ],
)
def test_add_months(start, months, expected):
    assert add_months(start, months) == expected


def test_add_months_accepts_datetime():
    result = add_months(datetime(2025, 8, 31, 23, 59), 18)
    assert result == date(2027, 2, 28)
    assert type(result) is date


def test_add_months_rejects_non_date():
    with pytest.raises(TypeError):
        add_months("2026-01-15", 1)


def test_constants():
    assert plazos.MONTHS == {"input": 18, "input_aeo": 36, "container": 24, "virtual_transfer": 6}
    assert plazos.MONTHS_INPUT == 18
    assert plazos.MONTHS_INPUT_AEO == 36
    assert plazos.MONTHS_CONTAINER == 24
    assert plazos.MONTHS_VIRTUAL_TRANSFER == 6
    assert plazos.DAYS_AFTER_CANCELLATION == 60
    assert "fixed_asset" in plazos.MATERIAL_TYPES
    assert plazos.CERTIFICATIONS == ("none", "vat", "aeo")


@pytest.mark.parametrize("material_type", ["input", "packaging", "finished"])
def test_inputs_18_months(material_type):
    assert expiry_date(START, material_type) == date(2027, 7, 15)
    # VAT/IEPS certification does not extend the limit, only AEO does.
    assert expiry_date(START, material_type, certification="vat") == date(2027, 7, 15)


@pytest.mark.parametrize("material_type", ["input", "packaging", "finished"])
def test_inputs_36_months_for_aeo(material_type):
    assert expiry_date(START, material_type, certification="aeo") == date(2029, 1, 15)


@pytest.mark.parametrize("key_code", ["V1", "v1", " V1 "])
def test_virtual_transfer_6_months(key_code):
    assert expiry_date(START, "input", key_code=key_code) == date(2026, 7, 15)
    # The shorter V1 limit wins over the AEO extension.
    assert expiry_date(START, "packaging", "aeo", key_code=key_code) == date(2026, 7, 15)


def test_other_keys_do_not_change_inputs():
    assert expiry_date(START, "input", key_code="IN") == date(2027, 7, 15)
    assert expiry_date(START, "input", key_code="") == date(2027, 7, 15)


def test_container_24_months():
    assert expiry_date(START, "container") == date(2028, 1, 15)
    assert expiry_date(START, "container", certification="aeo") == date(2028, 1, 15)
    assert expiry_date(START, "container", key_code="V1") == date(2028, 1, 15)


def test_fixed_asset_follows_program():
    end = date(2030, 12, 31)
    assert expiry_date(START, "fixed_asset", program_end=end) == end
    assert expiry_date(START, "fixed_asset", program_end=datetime(2030, 12, 31, 8)) == end
    assert expiry_date(START, "fixed_asset") is None
    assert expiry_date(None, "fixed_asset", program_end=end) == end


def test_none_has_no_limit():
    assert expiry_date(START, "none") is None
    assert expiry_date(START, "none", program_end=date(2030, 1, 1)) is None


def test_month_end_start():
    assert expiry_date(date(2025, 8, 31), "input") == date(2027, 2, 28)


def test_expiry_date_errors():
    with pytest.raises(ValueError):
        expiry_date(START, "inputs")
    with pytest.raises(ValueError):
        expiry_date(START, "input", certification="AEO")
    with pytest.raises(ValueError):
        expiry_date(None, "input")


def test_days_left():
    expiry = date(2026, 7, 15)
    assert days_left(expiry, date(2026, 7, 5)) == 10
    assert days_left(expiry, date(2026, 7, 15)) == 0  # last valid day
    assert days_left(expiry, date(2026, 7, 16)) == -1  # expired
    assert days_left(expiry, datetime(2026, 7, 14, 23, 0)) == 1
    assert days_left(None, date(2026, 7, 5)) is None


def test_false_means_not_given():
    assert expiry_date(START, "fixed_asset", program_end=False) is None
    assert expiry_date(START, "input", key_code=False) == date(2027, 7, 15)
    assert days_left(False, date(2026, 7, 5)) is None
    with pytest.raises(ValueError):
        expiry_date(False, "input")


def test_v1_keeps_six_months_for_aeo_companies():
    # RGCE 4.3.21: goods received by virtual transfer keep their 6 months; the AEO 36 months
    # are not extended to them
    assert expiry_date(START, "input", certification="aeo", key_code="V1") == date(2026, 7, 15)
    assert expiry_date(START, "input", certification="aeo", months=6) == date(2026, 7, 15)


def test_key_months_apply_before_the_classification():
    assert expiry_date(START, "none", months=6) == date(2026, 7, 15)
    assert expiry_date(START, "fixed_asset", months=6, program_end=date(2030, 1, 1)) == date(
        2030, 1, 1
    )


@pytest.mark.parametrize(
    ("material_type", "kwargs", "expected"),
    [
        # 18 months (2027-07-15) cut to 60 days after the cancellation on 2026-03-01
        ("input", {}, date(2026, 4, 30)),
        # fixed assets: the program no longer holds them, 60 days as well
        ("fixed_asset", {"program_end": date(2030, 12, 31)}, date(2026, 4, 30)),
        ("fixed_asset", {}, date(2026, 4, 30)),
        # a limit already shorter stays: cancellation never lengthens one
        ("input", {"key_code": "V1", "cancelled_on": date(2026, 7, 1)}, date(2026, 7, 15)),
        ("none", {}, None),
    ],
)
def test_program_cancellation_gives_sixty_days(material_type, kwargs, expected):
    kwargs.setdefault("cancelled_on", date(2026, 3, 1))
    assert expiry_date(START, material_type, **kwargs) == expected
