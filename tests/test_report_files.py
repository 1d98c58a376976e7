"""Pure tests of the report layouts and file writers (report/report_layouts.py and
report/report_files.py): no Odoo import, no database."""

import datetime
import importlib
import io
import sys
import types
from pathlib import Path

import pytest

REPORT_DIR = Path(__file__).resolve().parents[1] / "l10n_mx_immex_annex24" / "report"


def _load():
    # the report package's __init__ imports Odoo models: load the two pure modules alone
    package = types.ModuleType("annex24_report")
    package.__path__ = [str(REPORT_DIR)]
    sys.modules.setdefault("annex24_report", package)
    layouts = importlib.import_module("annex24_report.report_layouts")
    files = importlib.import_module("annex24_report.report_files")
    return layouts, files


layouts, files = _load()


def test_shipped_xsd_is_generated_from_the_layouts():
    assert Path(files.XSD_PATH).read_text(encoding="utf-8") == files.build_xsd()


def test_columns_are_unique_and_typed():
    kinds = layouts.all_column_keys()
    assert set(kinds.values()) <= set(files.XSD_TYPES)
    for __, __, report_sheets in layouts.REPORTS.values():
        for __, name_es, name_en, columns in report_sheets:
            keys = [col[0] for col in columns]
            assert len(keys) == len(set(keys)), name_en
            assert all(col[1] and col[2] for col in columns)
            assert len(name_es) <= 31  # Excel's limit for a sheet name


def test_balances_group_by_picks_one_sheet():
    assert [s[0] for s in layouts.sheets("balances")] == ["fraction", "line", "product"]
    assert [s[0] for s in layouts.sheets("balances", "line")] == ["line"]
    assert [s[0] for s in layouts.sheets("entries", "line")] == ["entries"]


def test_xml_valid_and_invalid():
    etree = pytest.importorskip("lxml.etree")
    row = {
        "pedimento": "26  24  3420  6000001",
        "entry_date": datetime.date(2026, 2, 10),
        "registered_at": datetime.datetime(2026, 2, 11, 9, 30),
        "qty_umc": 1.5,
        "value_usd": 2.25,
        "within_48h": True,
        "sequence": 3,
        "balance_umc": None,
    }
    content = files.write_xml(
        "entries",
        [("company", "ACME"), ("rfc", "AAA010101AAA")],
        [("entries", layouts.ENTRIES, [row])],
    )
    assert files.validate_xml(content)
    text = content.decode()
    assert "<entry_date>2026-02-10</entry_date>" in text
    assert "<registered_at>2026-02-11T09:30:00</registered_at>" in text
    assert "<qty_umc>1.5</qty_umc>" in text
    assert "balance_umc" not in text
    bad = content.replace(b"<sequence>3</sequence>", b"<sequence>tres</sequence>")
    with pytest.raises(etree.DocumentInvalid):
        files.validate_xml(bad)


def test_xlsx_header_totals_and_split():
    openpyxl = pytest.importorskip("openpyxl")
    rows = ({"part_number": f"P{i}", "balance_usd": 2.5, "open_lines": 1} for i in range(5))
    content = files.write_xlsx(
        [("Empresa", "ACME"), ("RFC", "AAA010101AAA")],
        [("Saldos por producto", layouts.BALANCES_PRODUCT, rows)],
        max_rows=4,
    )
    book = openpyxl.load_workbook(io.BytesIO(content))
    assert book.sheetnames == [
        "Encabezado",
        "Saldos por producto",
        "Saldos por producto (2)",
        "Saldos por producto (3)",
    ]
    assert [c.value for c in book["Encabezado"]["A"]] == ["Empresa", "RFC"]
    first = list(book["Saldos por producto"].iter_rows(values_only=True))
    assert first[0] == tuple(col[1] for col in layouts.BALANCES_PRODUCT)
    assert [r[0] for r in first[1:]] == ["P0", "P1"]  # no totals row but on the last sheet
    last = list(book["Saldos por producto (3)"].iter_rows(values_only=True))
    assert last[-1][0] == "Total"
    assert last[-1][10] == pytest.approx(12.5)
    assert last[-1][12] == 5
    assert book["Saldos por producto (2)"].freeze_panes == "A2"
