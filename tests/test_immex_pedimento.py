"""Tests of immex.pedimento: parsing, normalising and cross-checking pedimento numbers."""

import subprocess
import sys
from datetime import date

import pytest
from immex import pedimento
from immex.pedimento import (
    PedimentoError,
    PedimentoNumber,
    normalize_number,
    normalize_patent,
    parse_number,
    validate_number,
)

CANONICAL = "26  24  3420  6001234"


@pytest.mark.parametrize(
    "text",
    [
        "26 24 3420 6001234",
        "26-24-3420-6001234",
        "262434206001234",
        "  26  24  3420  6001234 ",
        "26.24.3420.6001234",
        "26/24/3420/6001234",
        "26 24 3420 - 6001234",
        "26\u00a024\u00a03420\u00a06001234",  # no-break spaces pasted from a PDF
        CANONICAL,
    ],
)
def test_normalize_number_accepts_separators(text):
    assert normalize_number(text) == CANONICAL


def test_normalize_number_shape():
    result = normalize_number("262434206001234")
    assert len(result) == 21
    assert result.split("  ") == ["26", "24", "3420", "6001234"]


@pytest.mark.parametrize(
    "text",
    [
        "26 24 3420 600123",  # 14 digits
        "26 24 3420 60012345",  # 16 digits
        "26 24 3420 600123A",  # a letter
        "26_24_3420_6001234",  # underscore is not a separator
        "２６２４３４２０６００１２３４",  # full-width digits: not ASCII
        "",
        "   ",
    ],
)
def test_normalize_number_rejects(text):
    with pytest.raises(PedimentoError) as info:
        normalize_number(text)
    assert info.value.code == "format"
    assert info.value.params == {"value": text}
    assert isinstance(info.value, ValueError)


@pytest.mark.parametrize("value", [None, 262434206001234, b"262434206001234"])
def test_normalize_number_rejects_non_strings(value):
    with pytest.raises(PedimentoError) as info:
        normalize_number(value)
    assert info.value.code == "format"


def test_parse_number_parts():
    number = parse_number("26-24-3420-6001234")
    assert number == PedimentoNumber(
        year2="26",
        office="24",
        patent="3420",
        document="6001234",
        year_digit="6",
        sequence="001234",
        formatted=CANONICAL,
    )
    assert number.compact == "262434206001234"
    assert isinstance(number, tuple)


def test_parse_number_keeps_leading_zeros():
    number = parse_number("20 01 0042 0000001")
    assert (number.year2, number.office, number.patent) == ("20", "01", "0042")
    assert (number.document, number.year_digit, number.sequence) == ("0000001", "0", "000001")


def test_parse_number_raises_format():
    with pytest.raises(PedimentoError) as info:
        parse_number("26 24 3420")
    assert info.value.code == "format"


def test_validate_number_all_consistent():
    assert validate_number(CANONICAL, entry_year=2026, patent="3420", office_code="240") == []


def test_validate_number_without_context_checks_year_digit_only():
    assert validate_number("26 24 3420 6001234") == []
    problems = validate_number("26 24 3420 5001234")
    assert [p.code for p in problems] == ["year_digit_mismatch"]
    assert problems[0].params == {"value": "26  24  3420  5001234", "expected": "6", "found": "5"}


def test_validate_number_year_mismatch():
    problems = validate_number(CANONICAL, entry_year=2025)
    assert [p.code for p in problems] == ["year_mismatch"]
    assert problems[0].params["expected"] == "25"
    assert problems[0].params["found"] == "26"


def test_validate_number_year_accepts_date_and_century():
    assert validate_number(CANONICAL, entry_year=date(2026, 12, 31)) == []
    # Only the last two digits are compared: the number cannot tell centuries apart.
    assert validate_number(CANONICAL, entry_year=2126) == []
    problems = validate_number("20 24 3420 0001234", entry_year=2021)
    assert problems[0].params["expected"] == "21"


def test_validate_number_year_digit_checked_with_year_mismatch():
    codes = [p.code for p in validate_number("26 24 3420 5001234", entry_year=2025)]
    assert codes == ["year_digit_mismatch", "year_mismatch"]


@pytest.mark.parametrize("patent", ["3420", 3420, " 3420 "])
def test_validate_number_patent_ok(patent):
    assert validate_number(CANONICAL, patent=patent) == []


def test_validate_number_patent_zero_fill():
    assert validate_number("26 24 0042 6001234", patent="42") == []
    assert validate_number("26 24 0042 6001234", patent=42) == []


def test_validate_number_patent_mismatch():
    problems = validate_number(CANONICAL, patent="3421")
    assert [p.code for p in problems] == ["patent_mismatch"]
    assert problems[0].params == {"value": CANONICAL, "expected": "3421", "found": "3420"}


def test_validate_number_bad_patent_is_reported_not_raised():
    problems = validate_number(CANONICAL, patent="34A0")
    assert [p.code for p in problems] == ["patent_format"]
    assert problems[0].params == {"value": "34A0"}


@pytest.mark.parametrize("office_code", ["240", "24", "241", 240, " 240 "])
def test_validate_number_office_ok(office_code):
    assert validate_number(CANONICAL, office_code=office_code) == []


@pytest.mark.parametrize("office_code", ["010", "01", "1", "011"])
def test_validate_number_office_leading_zero(office_code):
    assert validate_number("26 01 3420 6001234", office_code=office_code) == []


