"""Tests of immex.fifo: the PEPS (FIFO) allocator."""

import random
from datetime import date, datetime

import pytest
from immex.fifo import allocate, allocate_dated, fifo_sort_key

# --------------------------------------------------------------------------- sort key


def test_sort_key_entry_date_first():
    rows = [
        ("late", fifo_sort_key(date(2026, 3, 1), date(2026, 1, 1), "26 24 3420 6000001", 1, 1)),
        ("early", fifo_sort_key(date(2026, 1, 1), date(2026, 3, 1), "26 24 3420 6999999", 9, 9)),
    ]
    assert [name for name, key in sorted(rows, key=lambda r: r[1])] == ["early", "late"]


def test_sort_key_tie_breaks_in_documented_order():
    d1, d2 = date(2026, 1, 10), date(2026, 1, 12)
    keys = {
        "pay_late": fifo_sort_key(d1, d2, "26 24 3420 6000001", 1, 1),
        "ped_high": fifo_sort_key(d1, d1, "26 24 3420 6000002", 1, 2),
        "seq_2": fifo_sort_key(d1, d1, "26 24 3420 6000001", 2, 3),
        "id_5": fifo_sort_key(d1, d1, "26 24 3420 6000001", 1, 5),
        "id_4": fifo_sort_key(d1, d1, "26 24 3420 6000001", 1, 4),
    }
    order = sorted(keys, key=keys.get)
    assert order == ["id_4", "id_5", "seq_2", "ped_high", "pay_late"]


def test_sort_key_none_sorts_last_at_each_level():
    d = date(2026, 1, 10)
    keys = {
        "no_entry": fifo_sort_key(None, d, "A", 1, 1),
        "no_payment": fifo_sort_key(d, None, "A", 1, 2),
        "no_name": fifo_sort_key(d, d, None, 1, 3),
        "no_seq": fifo_sort_key(d, d, "A", None, 4),
        "no_id": fifo_sort_key(d, d, "A", 1, None),
        "full": fifo_sort_key(d, d, "A", 1, 6),
    }
    order = sorted(keys, key=keys.get)
    assert order == ["full", "no_id", "no_seq", "no_name", "no_payment", "no_entry"]


def test_sort_key_pedimento_spelling_does_not_matter():
    d = date(2026, 1, 10)
    a = fifo_sort_key(d, d, "26  24  3420  6000001", 1, 7)
    b = fifo_sort_key(d, d, "26-24-3420-6000001", 1, 7)
    assert a == b


def test_sort_key_mixes_dates_and_datetimes():
    morning = fifo_sort_key(datetime(2026, 1, 10, 8, 0), None, None, None, 1)
    day = fifo_sort_key(date(2026, 1, 10), None, None, None, 2)
    evening = fifo_sort_key(datetime(2026, 1, 10, 20, 0), None, None, None, 3)
    next_day = fifo_sort_key(date(2026, 1, 11), None, None, None, 4)
    assert sorted([next_day, evening, day, morning]) == [day, morning, evening, next_day]


def test_sort_key_line_sequence_zero_before_none():
    d = date(2026, 1, 10)
    assert fifo_sort_key(d, d, "A", 0, 1) < fifo_sort_key(d, d, "A", None, 1)


# --------------------------------------------------------------------------- allocate


def test_allocate_walks_balances_in_order():
    balances = {"A": [[1, 10.0], [2, 5.0]]}
    demands = [(100, "A", 4.0), (101, "A", 8.0), (102, "A", 5.0)]
    allocations, shortfalls = allocate(balances, demands)
    assert allocations == [
        (100, 1, 4.0),
        (101, 1, 6.0),
        (101, 2, 2.0),
        (102, 2, 3.0),
    ]
    assert shortfalls == [(102, "A", 2.0)]
    assert balances == {"A": [[1, 0.0], [2, 0.0]]}


def test_allocate_exact_exhaustion_moves_to_next_balance():
    balances = {"A": [[1, 5.0], [2, 5.0]]}
    allocations, shortfalls = allocate(balances, [(1, "A", 5.0), (2, "A", 1.0)])
    assert allocations == [(1, 1, 5.0), (2, 2, 1.0)]
    assert shortfalls == []
    assert balances["A"] == [[1, 0.0], [2, 4.0]]


