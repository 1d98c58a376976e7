"""Initial inventory file: columns by name, typed rows, every problem with its line."""

import io
from datetime import date

import pytest
from immex import opening

CSV = (
    "Pedimento;Partida;Fraccion;Numero de parte;Cantidad;Unidad;Descargado;Saldo;"
    "Fecha entrada;Valor MXN;Clave\n"
    "25 24 3420 5000001;1;8544499999;WIRE-18;1000;m;400;600;2025-06-01;20000;IN\n"
    "25 24 3420 5000001;2;85366903;TERM-28;500;pza;0;500;01/06/2025;1000;IN\n"
    "\n"
    "25 24 3420 5000002;1;8544499999;WIRE-18;100;m;150;-50;2025-07-01;1;IN\n"
    "25 24 3420 5000002;2;8544499999;WIRE-18;100;m;10;80;2025-07-01;1;IN\n"
    "bad;1;8544499999;WIRE-18;100;m;0;100;2025-07-01;1;IN\n"
    "25 24 3420 5000002;3;8544499999;WIRE-18;1x0;m;0;100;2025-07-01;1;IN\n"
)


def test_csv_rows_and_errors():
    rows, errors = opening.read_rows(CSV.encode("cp1252"), "saldos.csv")
    assert [(r["pedimento"], r["sequence"], r["balance"]) for r in rows] == [
        ("25  24  3420  5000001", 1, 600.0),
        ("25  24  3420  5000001", 2, 500.0),
    ]
    assert rows[1]["fraction"] == "85366903" and rows[1]["entry_date"] == date(2025, 6, 1)
    assert [(e.line, e.code) for e in errors] == [
        (5, "negative"),
        (6, "balance"),
        (7, "pedimento"),
        (8, "number"),
    ]
    assert opening.totals_by_fraction(rows) == [
        ("85366903", 1, 500.0, 0.0, 500.0),
        ("8544499999", 1, 1000.0, 400.0, 600.0),
    ]


def test_xlsx_and_missing_columns():
    openpyxl = pytest.importorskip("openpyxl")  # Odoo's dependency; not in the bare venv
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["pedimento", "partida", "cantidad", "descargado", "saldo", "fecha_entrada"])
    sheet.append(["252434205000001", 1, 10, 2.5, 7.5, date(2025, 6, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    rows, errors = opening.read_rows(buffer.getvalue(), "x.xlsx")
    assert not errors and rows[0]["discharged"] == 2.5 and rows[0]["entry_date"] == date(2025, 6, 1)
    with pytest.raises(opening.OpeningError) as err:
        opening.read_rows(b"pedimento,partida\n1,2\n", "x.csv")
    assert err.value.code == "columns" and "saldo" not in err.value.params["columns"]
    with pytest.raises(opening.OpeningError):
        opening.read_rows(b"", "x.csv")
    with pytest.raises(opening.OpeningError) as err:
        opening.read_rows(b"PK\x03\x04garbage", "x.xlsx")
    assert err.value.code == "file"


def test_over_discharged():
    rows, errors = opening.read_rows(
        b"pedimento,partida,cantidad,descargado,saldo,fecha\n"
        b"25  24  3420  5000001,1,10,11,-1,2025-01-01\n"
        b"25  24  3420  5000001,2,10,11,0,2025-01-01\n",
        "x.csv",
    )
    assert not rows and [e.code for e in errors] == ["negative", "over_discharged"]
