"""Tests of immex.datastage: reading SAT Data Stage layouts."""

from datetime import date, datetime

import pytest
from immex.datastage import (
    PARTIDA_551_FIELDS,
    PEDIMENTO_501_FIELDS,
    datastage_key,
    pedimento_key,
    read_asc,
    year_of,
)
from immex.pedimento import PedimentoError

SAMPLE = (
    "Patente|Pedimento|SeccionAduanera|ClaveDocumento|FechaPagoReal|\r\n"
    "3420|6001234|240|IN|2026-01-15 00:00:00|\r\n"
    "\r\n"
    "0042|6000007|470|RT|2026-02-03 00:00:00|\r\n"
)


def test_read_asc_basic():
    rows = read_asc(SAMPLE)
    assert rows == [
        {
            "Patente": "3420",
            "Pedimento": "6001234",
            "SeccionAduanera": "240",
            "ClaveDocumento": "IN",
            "FechaPagoReal": "2026-01-15 00:00:00",
        },
        {
            "Patente": "0042",
            "Pedimento": "6000007",
            "SeccionAduanera": "470",
            "ClaveDocumento": "RT",
            "FechaPagoReal": "2026-02-03 00:00:00",
        },
    ]


def test_read_asc_without_trailing_pipe_and_lf():
    assert read_asc("A|B\n1|2\n") == [{"A": "1", "B": "2"}]


def test_read_asc_keeps_empty_last_value():
    # "1||" is "1", "" once the single trailing pipe is removed.
    assert read_asc("A|B|\n1||\n") == [{"A": "1", "B": ""}]


def test_read_asc_strips_values_and_pads_short_rows():
    rows = read_asc(" A | B | C |\n x |y\n")
    assert rows == [{"A": "x", "B": "y", "C": ""}]


def test_read_asc_rejects_long_rows():
    with pytest.raises(ValueError, match="line 3"):
        read_asc("A|B|\n1|2|\n1|2|3|\n")


def test_read_asc_header_only_and_empty():
    assert read_asc("A|B|\r\n") == []
    assert read_asc("") == []
    assert read_asc("\n\n") == []


def test_read_asc_bytes_utf8_with_bom():
    data = "\ufeffA|Nombre|\r\n1|Compañía|\r\n".encode()
    assert read_asc(data) == [{"A": "1", "Nombre": "Compañía"}]


def test_read_asc_bytes_latin1_fallback():
    data = "A|Nombre|\r\n1|Compañía|\r\n".encode("latin-1")
    assert read_asc(data) == [{"A": "1", "Nombre": "Compañía"}]


def test_read_asc_lines_iterable():
    lines = ["\ufeffA|B|\r\n", "1|2|\r\n", "   \n", "3|4|\n"]
    assert read_asc(lines) == [{"A": "1", "B": "2"}, {"A": "3", "B": "4"}]
    assert read_asc(iter(lines)) == read_asc(lines)


def test_layout_field_lists():
    assert len(PEDIMENTO_501_FIELDS) == 31
    assert len(PARTIDA_551_FIELDS) == 30
    assert len(set(PEDIMENTO_501_FIELDS)) == 31
    assert len(set(PARTIDA_551_FIELDS)) == 30
    for fields in (PEDIMENTO_501_FIELDS, PARTIDA_551_FIELDS):
        assert fields[:3] == ("Patente", "Pedimento", "SeccionAduanera")
        assert fields[-1] == "FechaPagoReal"
        assert "ClaveDocumento" in fields and "TipoOperacion" in fields
    assert PARTIDA_551_FIELDS[3:6] == ("Fraccion", "SecuenciaFraccion", "SubdivisionFraccion")
    assert "CantidadUMTarifa" in PARTIDA_551_FIELDS
    assert "UnidadMedidaTarifa" in PARTIDA_551_FIELDS


def test_read_a_551_file_built_from_the_layout():
    values = [""] * len(PARTIDA_551_FIELDS)
    values[:6] = ["3420", "6001234", "240", "85444299", "1", "01"]
    values[PARTIDA_551_FIELDS.index("CantidadUMTarifa")] = "125.500"
    values[-1] = "2026-01-15 00:00:00"
    text = "|".join(PARTIDA_551_FIELDS) + "|\n" + "|".join(values) + "|\n"
    (row,) = read_asc(text)
    assert tuple(row) == PARTIDA_551_FIELDS
    assert row["Fraccion"] + row["SubdivisionFraccion"] == "8544429901"
    assert float(row["CantidadUMTarifa"]) == 125.5
    key = pedimento_key(
        row["Patente"], row["Pedimento"], row["SeccionAduanera"], row["FechaPagoReal"]
    )
    assert key == "26  24  3420  6001234"


@pytest.mark.parametrize(
    "year",
    [
        "2026-01-15 00:00:00",
        "2026-01-15",
        "15/01/2026",
        "2026",
        "26",
        2026,
        26,
        date(2026, 1, 15),
        datetime(2026, 1, 15, 12, 0),
    ],
)
def test_pedimento_key_year_forms(year):
    assert pedimento_key("3420", "6001234", "240", year) == "26  24  3420  6001234"


def test_pedimento_key_zero_fills_spreadsheet_damage():
    assert pedimento_key(42, 1234, 10, 2020) == "20  01  0042  0001234"
    assert pedimento_key("42", "0001234", "010", "2020-05-01") == "20  01  0042  0001234"


def test_pedimento_key_without_year():
    assert pedimento_key("3420", "6001234", "240") is None
    assert pedimento_key("3420", "6001234", "240", "") is None


def test_pedimento_key_validates_parts_even_without_year():
    with pytest.raises(PedimentoError) as info:
        pedimento_key("34A0", "6001234", "240")
    assert info.value.code == "patent_format"
    with pytest.raises(PedimentoError) as info:
        pedimento_key("3420", "60012345", "240", 2026)
    assert info.value.code == "format"
    with pytest.raises(PedimentoError) as info:
        pedimento_key("3420", "6001234", "2401", 2026)
    assert info.value.code == "format"


def test_datastage_key():
    assert datastage_key("3420", "6001234", "240") == ("3420", "6001234", "240")
    assert datastage_key(42, 1234, 10) == ("0042", "0001234", "010")


@pytest.mark.parametrize("value", ["abc", "2026/01/15x", "1-2-3", -2026, 20.26])
def test_year_of_rejects(value):
    with pytest.raises(ValueError):
        year_of(value)


def test_year_of():
    assert year_of(None) is None
    assert year_of("  ") is None
    assert year_of("2026-01-15T00:00:00") == 2026
    assert year_of(" 2026 ") == 2026


def test_false_year_means_unknown():
    assert year_of(False) is None
    assert pedimento_key("3420", "6001234", "240", False) is None