@pytest.mark.parametrize("office_code", ["470", "2", "4", "024"])
def test_validate_number_office_mismatch(office_code):
    problems = validate_number(CANONICAL, office_code=office_code)
    assert [p.code for p in problems] == ["office_mismatch"]
    assert problems[0].params["found"] == "24"


@pytest.mark.parametrize("office_code", ["X", "2400", ""])
def test_validate_number_unusable_office_is_a_mismatch(office_code):
    problems = validate_number(CANONICAL, office_code=office_code)
    assert [p.code for p in problems] == ["office_mismatch"]
    assert problems[0].params["expected"] == office_code


def test_validate_number_all_problems_in_order():
    problems = validate_number(
        "26 24 3420 5001234", entry_year=2025, patent="1111", office_code="470"
    )
    assert [p.code for p in problems] == [
        "year_digit_mismatch",
        "year_mismatch",
        "patent_mismatch",
        "office_mismatch",
    ]


def test_validate_number_format_error_propagates():
    with pytest.raises(PedimentoError) as info:
        validate_number("26 24 3420 60012", entry_year=2026)
    assert info.value.code == "format"


@pytest.mark.parametrize(
    ("text", "expected"),
    [("42", "0042"), ("3420", "3420"), (" 7 ", "0007"), (42, "0042"), ("0001", "0001")],
)
def test_normalize_patent(text, expected):
    assert normalize_patent(text) == expected


@pytest.mark.parametrize("text", ["", "12345", "34A0", "-42", None, 4.2, True, "３４２０"])
def test_normalize_patent_rejects(text):
    with pytest.raises(PedimentoError) as info:
        normalize_patent(text)
    assert info.value.code == "patent_format"
    assert info.value.params == {"value": text}


def test_error_value_semantics_and_message():
    one = PedimentoError("format", value="x")
    assert one == PedimentoError("format", value="x")
    assert one != PedimentoError("format", value="y")
    assert one != "format"
    assert str(one) == "format: value='x'"
    assert str(PedimentoError("format")) == "format"
    assert len({one, PedimentoError("format", value="x")}) == 1


def test_package_never_imports_odoo():
    # The whole point of the subpackage: it runs without Odoo installed.
    code = (
        "import sys, immex; print(any(m == 'odoo' or m.startswith('odoo.') for m in sys.modules))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=pedimento.__file__.rsplit("/immex/", 1)[0],
    )
    assert out.stdout.strip() == "False"


def test_validate_number_false_means_not_given():
    # Odoo passes False for empty fields (``ped.entry_date and ped.entry_date.year``).
    assert validate_number(CANONICAL, entry_year=False, patent=False, office_code=False) == []


@pytest.mark.parametrize(
    "text",
    [
        "26\t24\n3420 6001234",  # tabs and line breaks are control characters
        "26 24 3420 600\u200b1234",  # zero-width space
        "\ufeff26 24 3420 6001234",  # byte-order mark
        "26 24 3420 6001234\x00",
        "26 24 3420\u20286001234",  # line separator
        "26\u200324 3420 6001234",  # em space: not a plain or no-break space
        "26 24 3420 60012\u00ad34",  # soft hyphen
    ],
)
def test_normalize_number_refuses_invisible_characters(text):
    with pytest.raises(PedimentoError) as info:
        normalize_number(text)
    assert info.value.code == "invalid_characters"
    assert "\ufffd" in info.value.params["value"]
    with pytest.raises(PedimentoError):
        parse_number(text)


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("26 24 0000 6001234", "patent_zero"),
        ("26 24 3420 6000000", "sequence_zero"),
        ("26 24 0000 6000000", "patent_zero"),
    ],
)
def test_normalize_number_refuses_impossible_parts(text, code):
    with pytest.raises(PedimentoError) as info:
        normalize_number(text)
    assert info.value.code == code
    assert info.value.params == {"value": text}
    # one sequence digit set is enough
    assert normalize_number(text.replace("0000 ", "0001 ").replace("6000000", "6000001"))


@pytest.mark.parametrize("text", ["0", "0000", " 00 "])
def test_normalize_patent_refuses_zero(text):
    with pytest.raises(PedimentoError) as info:
        normalize_patent(text)
    assert info.value.code == "patent_zero"


def test_error_quotes_a_short_prefix():
    long_text = "9" * 5000
    with pytest.raises(PedimentoError) as info:
        normalize_number(long_text)
    assert info.value.code == "format"
    assert info.value.params["value"] == "9" * pedimento.QUOTE_LENGTH
    assert len(str(info.value)) < 100
    with pytest.raises(PedimentoError) as info:
        normalize_patent("1" * 1000)
    assert info.value.params["value"] == "1" * pedimento.QUOTE_LENGTH
    assert pedimento.quote(b"x" * 100) == b"x" * pedimento.QUOTE_LENGTH
    assert pedimento.quote(None) is None
    assert pedimento.quote("a\tb") == "a\ufffdb"


def test_validate_number_office_from_catalog():
    assert validate_number(CANONICAL, offices=["240", "470"]) == []
    assert validate_number(CANONICAL, offices=["24"]) == []
    assert validate_number(CANONICAL, offices=["470", "800", None]) == [
        PedimentoError("office_unknown", value=CANONICAL, found="24")
    ]
    assert validate_number(CANONICAL, offices=[]) == [
        PedimentoError("office_unknown", value=CANONICAL, found="24")
    ]
