"""Tests of immex.units: UMC <-> UMT conversion and half-up rounding."""

import math
from decimal import Decimal

import pytest
from immex import units
from immex.units import from_tariff, round_half_up, to_tariff


@pytest.mark.parametrize(
    ("value", "digits", "expected"),
    [
        (2.675, 2, 2.68),  # binary 2.67499999... but a person writes 2.675 -> 2.68
        (2.665, 2, 2.67),
        (0.5, 0, 1.0),
        (1.5, 0, 2.0),
        (2.5, 0, 3.0),  # half-up, not banker's rounding (round() gives 2)
        (-2.5, 0, -3.0),  # halves go away from zero
        (1.0000005, 6, 1.000001),
        (1.0000004, 6, 1.0),
        (123.456789, 3, 123.457),
        (7, 2, 7.0),
        (Decimal("1.005"), 2, 1.01),
    ],
)
def test_round_half_up(value, digits, expected):
    assert round_half_up(value, digits) == expected


def test_round_half_up_no_negative_zero():
    result = round_half_up(-0.0000001, 6)
    assert result == 0.0
    assert math.copysign(1.0, result) == 1.0


def test_round_half_up_returns_float():
    assert isinstance(round_half_up(3, 0), float)


@pytest.mark.parametrize("value", [float("nan"), float("inf"), -float("inf"), Decimal("NaN")])
def test_round_half_up_rejects_non_finite(value):
    with pytest.raises(ValueError):
        round_half_up(value, 2)


def test_round_half_up_rejects_bad_input():
    with pytest.raises(ValueError):
        round_half_up(1.0, -1)
    with pytest.raises(TypeError):
        round_half_up(True, 2)
    with pytest.raises(TypeError):
        round_half_up("1.5", 2)


def test_to_tariff_piece_to_kilogram():
    # 8 pieces of 0.25 kg each
    assert to_tariff(8, 0.25) == 2.0


def test_to_tariff_exact_product_then_half_up():
    # In binary 0.35 * 3 = 1.0499999999999998, which round() would take down to 1.0.
    assert 0.35 * 3 < 1.05
    assert to_tariff(0.35, 3, digits=1) == 1.1


def test_to_tariff_default_six_digits():
    assert to_tariff(1, 0.1234567) == 0.123457
    assert to_tariff(3, 1 / 3) == 1.0
    assert to_tariff(-4, 0.5) == -2.0  # reversals convert symmetrically


def test_from_tariff():
    assert from_tariff(2, 0.25) == 8.0
    assert from_tariff(1, 3) == 0.333333
    assert from_tariff(2, 3) == 0.666667
    assert from_tariff(1, 3, digits=2) == 0.33
    assert from_tariff(5, 2, digits=0) == 3.0  # 2.5 -> 3


def test_round_trip_within_precision():
    factor = 0.0125  # 12.5 g per piece, UMT kg
    for qty in (1, 7, 80, 1234):
        assert from_tariff(to_tariff(qty, factor), factor) == qty


@pytest.mark.parametrize("factor", [0, 0.0, -1, -0.5])
def test_factor_must_be_positive(factor):
    with pytest.raises(ValueError):
        from_tariff(1, factor)
    with pytest.raises(ValueError):
        to_tariff(1, factor)


def test_non_finite_quantities_rejected():
    with pytest.raises(ValueError):
        to_tariff(float("nan"), 1)
    with pytest.raises(ValueError):
        from_tariff(float("inf"), 1)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        (float("nan"), "not_a_number"),
        (float("inf"), "infinite"),
        (float("-inf"), "infinite"),
        (-0.001, "negative"),
        (-5, "negative"),
        (0, "zero"),
        (0.0, "zero"),
        (1e12 + 1, "too_large"),
        (1e300, "too_large"),
        ("12", "not_a_number"),
        (None, "not_a_number"),
        (True, "not_a_number"),
    ],
)
def test_quantity_problem(value, code):
    assert units.quantity_problem(value) == code


@pytest.mark.parametrize("value", [1, 0.000001, 250.5, 1e12, Decimal("3.5")])
def test_quantity_problem_accepts(value):
    assert units.quantity_problem(value) is None


def test_quantity_problem_options():
    assert units.quantity_problem(0.0, allow_zero=True) is None
    assert units.quantity_problem(-1.0, allow_zero=True) == "negative"
    assert units.quantity_problem(11, maximum=10) == "too_large"


def test_convert_dozens_to_units_exactly():
    # 2 dozen (factor 12) in units (factor 1): 24, not 23.999999999999996
    assert units.convert(2, 12, 1) == 24.0
    # 0.1 dozen = 1.2 units; 30 units = 2.5 dozen
    assert units.convert(0.1, 12, 1) == 1.2
    assert units.convert(30, 1, 12) == 2.5
    # 1 unit in dozens rounds half-up at 6 digits: 0.083333
    assert units.convert(1, 1, 12) == 0.083333


def test_convert_refuses_zero_or_negative_factors():
    import pytest

    with pytest.raises(ValueError):
        units.convert(1, 0, 1)
    with pytest.raises(ValueError):
        units.convert(1, 1, -2)