def test_allocate_one_demand_over_many_balances():
    balances = {"A": [[b, 1.5] for b in range(1, 6)]}
    allocations, shortfalls = allocate(balances, [(9, "A", 6.0)])
    assert allocations == [(9, 1, 1.5), (9, 2, 1.5), (9, 3, 1.5), (9, 4, 1.5)]
    assert shortfalls == []
    assert balances["A"][4] == [5, 1.5]


def test_allocate_products_are_independent_and_order_is_kept():
    balances = {"A": [[1, 3.0]], "B": [[2, 2.0], [3, 2.0]]}
    demands = [(1, "B", 1.0), (2, "A", 2.0), (3, "B", 2.0), (4, "A", 2.0)]
    allocations, shortfalls = allocate(balances, demands)
    assert allocations == [(1, 2, 1.0), (2, 1, 2.0), (3, 2, 1.0), (3, 3, 1.0), (4, 1, 1.0)]
    assert shortfalls == [(4, "A", 1.0)]


def test_allocate_unknown_product_is_a_full_shortfall():
    allocations, shortfalls = allocate({"A": [[1, 1.0]]}, [(7, "Z", 2.5)])
    assert allocations == []
    assert shortfalls == [(7, "Z", 2.5)]


def test_allocate_empty_balance_list_is_a_full_shortfall():
    allocations, shortfalls = allocate({"A": []}, [(7, "A", 2.5), (8, "A", 1.0)])
    assert allocations == []
    assert shortfalls == [(7, "A", 2.5), (8, "A", 1.0)]


def test_allocate_skips_zero_and_negative_balances():
    balances = {"A": [[1, 0.0], [2, -3.0], [3, 0.0000004], [4, 5.0]]}
    allocations, shortfalls = allocate(balances, [(1, "A", 2.0)])
    assert allocations == [(1, 4, 2.0)]
    assert shortfalls == []
    # Never touched, never made "more negative".
    assert balances["A"][:3] == [[1, 0.0], [2, -3.0], [3, 0.0000004]]
    assert balances["A"][3] == [4, 3.0]


def test_allocate_zero_demand_yields_nothing():
    balances = {"A": [[1, 1.0]]}
    assert allocate(balances, [(1, "A", 0.0), (2, "A", 0.0000004), (3, "Z", 0)]) == ([], [])
    assert balances["A"] == [[1, 1.0]]


@pytest.mark.parametrize("qty", [-1.0, -0.000001])
def test_allocate_negative_demand_raises(qty):
    with pytest.raises(ValueError):
        allocate({"A": [[1, 5.0]]}, [(1, "A", qty)])


@pytest.mark.parametrize("qty", [float("nan"), float("inf"), -float("inf")])
def test_allocate_non_finite_demand_raises(qty):
    balances = {"A": [[1, 5.0]]}
    with pytest.raises(ValueError):
        allocate(balances, [(1, "A", qty)])
    assert balances["A"] == [[1, 5.0]]


def test_allocate_rounds_demands_to_digits():
    balances = {"A": [[1, 100.0]]}
    noisy = 2.3 * 3  # 6.8999999999999995
    assert noisy != 6.9
    allocations, _ = allocate(balances, [(1, "A", noisy), (2, "A", 1.23456789)])
    assert allocations == [(1, 1, 6.9), (2, 1, 1.234568)]


def test_allocate_no_drift_on_repeated_subtraction():
    balances = {"A": [[1, 0.3], [2, 1.0]]}
    allocations, shortfalls = allocate(balances, [(i, "A", 0.1) for i in range(3)])
    # 0.3 - 0.1 - 0.1 is 0.09999999999999998 in binary; the third 0.1 still fits balance 1.
    assert allocations == [(0, 1, 0.1), (1, 1, 0.1), (2, 1, 0.1)]
    assert shortfalls == []
    assert balances["A"] == [[1, 0.0], [2, 1.0]]


def test_allocate_remainder_across_balances_is_rounded():
    balances = {"A": [[1, 0.1], [2, 0.2], [3, 5.0]]}
    allocations, shortfalls = allocate(balances, [(1, "A", 0.3), (2, "A", 0.7)])
    assert allocations == [(1, 1, 0.1), (1, 2, 0.2), (2, 3, 0.7)]
    assert shortfalls == []
    assert balances["A"][1] == [2, 0.0]


