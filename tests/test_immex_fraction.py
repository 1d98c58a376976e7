"""Tests of immex.fraction: tariff fraction + NICO keys."""

import pytest
from immex.fraction import FractionError, format_fraction, normalize_fraction, split_fraction


@pytest.mark.parametrize(
    "text",
    [
        "8544.42.99.01",
        "8544429901",
        "85444299 01",
        "8544.42.99-01",
        " 8544 42 99 01 ",
        "8544-42-99-01",
    ],
)
def test_normalize_fraction_accepts_spellings(text):
    assert normalize_fraction(text) == "8544429901"


def test_normalize_fraction_keeps_leading_zero_chapter():
    # Chapter 01 (live animals) starts with a zero that must survive.
    assert normalize_fraction("0101.21.01.00") == "0101210100"


@pytest.mark.parametrize("text", ["8544.42.99", "85444299", " 8544 4299 "])
def test_normalize_fraction_nico_missing(text):
    with pytest.raises(FractionError) as info:
        normalize_fraction(text)
    assert info.value.code == "nico_missing"
    assert info.value.params == {"value": text}


@pytest.mark.parametrize(
    "text",
    [
        "",
        "8544",
        "854442990",  # 9 digits
        "85444299011",  # 11 digits
        "8544.42.99.0A",
        "8544/42/99/01",  # slash is not a fraction separator
        "0044.42.99.01",  # chapter 00 does not exist
        "00444299",
        "８５４４４２９９０１",  # full-width digits
    ],
)
def test_normalize_fraction_format_errors(text):
    with pytest.raises(FractionError) as info:
        normalize_fraction(text)
    assert info.value.code == "format"
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [None, 8544429901])
def test_normalize_fraction_rejects_non_strings(value):
    with pytest.raises(FractionError) as info:
        normalize_fraction(value)
    assert info.value.code == "format"


def test_split_fraction():
    assert split_fraction("8544.42.99.01") == ("85444299", "01")
    assert split_fraction("3926909999") == ("39269099", "99")


def test_format_fraction():
    assert format_fraction("8544429901") == "8544.42.99.01"
    assert format_fraction("85444299 01") == "8544.42.99.01"
    assert format_fraction("0101.21.01.00") == "0101.21.01.00"


def test_split_and_format_propagate_errors():
    with pytest.raises(FractionError) as info:
        split_fraction("8544.42.99")
    assert info.value.code == "nico_missing"
    with pytest.raises(FractionError):
        format_fraction("abc")


def test_error_message():
    error = FractionError("format", value="x")
    assert str(error) == "format: value='x'"
    assert error.params == {"value": "x"}
    assert str(FractionError("format")) == "format"
