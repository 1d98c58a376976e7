"""PostgreSQL array literals of the batch statements (immex.pgarray)."""

from datetime import date, datetime

import pytest
from immex.pgarray import array_literal


def test_numbers_and_null():
    assert array_literal([1, 22, None, -3]) == "{1,22,NULL,-3}"
    assert array_literal([0.1, 2.0, -0.0, 1e-07]) == "{0.1,2.0,-0.0,1e-07}"
    assert array_literal([]) == "{}"


def test_floats_read_back_exactly():
    values = [0.1 + 0.2, 1 / 3, 123456.789012345]
    texts = array_literal(values)[1:-1].split(",")
    assert [float(t) for t in texts] == values


def test_booleans_are_not_numbers():
    assert array_literal([True, False, None]) == "{t,f,NULL}"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        ("plain", '"plain"'),
        ("NULL", '"NULL"'),  # the string, not a null
        ("", '""'),
        ('say "hi"', '"say \\"hi\\""'),
        ("back\\slash", '"back\\\\slash"'),
        ("a,b{c}d", '"a,b{c}d"'),
        ("  spaced  ", '"  spaced  "'),
        ("línea\nnueva\tñ", '"línea\nnueva\tñ"'),
    ],
)
def test_strings_always_quoted_and_escaped(value, text):
    assert array_literal([value]) == "{" + text + "}"


def test_dates_and_datetimes():
    assert array_literal([date(2026, 4, 6), datetime(2026, 4, 6, 13, 5, 9)]) == (
        '{"2026-04-06","2026-04-06 13:05:09"}'
    )


def test_int_and_float_subclasses():
    class Id(int):
        def __str__(self):
            return "not a number"

    class Qty(float):
        def __repr__(self):
            return "not a number"

    assert array_literal([Id(7), Qty(1.5)]) == "{7,1.5}"
