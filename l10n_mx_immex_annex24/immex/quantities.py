"""Quantities of Annex 24: precision, the one tolerance, the balance formula, the FIFO order.

Every layer compares quantities the same way: the FIFO allocator, the "closed" state of a
balance, pendings and waste, the integrity check and the reports import these names instead
of writing their own epsilon, balance arithmetic or ``ORDER BY``.

- ``DIGITS``: decimals a ledger quantity is recorded with (each take is rounded to them).
- ``TOLERANCE``: a quantity whose absolute value is below it is zero ("dust"). Each rounded
  take may be off by half a unit of the last digit, so a balance consumed by many takes of a
  fraction (1/3 per unit, three units) can end a few units of the last digit away from zero:
  ten units of the last digit absorb the rounding of up to twenty takes. The allocator gives
  such a remainder to the take that exhausts the balance, so no dust balance stays open.
"""

from __future__ import annotations

DIGITS = 6
TOLERANCE = 10.0 * 10.0**-DIGITS

__all__ = [
    "DIGITS",
    "FIFO_ORDER",
    "TOLERANCE",
    "balance",
    "balance_sql",
    "fifo_order_sql",
    "is_zero",
]


def is_zero(qty: float) -> bool:
    """Whether ``qty`` is zero within the tolerance (dust included)."""
    return -TOLERANCE < qty < TOLERANCE


def balance(
    is_temporary: bool, quantity: float, discharged: float, quantity_tariff: float
) -> tuple[float, float]:
    """``(balance, balance in UMT)`` of a pedimento line: declared minus discharged.

    Only temporary imports hold a balance. The UMT balance uses the partida's own
    UMT/UMC ratio. :func:`balance_sql` is the same formula for set-based updates.
    """
    if not is_temporary:
        return 0.0, 0.0
    rest = quantity - discharged
    return rest, (rest * quantity_tariff / quantity if quantity else 0.0)


def balance_sql(line: str, discharged: str, declared: str | None = None) -> tuple[str, str]:
    """SQL of :func:`balance` for a line aliased ``line`` and a discharged expression.

    ``declared`` is the declared quantity in the product's unit (the balance's unit):
    ``<line>.quantity_product`` unless given. Returns ``(balance, balance_tariff)``
    expressions. The arguments are fixed identifiers of the caller's query (never user
    input).
    """
    declared = declared or f"{line}.quantity_product"
    rest = f"({declared} - ({discharged}))"
    return (
        f"CASE WHEN {line}.is_temporary THEN {rest} ELSE 0 END",
        f"CASE WHEN {line}.is_temporary AND {declared} > 0 "
        f"THEN {rest} * {line}.quantity_tariff / {declared} ELSE 0 END",
    )


# The FIFO order of import balances (see :mod:`.fifo`): the SQL ORDER BY below and
# :func:`.fifo.fifo_sort_key` follow these fields, in this order, missing values last.
FIFO_ORDER = ("fifo_date", "payment_date", "pedimento_name", "sequence", "id")


def fifo_order_sql(line: str = "l", pedimento: str = "p") -> str:
    """``ORDER BY`` terms of :data:`FIFO_ORDER` for a line and its pedimento aliases.

    ``fifo_date`` is the line's entry date (a consolidated pedimento's closing date) and
    ``payment_date`` the pedimento's; the pedimento name is stored normalised, so comparing
    it as text is comparing its digits, as :func:`.fifo.fifo_sort_key` does.
    """
    table = {"payment_date": pedimento}
    return ", ".join(f"{table.get(name, line)}.{name} NULLS LAST" for name in FIFO_ORDER)