def test_allocate_tolerance_covers_rounding_noise_in_balances():
    # A balance stored unrounded a hair below the demand still covers it: no phantom
    # 0.0000004 shortfall, and the balance ends at exactly zero, never negative.
    balances = {"A": [[1, 0.9999996], [2, 3.0]]}
    allocations, shortfalls = allocate(balances, [(1, "A", 1.0)])
    assert allocations == [(1, 1, 1.0)]
    assert shortfalls == []
    assert balances["A"] == [[1, 0.0], [2, 3.0]]


def test_allocate_take_of_unrounded_balance_is_rounded():
    balances = {"A": [[1, 0.12345678], [2, 3.0]]}
    allocations, _ = allocate(balances, [(1, "A", 1.0)])
    assert allocations == [(1, 1, 0.123457), (1, 2, 0.876543)]


def test_allocate_digits_parameter():
    balances = {"A": [[1, 1.0], [2, 1.0]]}
    allocations, shortfalls = allocate(
        balances, [(1, "A", 0.333), (2, "A", 0.666), (3, "A", 1.0)], digits=2
    )
    assert allocations == [(1, 1, 0.33), (2, 1, 0.67), (3, 2, 1.0)]
    assert shortfalls == []


@pytest.mark.parametrize("digits", [-1, 1.5, "6"])
def test_allocate_bad_digits(digits):
    with pytest.raises(ValueError):
        allocate({}, [], digits=digits)


def test_allocate_chained_calls_continue_where_the_last_stopped():
    balances = {"A": [[1, 2.0], [2, 2.0], [3, 2.0]]}
    first, _ = allocate(balances, [(1, "A", 3.0)])
    second, shortfalls = allocate(balances, [(2, "A", 2.5)])
    assert first == [(1, 1, 2.0), (1, 2, 1.0)]
    assert second == [(2, 2, 1.0), (2, 3, 1.5)]
    assert shortfalls == []
    assert balances["A"] == [[1, 0.0], [2, 0.0], [3, 0.5]]


def test_allocate_accepts_a_generator_and_keeps_the_callers_lists():
    rows = [[1, 4.0]]
    balances = {"A": rows}
    allocations, _ = allocate(balances, ((d, "A", 1.0) for d in range(3)))
    assert [a[0] for a in allocations] == [0, 1, 2]
    assert balances["A"] is rows
    assert rows == [[1, 1.0]]


def test_allocate_empty_inputs():
    assert allocate({}, []) == ([], [])


def _reference(balances, demands):
    """Naive FIFO in integer milli-units: rescans from the first balance every time."""
    left = {p: [[b, q] for b, q in rows] for p, rows in balances.items()}
    allocations, shortfalls = [], []
    for demand_id, product, qty in demands:
        for row in left.get(product, []):
            if qty == 0:
                break
            if row[1] <= 0:
                continue
            take = min(row[1], qty)
            row[1] -= take
            qty -= take
            allocations.append((demand_id, row[0], take))
        if qty:
            shortfalls.append((demand_id, product, qty))
    return allocations, shortfalls, left


@pytest.mark.parametrize("seed", range(8))
def test_allocate_matches_naive_reference(seed):
    rng = random.Random(seed)
    products = [f"P{k}" for k in range(6)]
    balances_milli = {
        p: [[f"{p}-b{k}", rng.choice([0, rng.randint(1, 9000)])] for k in range(rng.randint(0, 6))]
        for p in products[:5]  # P5 has no balances at all
    }
    demands_milli = [
        (d, rng.choice(products), rng.choice([0, rng.randint(1, 4000)])) for d in range(200)
    ]
    expected_alloc, expected_short, expected_left = _reference(balances_milli, demands_milli)

    balances = {p: [[b, q / 1000] for b, q in rows] for p, rows in balances_milli.items()}
    demands = [(d, p, q / 1000) for d, p, q in demands_milli]
    allocations, shortfalls = allocate(balances, demands)

    assert [(d, b) for d, b, _ in allocations] == [(d, b) for d, b, _ in expected_alloc]
    for (_, _, got), (_, _, want) in zip(allocations, expected_alloc, strict=True):
        assert got == want / 1000
    assert shortfalls == [(d, p, q / 1000) for d, p, q in expected_short]
    for p, rows in expected_left.items():
        assert [b for b, _ in balances[p]] == [b for b, _ in rows]
        for (_, got), (_, want) in zip(balances[p], rows, strict=True):
            assert got == pytest.approx(want / 1000, abs=1e-9)
            assert got >= 0.0


