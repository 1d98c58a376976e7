"""Commercial unit (UMC) <-> tariff unit (UMT) conversion.

``factor`` is the number of tariff units in one commercial unit: a piece (UMC) that weighs
0.25 kg (UMT kilogram) has factor 0.25, so ``to_tariff(8, 0.25) == 2.0`` kg.

Design choices:

- The product and the quotient are computed in ``Decimal`` from the shortest ``repr`` of
  each float, then rounded half-up. Binary floats would otherwise turn ``0.35 * 3`` into
  ``1.0499999999999998`` and round it *down*; a customs quantity must round the way a person
  does on paper (half away from zero), which is what the pedimento and the SAT expect.
- A factor must be strictly positive in both directions: zero or negative factors are
  configuration errors, and silently producing 0 would hide them in the Annex 24 reports.
- Negative quantities are allowed (reversals) and round symmetrically.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

__all__ = [
    "MAX_QUANTITY",
    "convert",
    "from_tariff",
    "quantity_problem",
    "round_half_up",
    "to_tariff",
]

# No plant moves a trillion units of anything in one record: beyond this a value is a typo or
# an attack, and it would swamp every balance and report it reaches.
MAX_QUANTITY = 1e12

Number = float | int | Decimal


def _decimal(value: Number) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("a quantity cannot be a bool")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, (int, float)):
        # repr() gives the shortest string that round-trips: 2.675 -> "2.675", not the
        # binary 2.67499999... that Decimal(2.675) would produce.
        result = Decimal(repr(value)) if isinstance(value, float) else Decimal(value)
    else:
        raise TypeError(f"not a number: {value!r}")
    if not result.is_finite():
        raise ValueError(f"not a finite number: {value!r}")
    return result


def _quantize(value: Decimal, digits: int) -> float:
    if digits < 0:
        raise ValueError("digits must be >= 0")
    try:
        rounded = value.quantize(Decimal(1).scaleb(-digits), rounding=ROUND_HALF_UP)
    except InvalidOperation as error:  # more digits than the context precision holds
        raise ValueError(f"cannot round {value} to {digits} digits") from error
    # float(Decimal("-0")) is -0.0; normalise it so reports never show "-0".
    return float(rounded) + 0.0


def round_half_up(value: Number, digits: int) -> float:
    """Round ``value`` to ``digits`` decimals, halves away from zero (2.675 -> 2.68)."""
    return _quantize(_decimal(value), digits)


def _factor(factor: Number) -> Decimal:
    result = _decimal(factor)
    if result <= 0:
        raise ValueError(f"conversion factor must be > 0, got {factor!r}")
    return result


def to_tariff(qty: Number, factor: Number, digits: int = 6) -> float:
    """Quantity in the tariff unit: ``qty * factor`` rounded half-up to ``digits``."""
    return _quantize(_decimal(qty) * _factor(factor), digits)


def from_tariff(qty_tariff: Number, factor: Number, digits: int = 6) -> float:
    """Quantity in the commercial unit: ``qty_tariff / factor`` rounded half-up."""
    return _quantize(_decimal(qty_tariff) / _factor(factor), digits)


def convert(qty: Number, from_factor: Number, to_factor: Number, digits: int = 6) -> float:
    """``qty`` of a unit worth ``from_factor`` reference units in a unit worth ``to_factor``.

    Odoo's rule (``uom.uom._compute_quantity``: ``qty * from.factor / to.factor``) computed
    in Decimal and rounded half-up once: a partida declared as 2 dozen is 24 units, not
    23.999999999999996. The one place where a partida's unit meets its product's unit.
    """
    return _quantize(_decimal(qty) * _factor(from_factor) / _factor(to_factor), digits)


def quantity_problem(value: object, allow_zero: bool = False, maximum: float = MAX_QUANTITY):
    """Why ``value`` is not a usable quantity, or None when it is.

    Codes: ``not_a_number`` (not an int/float, or NaN), ``infinite``, ``negative``, ``zero``
    (unless ``allow_zero``) and ``too_large`` (above ``maximum``).
    """
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        return "not_a_number"
    if value != value:  # NaN is the only value unequal to itself
        return "not_a_number"
    if value in (float("inf"), float("-inf")):
        return "infinite"
    if value < 0:
        return "negative"
    if value == 0 and not allow_zero:
        return "zero"
    if value > maximum:
        return "too_large"
    return None
