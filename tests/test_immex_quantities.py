"""The one tolerance, balance formula and FIFO order, and the discharge allocator."""

import inspect
from datetime import date

import pytest
from immex import fifo
from immex.fifo import DIRECTED, EXPIRED, NO_BALANCE, allocate, allocate_exits
from immex.quantities import (
    DIGITS,
    FIFO_ORDER,
    TOLERANCE,
    balance,
    balance_sql,
    fifo_order_sql,
    is_zero,
)

D1, D2, D3, D4 = date(2026, 1, 1), date(2026, 2, 1), date(2026, 3, 1), date(2026, 4, 1)


def demand(i, product, qty, when=D3, line=None, strict=False, take_expired=False):
    return (i, product, qty, when, line, strict, take_expired)


def test_tolerance_is_dust_of_the_recorded_digits():
    assert DIGITS == 6
    assert 10**-DIGITS < TOLERANCE < 10 ** -(DIGITS - 2)
    assert is_zero(0.0) and is_zero(1.0 - 3 * 0.333333) and is_zero(-TOLERANCE / 2)
    assert not is_zero(TOLERANCE) and not is_zero(-TOLERANCE) and not is_zero(0.01)


def test_balance_formula_and_its_sql_twin():
    assert balance(True, 100.0, 40.0, 50.0) == (60.0, 30.0)  # UMT 60 x 50/100
    assert balance(False, 100.0, 40.0, 50.0) == (0.0, 0.0)
    assert balance(True, 0.0, 0.0, 5.0) == (0.0, 0.0)
    # the declared quantity in the product's unit (a partida may be in dozens or kg)
    qty, tariff = balance_sql("l", "l.qty_discharged + d.qty")
    assert qty == (
        "CASE WHEN l.is_temporary THEN (l.quantity_product - (l.qty_discharged + d.qty)) ELSE 0 END"
    )
    assert "l.quantity_tariff / l.quantity_product" in tariff
    assert "l.quantity_product > 0" in tariff
    qty, __ = balance_sql("l", "0", declared="l.declared")
    assert qty == "CASE WHEN l.is_temporary THEN (l.declared - (0)) ELSE 0 END"


def test_one_fifo_order_for_sql_and_python():
    assert fifo.FIFO_ORDER is FIFO_ORDER
    assert fifo_order_sql("l", "p") == (
        "l.fifo_date NULLS LAST, p.payment_date NULLS LAST, l.pedimento_name NULLS LAST, "
        "l.sequence NULLS LAST, l.id NULLS LAST"
    )
    # the Python key takes the same fields, in the same order
    params = list(inspect.signature(fifo.fifo_sort_key).parameters)
    assert params == ["entry_date", "payment_date", "pedimento_name", "line_sequence", "line_id"]
    assert len(params) == len(FIFO_ORDER)


def test_no_dust_one_third_three_times():
    balances = {"A": [[1, 1.0, D1, None]]}
    allocations, shortfalls, __ = allocate_exits(
        balances, [demand(i, "A", 1 / 3) for i in range(3)]
    )
    # the third take absorbs the rounding: 0.333333 + 0.333333 + 0.333334 = 1
    assert allocations == [(0, 1, 0.333333), (1, 1, 0.333333), (2, 1, 0.333334)]
    assert shortfalls == [] and balances["A"][0][1] == 0.0
    # the plain allocator behaves alike
    balances = {"A": [[1, 1.0]]}
    allocations, __ = allocate(balances, [(i, "A", 1 / 3) for i in range(3)])
    assert [q for __, __, q in allocations] == [0.333333, 0.333333, 0.333334]


def test_dust_balance_is_never_taken():
    balances = {"A": [[1, TOLERANCE / 2, D1, None], [2, 5.0, D2, None]]}
    allocations, __, __ = allocate_exits(balances, [demand(1, "A", 1.0)])
    assert allocations == [(1, 2, 1.0)]


def test_dates_expiry_and_reasons():
    balances = {
        "A": [
            [1, 10.0, D1, date(2026, 2, 15)],  # expired at D3
            [2, 5.0, D2, None],
            [3, 50.0, D4, None],  # enters after D3
        ]
    }
    allocations, shortfalls, expired = allocate_exits(
        balances, [demand(1, "A", 8.0), demand(2, "B", 1.0)]
    )
    # 5 from line 2; the expired line is skipped (reported), the April line not entered
    assert allocations == [(1, 2, 5.0)]
    assert shortfalls == [(1, "A", 3.0, EXPIRED), (2, "B", 1.0, NO_BALANCE)]
    assert expired == [(1, 1, 10.0)]


