"""Initial inventory (going live with IMMEX history): reading the open balances file.

A company that installs the addon with years of temporary imports brings, per open import
line, the declared quantity and what was already discharged, from its previous system or
the SAT's initial inventory, as CSV (``,`` ``;`` ``|`` or tab, detected) or XLSX (first
sheet). Columns are found by header name, Spanish or English; one row per pedimento line.
Every problem is reported with its line number; nothing is half-read.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime

from .datastage import parse_decimal
from .pedimento import PedimentoError, normalize_number

__all__ = ["COLUMNS", "OpeningError", "read_rows", "totals_by_fraction", "validate"]

# canonical name -> accepted headers (compared lower-case, without spaces, "_" or ".")
COLUMNS: dict[str, tuple[str, ...]] = {
    "pedimento": ("pedimento", "numeropedimento", "pedimentonumber"),
    "sequence": ("partida", "secuencia", "secuenciafraccion", "sequence", "line"),
    "fraction": ("fraccion", "fraccionarancelaria", "fraction"),
    "part_number": ("numerodeparte", "numeroparte", "parte", "partnumber", "codigo"),
    "quantity": ("cantidad", "cantidaddeclarada", "cantidadumc", "quantity", "declared"),
    "uom": ("unidad", "umc", "unit", "uom"),
    "quantity_tariff": ("cantidadumt", "quantitytariff", "umtquantity"),
    "uom_tariff": ("umt", "unidadtarifa", "tariffunit"),
    "discharged": ("descargado", "cantidaddescargada", "discharged"),
    "balance": ("saldo", "balance"),
    "entry_date": ("fechaentrada", "fechadeentrada", "entrydate", "fecha"),
    "payment_date": ("fechapago", "fechadepago", "paymentdate"),
    "value_mxn": ("valormxn", "valoraduana", "valueMXN", "valuemxn"),
    "value_usd": ("valorusd", "valordolares", "valueusd"),
    "key": ("clave", "clavepedimento", "key"),
}
REQUIRED = ("pedimento", "sequence", "quantity", "discharged", "balance", "entry_date")
_LOOKUP = {alias.lower(): name for name, aliases in COLUMNS.items() for alias in aliases}


class OpeningError(ValueError):
    def __init__(self, code: str, line: int = 0, **params: object) -> None:
        super().__init__(code, line, params)
        self.code = code
        self.line = line
        self.params = params


def _canon(header: object) -> str | None:
    text = str(header or "").strip().lower()
    for ch in " _.-/()":
        text = text.replace(ch, "")
    return _LOOKUP.get(text)


def _table(data: bytes, file_name: str) -> list[list[object]]:
    if (file_name or "").lower().endswith((".xlsx", ".xlsm")) or data[:2] == b"PK":
        import openpyxl

        try:
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        except Exception as err:  # openpyxl raises many kinds for a bad file
            raise OpeningError("file") from err
        sheet = book.worksheets[0]
        return [list(row) for row in sheet.iter_rows(values_only=True)]
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    text = text.replace("\x00", "")
    first = text.split("\n", 1)[0]
    delimiter = max(",;|\t", key=first.count)
    return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]


def _date(value: object, column: str, line: int) -> date | None:
    if value in (None, ""):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%Y-%m-%d %H:%M:%S", "%d/%m/%Y %H:%M:%S"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise OpeningError("date", line, column=column, value=text[:40])


def _number(value: object, column: str, line: int) -> float | None:
    if value in (None, ""):
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    try:
        return parse_decimal(str(value), column)
    except ValueError as err:
        raise OpeningError("number", line, column=column, value=str(value)[:40]) from err


def read_rows(data: bytes, file_name: str = "") -> tuple[list[dict], list[OpeningError]]:
    """``(rows, errors)``: typed rows (with ``line``) and the problems of the others."""
    table = _table(data, file_name)
    while table and not any(str(v or "").strip() for v in table[0]):
        table.pop(0)
    if not table:
        raise OpeningError("empty")
    header = [_canon(h) for h in table[0]]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise OpeningError("columns", columns=", ".join(missing))
    rows, errors = [], []
    for number, values in enumerate(table[1:], start=2):
        if not any(str(v or "").strip() for v in values):
            continue
        raw = {
            name: values[i] if i < len(values) else None for i, name in enumerate(header) if name
        }
        try:
            rows.append(_typed(raw, number))
        except OpeningError as err:
            errors.append(err)
    return rows, errors


def _typed(raw: dict, line: int) -> dict:
    try:
        name = normalize_number(str(raw.get("pedimento") or ""))
    except PedimentoError as err:
        raise OpeningError("pedimento", line, value=str(raw.get("pedimento"))[:40]) from err
    sequence = _number(raw.get("sequence"), "partida", line)
    if sequence is None or sequence != int(sequence) or sequence <= 0:
        raise OpeningError("number", line, column="partida", value=str(raw.get("sequence")))
    row = {"line": line, "pedimento": name, "sequence": int(sequence)}
    for column in (
        "quantity",
        "quantity_tariff",
        "discharged",
        "balance",
        "value_mxn",
        "value_usd",
    ):
        row[column] = _number(raw.get(column), column, line)
    for column in ("quantity", "discharged", "balance"):
        if row[column] is None:
            raise OpeningError("required", line, column=column)
        if row[column] < 0:
            raise OpeningError("negative", line, column=column)
    for column in ("entry_date", "payment_date"):
        row[column] = _date(raw.get(column), column, line)
    if not row["entry_date"]:
        raise OpeningError("required", line, column="entry_date")
    for column in ("fraction", "part_number", "uom", "uom_tariff", "key"):
        value = raw.get(column)
        if isinstance(value, float) and value == int(value):
            value = int(value)  # a spreadsheet made a number of a code
        row[column] = str(value).strip() if value not in (None, "") else ""
    fraction = "".join(ch for ch in row["fraction"] if ch.isdigit())
    row["fraction"] = (
        fraction.zfill(10) if len(fraction) > 8 else fraction.zfill(8) if fraction else ""
    )
    return validate(row)


def validate(row: dict, digits: int = 6) -> dict:
    """Declared = discharged + balance (at ``digits``), nothing discharged beyond it."""
    if row["discharged"] > row["quantity"] + 10**-digits:
        raise OpeningError("over_discharged", row["line"])
    if round(row["quantity"] - row["discharged"] - row["balance"], digits) != 0:
        raise OpeningError(
            "balance",
            row["line"],
            expected=round(row["quantity"] - row["discharged"], digits),
            found=row["balance"],
        )
    return row


def totals_by_fraction(rows: list[dict]) -> list[tuple[str, int, float, float, float]]:
    """``(fraction, lines, declared, discharged, balance)`` sorted by fraction: what the
    user checks against the previous system's balance report (units may mix in a fraction
    whose goods are declared in several units; the file's own units are summed)."""
    totals: dict[str, list] = {}
    for row in rows:
        entry = totals.setdefault(row["fraction"], [0, 0.0, 0.0, 0.0])
        entry[0] += 1
        entry[1] += row["quantity"]
        entry[2] += row["discharged"]
        entry[3] += row["balance"]
    return [
        (f, n, round(q, 6), round(d, 6), round(b, 6)) for f, (n, q, d, b) in sorted(totals.items())
    ]