def test_allocate_conserves_quantities_on_a_large_random_run():
    rng = random.Random(42)
    balances = {p: [[(p, k), round(rng.uniform(1, 50), 3)] for k in range(5)] for p in range(50)}
    initial = {p: sum(q for _, q in rows) for p, rows in balances.items()}
    demands = [(d, rng.randrange(55), round(rng.uniform(0.1, 9), 3)) for d in range(5000)]
    allocations, shortfalls = allocate(balances, demands)
    per_demand = {}
    for d, _b, q in allocations:
        per_demand[d] = per_demand.get(d, 0.0) + q
        assert q > 0
    for d, _p, q in shortfalls:
        per_demand[d] = per_demand.get(d, 0.0) + q
    for d, _p, q in demands:
        assert per_demand[d] == pytest.approx(q, abs=1e-9)
    for p, rows in balances.items():
        used = sum(q for _d, b, q in allocations if b[0] == p)
        assert used + sum(q for _, q in rows) == pytest.approx(initial[p], abs=1e-6)
        assert all(q >= 0 for _, q in rows)
    # A shortfall happens only once every balance of the product is empty.
    for _d, p, _q in shortfalls:
        assert all(q == 0.0 for _, q in balances.get(p, []))


# --------------------------------------------------------------------------- allocate_dated

D = date


def test_dated_only_balances_entered_by_the_demand_date():
    balances = {
        "A": [
            [1, 5.0, D(2026, 1, 10), D(2027, 7, 10)],
            [2, 5.0, D(2026, 3, 1), D(2027, 9, 1)],
        ]
    }
    demands = [(100, "A", 7.0, D(2026, 2, 1)), (101, "A", 3.0, D(2026, 3, 1))]
    allocations, shortfalls, expired = allocate_dated(balances, demands)
    # Balance 2 had not entered on Feb 1; it is eligible on its entry day.
    assert allocations == [(100, 1, 5.0), (101, 2, 3.0)]
    assert shortfalls == [(100, "A", 2.0)]
    assert expired == []
    assert [row[1] for row in balances["A"]] == [0.0, 2.0]


def test_dated_expired_balances_are_skipped_and_reported_once():
    balances = {
        "A": [
            [1, 4.0, D(2024, 1, 1), D(2025, 7, 1)],
            [2, 10.0, D(2025, 1, 1), D(2026, 7, 1)],
        ]
    }
    demands = [
        (100, "A", 2.0, D(2025, 7, 1)),  # the expiry day itself is still valid
        (101, "A", 5.0, D(2025, 7, 2)),  # balance 1 expired the day before
        (102, "A", 1.0, D(2025, 8, 1)),
    ]
    allocations, shortfalls, expired = allocate_dated(balances, demands)
    assert allocations == [(100, 1, 2.0), (101, 2, 5.0), (102, 2, 1.0)]
    assert shortfalls == []
    assert expired == [(101, 1, 2.0)]
    # Expired balances are not decremented: they need an A3 regularisation.
    assert balances["A"][0][1] == 2.0
    assert balances["A"][1][1] == 4.0


def test_dated_expired_everything_is_a_shortfall():
    balances = {"A": [[1, 4.0, D(2024, 1, 1), D(2025, 1, 1)]]}
    allocations, shortfalls, expired = allocate_dated(balances, [(1, "A", 1.0, D(2025, 2, 1))])
    assert allocations == []
    assert shortfalls == [(1, "A", 1.0)]
    assert expired == [(1, 1, 4.0)]


def test_dated_no_expiry_never_expires():
    balances = {"A": [[1, 4.0, D(2000, 1, 1), None]]}
    allocations, shortfalls, expired = allocate_dated(balances, [(1, "A", 1.0, D(2030, 1, 1))])
    assert allocations == [(1, 1, 1.0)]
    assert (shortfalls, expired) == ([], [])


