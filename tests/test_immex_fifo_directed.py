"""Directed discharges: a demand takes from the balance its declaration names, never FIFO."""

import math

import pytest
from immex import fifo


def test_directed_takes_the_named_balance_not_the_oldest():
    balances = {1: [1, 100.0], 2: [2, 50.0]}
    allocations, shortfalls = fifo.allocate_directed(balances, [("d", 2, 30.0)])
    assert allocations == [("d", 2, 30.0)]
    assert shortfalls == []
    assert balances[1][1] == 100.0  # the oldest is untouched
    assert balances[2][1] == pytest.approx(20.0)


def test_directed_short_balance_gives_a_shortfall_not_another_balance():
    balances = {1: [1, 100.0], 2: [2, 10.0]}
    allocations, shortfalls = fifo.allocate_directed(balances, [("d", 2, 30.0)])
    # 30 declared on line 2, which holds 10: 10 taken, 20 short; line 1 stays whole
    assert allocations == [("d", 2, 10.0)]
    assert shortfalls == [("d", 2, 20.0)]
    assert balances[1][1] == 100.0
    assert balances[2][1] == 0.0


def test_directed_unknown_balance_is_all_short():
    allocations, shortfalls = fifo.allocate_directed({}, [("d", 7, 5.0)])
    assert allocations == []
    assert shortfalls == [("d", 7, 5.0)]


def test_directed_rows_are_shared_with_fifo():
    rows = [[1, 100.0], [2, 50.0]]
    by_id = {row[0]: row for row in rows}
    fifo.allocate_directed(by_id, [("d", 2, 50.0)])
    allocations, shortfalls = fifo.allocate({"p": rows}, [("e", "p", 120.0)])
    # line 2 was declared away: FIFO finds 100 on line 1 and 20 short
    assert allocations == [("e", 1, 100.0)]
    assert shortfalls == [("e", "p", 20.0)]


def test_directed_rounding_and_zero():
    balances = {1: [1, 0.3]}
    allocations, shortfalls = fifo.allocate_directed(
        balances, [("a", 1, 0.1), ("b", 1, 0.2), ("z", 1, 0.0)]
    )
    assert allocations == [("a", 1, 0.1), ("b", 1, 0.2)]
    assert shortfalls == []
    assert balances[1][1] < 1e-9


@pytest.mark.parametrize("qty", [-1.0, math.inf, math.nan])
def test_directed_refuses_bad_quantities(qty):
    with pytest.raises(ValueError):
        fifo.allocate_directed({1: [1, 5.0]}, [("d", 1, qty)])
