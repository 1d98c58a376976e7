"""Tests of immex.hashing: the tamper-evident hash chain of the ledger."""

import hashlib
from datetime import date, datetime
from decimal import Decimal

from immex.hashing import canonical, chain_hash, verify_chain


def test_canonical_rules():
    values = [None, 1, 2.5, "a|b", date(2026, 1, 15), True, False, "back\\slash"]
    assert canonical(values) == b"|1|2.5|a\\|b|2026-01-15|true|false|back\\\\slash"


def test_canonical_numbers_are_stable():
    assert canonical([1]) == canonical([1.0]) == canonical([Decimal("1.000")]) == b"1"
    assert canonical([0.1 + 0.2]) == canonical([0.3]) == b"0.3"
    assert canonical([1.0000001]) == b"1"  # rounded to 6 decimals
    assert canonical([1.0000005]) == b"1.000001"
    assert canonical([-0.0]) == canonical([0]) == b"0"
    assert canonical([-2.5]) == b"-2.5"
    assert canonical([1e20]) == canonical([10**20]) == b"100000000000000000000"
    assert canonical([float("nan")]) == b"nan"
    assert canonical([float("inf")]) == b"inf"


def test_canonical_dates_and_other_values():
    assert canonical([datetime(2026, 1, 15, 10, 30)]) == b"2026-01-15T10:30:00"
    assert canonical(["Compañía"]) == "Compañía".encode()
    assert canonical([("x", 1)]) == b"('x', 1)"
    assert canonical([]) == b""


def test_canonical_distinguishes_ambiguous_splits():
    assert canonical(["a|", "b"]) != canonical(["a", "|b"])
    assert canonical(["a", ""]) != canonical(["a"])
    assert canonical([None]) == canonical([""])  # documented: both are empty


def test_chain_hash_known_values():
    assert chain_hash(None, ["x", 1]) == hashlib.sha256(b"\nx|1").hexdigest()
    assert chain_hash("", ["x", 1]) == chain_hash(None, ["x", 1])
    prev = "ab" * 32
    assert chain_hash(prev, ["x", 1.0]) == hashlib.sha256(prev.encode() + b"\nx|1").hexdigest()
    assert len(chain_hash(None, [])) == 64


def test_chain_hash_depends_on_previous_hash():
    assert chain_hash("a" * 64, ["x"]) != chain_hash("b" * 64, ["x"])


def _chain(rows):
    out, prev = [], None
    for values in rows:
        prev = chain_hash(prev, values)
        out.append((values, prev))
    return out


ROWS = [
    [1, "26  24  3420  6001234", date(2026, 1, 15), 100.0],
    [2, "26  24  3420  6001234", date(2026, 1, 16), -25.5],
    [3, "26  47  1234  6000001", date(2026, 2, 1), 12.0],
    [4, None, date(2026, 2, 2), 0.0],
    [5, "26  24  3420  6001240", datetime(2026, 2, 3, 9, 0), 7.25],
]


def test_verify_chain_accepts_intact_chain():
    assert verify_chain(_chain(ROWS)) is None
    assert verify_chain([]) is None
    assert verify_chain(iter(_chain(ROWS))) is None


def test_verify_chain_survives_int_float_round_trip():
    chain = _chain(ROWS)
    # The database hands back 100 where the code wrote 100.0: same hash.
    reread = [([v if v != 100.0 else 100 for v in values], h) for values, h in chain]
    assert verify_chain(reread) is None


def test_verify_chain_detects_edited_values():
    chain = _chain(ROWS)
    values, stored = chain[2]
    chain[2] = ([*values[:3], 13.0], stored)
    assert verify_chain(chain) == 2


def test_verify_chain_detects_edited_hash():
    chain = _chain(ROWS)
    chain[3] = (chain[3][0], "0" * 64)
    assert verify_chain(chain) == 3


def test_verify_chain_detects_deleted_and_swapped_rows():
    chain = _chain(ROWS)
    assert verify_chain(chain[:1] + chain[2:]) == 1
    assert verify_chain([chain[0], chain[2], chain[1], *chain[3:]]) == 1
    assert verify_chain(chain[1:]) == 0  # the first row chains to a missing one


def test_verify_chain_window_with_previous_hash():
    chain = _chain(ROWS)
    assert verify_chain(chain[2:], prev_hash=chain[1][1]) is None
    assert verify_chain(chain[2:], prev_hash=chain[0][1]) == 0


def test_recomputing_an_edited_row_breaks_the_next_one():
    chain = _chain(ROWS)
    edited = [*ROWS[1][:3], -20.0]
    chain[1] = (edited, chain_hash(chain[0][1], edited))
    assert verify_chain(chain) == 2