def test_demands_are_served_in_date_order_whatever_their_order():
    balances = {"A": [[1, 5.0, D1, None], [2, 5.0, D2, None]]}
    allocations, __, __ = allocate_exits(
        balances, [demand("april", "A", 5.0, D4), demand("march", "A", 5.0, D3)]
    )
    assert allocations == [("march", 1, 5.0), ("april", 2, 5.0)]


def test_a3_takes_only_expired_balances_oldest_first():
    balances = {
        "A": [
            [1, 10.0, D1, date(2026, 2, 1)],
            [2, 10.0, D1, date(2026, 2, 15)],
            [3, 10.0, D2, None],
        ]
    }
    allocations, shortfalls, __ = allocate_exits(
        balances,
        [demand("a3", "A", 15.0, take_expired=True), demand("a3b", "A", 10.0, take_expired=True)],
    )
    assert allocations == [("a3", 1, 10.0), ("a3", 2, 5.0), ("a3b", 2, 5.0)]
    assert shortfalls == [("a3b", "A", 5.0, NO_BALANCE)]
    assert balances["A"][2][1] == 10.0  # the valid balance is never regularised


def test_directed_line_strict_and_lot_falls_back_to_fifo():
    balances = {"A": [[1, 10.0, D1, None], [2, 4.0, D2, None]]}
    allocations, shortfalls, __ = allocate_exits(
        balances,
        [
            demand("declared", "A", 6.0, line=2, strict=True),  # descargo: 4, then pending
            demand("lot", "A", 3.0, line=2),  # its line is empty now: FIFO takes line 1
        ],
    )
    assert allocations == [("declared", 2, 4.0), ("lot", 1, 3.0)]
    assert shortfalls == [("declared", "A", 2.0, DIRECTED)]


def test_named_line_not_yet_entered_or_expired_is_not_taken():
    balances = {"A": [[1, 10.0, D1, date(2026, 2, 1)], [2, 10.0, D4, None]]}
    allocations, shortfalls, __ = allocate_exits(
        balances,
        [demand(1, "A", 2.0, line=2, strict=True), demand(2, "A", 2.0, line=1, strict=True)],
    )
    assert allocations == []
    assert shortfalls == [(1, "A", 2.0, DIRECTED), (2, "A", 2.0, DIRECTED)]
    # an A3 naming the expired line takes it
    allocations, __, __ = allocate_exits(
        balances, [demand(3, "A", 2.0, line=1, strict=True, take_expired=True)]
    )
    assert allocations == [(3, 1, 2.0)]


@pytest.mark.parametrize("qty", [-1.0, float("nan"), float("inf")])
def test_bad_demands_raise(qty):
    balances = {"A": [[1, 10.0, D1, None]]}
    with pytest.raises(ValueError):
        allocate_exits(balances, [demand(1, "A", qty)])


def test_a_balance_entering_later_is_not_taken_by_the_fast_path():
    balances = {"A": [[1, 5.0, D1, None], [2, 10.0, D3, None]]}
    allocations, shortfalls, __ = allocate_exits(
        balances, [demand(1, "A", 5.0, D2), demand(2, "A", 1.0, D2), demand(3, "A", 1.0, D3)]
    )
    # line 2 enters on D3: the second demand (D2) finds nothing, the third takes line 2
    assert allocations == [(1, 1, 5.0), (3, 2, 1.0)]
    assert shortfalls == [(2, "A", 1.0, NO_BALANCE)]


def test_consolidated_remesa_eligible_before_an_earlier_closing_is_taken():
    """A consolidated pedimento's remesas may leave from its entry date while FIFO orders it
    by its closing date: a balance not entered yet does not hide it."""
    # FIFO order: B (fifo 10 Feb, entered 10 Feb), C (consolidated: closes 20 Feb, first
    # remesa 1 Feb, so eligible from 1 Feb). An exit on 5 Feb: B not entered, C eligible.
    b = [1, 50.0, date(2026, 2, 10), None]
    c = [2, 30.0, date(2026, 2, 1), None]
    balances = {"A": [b, c]}
    allocations, shortfalls, __ = allocate_exits(
        balances, [demand("x", "A", 20.0, when=date(2026, 2, 5))]
    )
    assert allocations == [("x", 2, 20.0)]
    assert shortfalls == []
    assert b[1] == 50.0 and c[1] == 10.0
    # on 12 Feb FIFO takes B first again
    allocations, __, __ = allocate_exits(balances, [demand("y", "A", 5.0, when=date(2026, 2, 12))])
    assert allocations == [("y", 1, 5.0)]
