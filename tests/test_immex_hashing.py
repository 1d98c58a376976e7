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


# --- batches, copies read back from PostgreSQL, several chains --------------------------

from immex.hashing import (  # noqa: E402
    canonical_columns,
    canonical_from_copy,
    canonical_json,
    chain_batch,
    texts,
    verify_chains,
)

COLUMNS = [
    [1, 2, 3, 4],
    [None, 7, None, 0],
    [100.0, -25.5, 1e-05, 0.1 + 0.2],
    [date(2026, 1, 15), date(2026, 1, 16), None, date(2026, 2, 1)],
    ["export", "reversal", "a|b", "back\\slash"],
    [True, False, None, 1],
]


def test_canonical_columns_equals_canonical_of_each_row():
    rows = list(zip(*COLUMNS, strict=True))
    assert canonical_columns(COLUMNS) == [canonical(row) for row in rows]
    assert canonical_columns([]) == []
    assert canonical_columns([[None, None]]) == [b"", b""]
    assert canonical_columns([[1.0, float("nan"), -0.0]]) == [b"1", b"nan", b"0"]


def test_texts_are_what_canonical_joins():
    values = [None, 1, 2.5, "a|b", date(2026, 1, 15)]
    assert "|".join(texts(values)).encode() == canonical(values)


def test_canonical_from_copy_matches_the_values_written():
    # what PostgreSQL's COPY TO prints for the row written from these values
    written = [12, None, 26.0, 0.52, date(2026, 3, 1), "export", 1e-05]
    copied = ["12", "\\N", "26", "0.52", "2026-03-01", "export", "1e-05"]
    assert canonical_from_copy(copied, (2, 3, 6)) == canonical(written)
    # a value PostgreSQL prints with more digits than the 6 kept: same rounding as canonical
    assert canonical_from_copy(["0.30000000000000004"], (0,)) == canonical([0.1 + 0.2])
    # COPY escapes a backslash; canonical escapes it (and "|") its own way
    assert canonical_from_copy(["back\\\\slash", "a|b"]) == canonical(["back\\slash", "a|b"])


def test_canonical_json_is_stable():
    assert canonical_json({"b": [1, 2.5], "a": None}) == '{"a":null,"b":[1,2.5]}'
    assert canonical_json({"d": date(2026, 1, 2)}) == '{"d":"2026-01-02"}'
    assert canonical_json({"n": "Compañía"}) == '{"n":"Compañía"}'


def test_chain_batch_equals_chain_hash_row_by_row():
    rows = canonical_columns(COLUMNS)
    hashes = chain_batch("ab" * 32, rows)
    prev = "ab" * 32
    for values, stored in zip(zip(*COLUMNS, strict=True), hashes, strict=True):
        prev = chain_hash(prev, values)
        assert stored == prev
    assert chain_batch(None, []) == []
    assert chain_batch(None, rows)[0] == chain_hash(None, [col[0] for col in COLUMNS])


def _rows(key, start, values_list, prev=None):
    out = []
    for offset, values in enumerate(values_list):
        prev = chain_hash(prev, values)
        out.append((key, start + offset, canonical(values), prev))
    return out


def test_verify_chains_interleaved_and_heads():
    a = _rows("A", 1, [[1], [2], [3]])
    b = _rows("B", 10, [[1], [5]])
    mixed = [a[0], b[0], a[1], b[1], a[2]]
    heads = {"A": a[-1][3], "B": b[-1][3]}
    breaks, last = verify_chains(mixed, heads)
    assert breaks == {}
    assert last == {"A": (3, a[-1][3]), "B": (11, b[-1][3])}
    # an edited row of B breaks B only, at that row
    edited = [a[0], b[0], a[1], ("B", 11, canonical([6]), b[1][3]), a[2]]
    assert verify_chains(edited, heads)[0] == {"B": (11, "hash")}
    # a deleted middle row: the next one breaks; a deleted last row: the head breaks
    assert verify_chains([a[0], a[2]], {"A": heads["A"]})[0] == {"A": (3, "hash")}
    assert verify_chains(a[:2], {"A": heads["A"]})[0] == {"A": (2, "head")}
    # a fabricated row with no hash, or rows and no recorded head
    assert verify_chains([*a, ("A", 4, b"x", None)], heads)[0]["A"] == (4, "missing_hash")
    assert verify_chains(a, {"A": ""})[0] == {"A": (3, "head")}
    assert verify_chains([], {"A": ""}) == ({}, {})


def test_line_from_copy_gives_back_the_line_python_wrote():
    from immex.hashing import line_from_copy

    values = [12, "\\N", 26.0, 0.52, date(2026, 3, 1), "export", 1e-05, 0.1 + 0.2, -25.5]
    written = "\t".join(map(str, values)).encode()
    # what PostgreSQL's COPY TO prints for the same row (shortest exact floats)
    printed = ["12", "\\N", "26", "0.52", "2026-03-01", "export", "1e-05", "0.30000000000000004"]
    printed.append("-25.5")
    assert line_from_copy(printed, (2, 3, 6, 7, 8)) == written
    assert line_from_copy(["\\N", "7"], (0,)) == b"\\N\t7"


def test_chain_lines_equals_chain_batch_of_their_bytes():
    from immex.hashing import chain_lines

    lines = ["1\t\\N\t10.0", "2\tCompañía\t0.5", ""]
    assert chain_lines("ab" * 32, lines) == chain_batch("ab" * 32, [x.encode() for x in lines])
    assert chain_lines(None, []) == []


def test_iter_chain_is_lazy_and_equals_chain_lines():
    from immex.hashing import chain_lines, iter_chain

    lines = iter(["a", "b", "c"])
    chained = iter_chain("ab" * 32, lines)
    first = next(chained)
    assert first == ("a", chain_lines("ab" * 32, ["a"])[0])
    assert next(lines) == "b"  # nothing read ahead
    assert [h for __, h in iter_chain(None, ["a", "b"])] == chain_lines(None, ["a", "b"])