def test_dated_spans_balances_and_skips_exhausted():
    balances = {
        "A": [
            [1, 0.0, D(2026, 1, 1), None],
            [2, 1.5, D(2026, 1, 2), None],
            [3, 2.0, D(2026, 1, 3), None],
            [4, 9.0, D(2026, 6, 1), None],
        ]
    }
    allocations, shortfalls, _ = allocate_dated(balances, [(1, "A", 4.0, D(2026, 2, 1))])
    assert allocations == [(1, 2, 1.5), (1, 3, 2.0)]
    assert shortfalls == [(1, "A", 0.5)]
    assert balances["A"][3][1] == 9.0


def test_dated_exact_exhaustion_and_ordinal_dates():
    balances = {"A": [[1, 2.0, 10, 100], [2, 2.0, 20, 200]]}
    demands = [(1, "A", 2.0, 20), (2, "A", 1.0, 150)]
    allocations, shortfalls, expired = allocate_dated(balances, demands)
    assert allocations == [(1, 1, 2.0), (2, 2, 1.0)]
    assert (shortfalls, expired) == ([], [])


def test_dated_demands_out_of_date_order_raise():
    balances = {"A": [[1, 5.0, D(2026, 1, 1), None]]}
    demands = [(1, "A", 1.0, D(2026, 3, 1)), (2, "A", 1.0, D(2026, 2, 1))]
    with pytest.raises(ValueError, match="date order"):
        allocate_dated(balances, demands)


def test_dated_order_is_per_product():
    balances = {
        "A": [[1, 5.0, D(2026, 1, 1), None]],
        "B": [[2, 5.0, D(2026, 1, 1), None]],
    }
    demands = [(1, "A", 1.0, D(2026, 3, 1)), (2, "B", 1.0, D(2026, 2, 1))]
    allocations, _, _ = allocate_dated(balances, demands)
    assert allocations == [(1, 1, 1.0), (2, 2, 1.0)]


def test_dated_unknown_product_zero_and_negative():
    balances = {"A": [[1, 5.0, D(2026, 1, 1), None]]}
    allocations, shortfalls, _ = allocate_dated(
        balances, [(1, "Z", 1.0, D(2026, 2, 1)), (2, "A", 0.0, D(2026, 2, 1))]
    )
    assert allocations == []
    assert shortfalls == [(1, "Z", 1.0)]
    with pytest.raises(ValueError):
        allocate_dated(balances, [(3, "A", -1.0, D(2026, 2, 1))])
    with pytest.raises(ValueError):
        allocate_dated(balances, [(3, "A", float("inf"), D(2026, 2, 1))])


def test_dated_expired_reported_again_in_a_new_call():
    balances = {"A": [[1, 4.0, D(2024, 1, 1), D(2025, 1, 1)], [2, 9.0, D(2024, 6, 1), None]]}
    first = allocate_dated(balances, [(1, "A", 1.0, D(2025, 2, 1))])
    second = allocate_dated(balances, [(2, "A", 1.0, D(2025, 3, 1))])
    assert first[2] == [(1, 1, 4.0)]
    assert second[2] == [(2, 1, 4.0)]
    assert balances["A"][1][1] == 7.0


def test_dated_matches_allocate_when_dates_do_not_bind():
    rng = random.Random(7)
    plain = {p: [[(p, k), round(rng.uniform(1, 20), 3)] for k in range(4)] for p in range(10)}
    dated = {p: [[b, q, 0, None] for b, q in rows] for p, rows in plain.items()}
    demands = [(d, rng.randrange(11), round(rng.uniform(0.1, 6), 3)) for d in range(400)]
    expected = allocate(plain, demands)
    got = allocate_dated(dated, [(d, p, q, 1) for d, p, q in demands])
    assert got[:2] == expected
    assert got[2] == []


def test_gc_state_is_restored():
    import gc

    assert gc.isenabled()
    allocate({"A": [[1, 1.0]]}, [(1, "A", 1.0)])
    assert gc.isenabled()
    with pytest.raises(ValueError):
        allocate_dated({"A": [[1, 1.0, 0, None]]}, [(1, "A", -1.0, 0)])
    assert gc.isenabled()
    gc.disable()
    try:
        allocate({}, [(1, "A", 1.0)])
        assert not gc.isenabled()  # a caller's choice is left alone
    finally:
        gc.enable()
