# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""File writers of the Annex 24 reports: XLSX (xlsxwriter), XML (lxml) and its XSD.

No Odoo import. A report is a header block ``[(label, value)]`` and its sheets
``[(name, columns, rows)]``, ``columns`` as in :mod:`report_layouts`, ``rows`` an iterable
of dicts (consumed once: large reports stream).
"""

import datetime
import io
import os

import xlsxwriter
from lxml import etree

from . import report_layouts as layouts

EXCEL_MAX_ROWS = 1048576
NAMESPACE = "urn:mx:immex:anexo24:reportes:1"
XSD_PATH = os.path.join(os.path.dirname(__file__), "l10n_mx_immex_anexo24_reportes.xsd")
XSD_TYPES = {
    layouts.TEXT: "xs:string",
    layouts.DATE: "xs:date",
    layouts.DATETIME: "xs:dateTime",
    layouts.QTY: "xs:decimal",
    layouts.MONEY: "xs:decimal",
    layouts.PERCENT: "xs:decimal",
    layouts.INT: "xs:integer",
    layouts.BOOL: "xs:boolean",
}


def write_xlsx(header, sheets, max_rows=EXCEL_MAX_ROWS):
    """The workbook as bytes: a header sheet, then one sheet per report sheet (split into
    more sheets past ``max_rows``, header row included), each with a frozen header row, an
    autofilter, number formats and a totals row. Streams (``constant_memory``): rows are
    written in order and never held."""
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(
        buffer, {"constant_memory": True, "in_memory": False, "strings_to_numbers": False}
    )
    bold = book.add_format({"bold": True})
    head = book.add_format({"bold": True, "bg_color": "#D9E1F2", "border": 1, "text_wrap": True})
    formats = {
        layouts.DATE: book.add_format({"num_format": "yyyy-mm-dd"}),
        layouts.DATETIME: book.add_format({"num_format": "yyyy-mm-dd hh:mm"}),
        layouts.QTY: book.add_format({"num_format": "#,##0.000###"}),
        layouts.MONEY: book.add_format({"num_format": "#,##0.00"}),
        layouts.PERCENT: book.add_format({"num_format": "0.00"}),
        layouts.INT: book.add_format({"num_format": "0"}),
    }
    total_formats = {
        kind: book.add_format({"bold": True, "top": 1, "num_format": fmt.num_format})
        for kind, fmt in formats.items()
    }
    info = book.add_worksheet("Encabezado")
    info.set_column(0, 0, 28)
    info.set_column(1, 1, 70)
    for row, (label, value) in enumerate(header):
        info.write_string(row, 0, label, bold)
        info.write_string(row, 1, "" if value is None else str(value))
    for name, columns, rows in sheets:
        _write_sheet(book, name, columns, rows, max_rows, head, formats, total_formats)
    book.close()
    return buffer.getvalue()


def _write_sheet(book, name, columns, rows, max_rows, head, formats, total_formats):
    part = 0
    sheet = None
    row_index = 0
    totals = {}
    summed = [i for i, col in enumerate(columns) if col[4]]

    def new_sheet():
        nonlocal part, sheet, row_index
        part += 1
        title = name[:31] if part == 1 else f"{name[:26]} ({part})"
        sheet = book.add_worksheet(title)
        for i, (__, header_es, __, kind, __) in enumerate(columns):
            sheet.set_column(i, i, 14 if kind != layouts.TEXT else 22)
            sheet.write_string(0, i, header_es, head)
        sheet.freeze_panes(1, 0)
        row_index = 1

    def close_sheet(final):
        sheet.autofilter(0, 0, max(row_index - 1, 1), len(columns) - 1)
        # one totals row, on the last sheet, below the filtered range (never hidden by it)
        if summed and final:
            sheet.write_string(row_index, 0, "Total", total_formats[layouts.MONEY])
            for i in summed:
                sheet.write_number(row_index, i, totals.get(i, 0.0), total_formats[columns[i][3]])

    new_sheet()
    # A hundred thousand rows are millions of cells: each column's writer is chosen once,
    # not per cell (xlsxwriter's typed writers, dates as Excel serial numbers).
    plan = [
        (i, key, _cell_writer(kind, formats), total)
        for i, (key, __, __, kind, total) in enumerate(columns)
    ]
    # the last sheet keeps one row for its totals
    limit = max_rows - 1
    for values in rows:
        if row_index >= limit:
            close_sheet(False)
            new_sheet()
        for i, key, write, total in plan:
            value = values.get(key)
            if value is None:
                continue
            write(sheet, row_index, i, value)
            if total and value:
                totals[i] = totals.get(i, 0.0) + value
        row_index += 1
    close_sheet(True)


_EXCEL_EPOCH = datetime.datetime(1899, 12, 30)
# dates repeat across a report's rows: each is converted once (bounded memo)
_SERIALS = {}


def _excel_serial(value):
    serial = _SERIALS.get(value)
    if serial is None:
        delta = _as_datetime(value) - _EXCEL_EPOCH
        serial = delta.days + delta.seconds / 86400.0
        if len(_SERIALS) < 100000:
            _SERIALS[value] = serial
    return serial


def _cell_writer(kind, formats):
    """``write(sheet, row, col, value)`` for a column of ``kind`` (value never None)."""
    if kind == layouts.BOOL:
        return lambda sheet, row, col, value: sheet._write_string(row, col, "Sí" if value else "No")
    if kind in (layouts.DATE, layouts.DATETIME):
        fmt = formats[kind]
        return lambda sheet, row, col, value: (
            value is not False and sheet._write_number(row, col, _excel_serial(value), fmt)
        )
    if kind in formats:
        fmt = formats[kind]
        return lambda sheet, row, col, value: (
            value is not False and sheet._write_number(row, col, value, fmt)
        )
    return lambda sheet, row, col, value: (
        value is not False and sheet._write_string(row, col, str(value))
    )


def _as_datetime(value):
    if isinstance(value, datetime.datetime):
        return value
    return datetime.datetime.combine(value, datetime.time())


def write_xml(report_type, header, sheets):
    """The report as an XML document (bytes), valid against :data:`XSD_PATH`.

    Element names are the layout's column keys (stable); dates ISO, decimals with a dot.
    ``header`` holds ``(key, value)`` pairs of :data:`report_layouts.HEADER_FIELDS`.
    """
    ns = f"{{{NAMESPACE}}}"
    root = etree.Element(ns + "Reporte", nsmap={None: NAMESPACE}, tipo=report_type)
    block = etree.SubElement(root, ns + "Encabezado")
    for key, value in header:
        etree.SubElement(block, ns + "Dato", clave=key).text = "" if value is None else str(value)
    for key, columns, rows in sheets:
        sheet = etree.SubElement(root, ns + "Hoja", clave=key)
        for values in rows:
            row = etree.SubElement(sheet, ns + "Fila")
            for col_key, __, __, kind, __ in columns:
                value = values.get(col_key)
                if value is None or (value is False and kind != layouts.BOOL):
                    continue
                etree.SubElement(row, ns + col_key).text = _xml_text(value, kind)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _xml_text(value, kind):
    if kind == layouts.BOOL:
        return "true" if value else "false"
    if kind == layouts.DATETIME:
        return _as_datetime(value).replace(microsecond=0).isoformat()
    if kind == layouts.DATE:
        return value.isoformat()
    if kind == layouts.INT:
        return str(int(value))
    if kind in (layouts.QTY, layouts.MONEY, layouts.PERCENT):
        return f"{float(value):.6f}".rstrip("0").rstrip(".") or "0"
    return str(value)


def build_xsd():
    """The schema of :func:`write_xml`, generated from the layouts (the shipped file is
    this text; a pure test keeps them equal)."""
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        "<!-- Anexo 24 (IMMEX) reports of l10n_mx_immex_annex24. Generated from",
        "     report/report_layouts.py by report_files.build_xsd(): do not edit by hand. -->",
        '<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema"',
        f'           xmlns="{NAMESPACE}" targetNamespace="{NAMESPACE}"',
        '           elementFormDefault="qualified">',
        '  <xs:element name="Reporte">',
        "    <xs:complexType>",
        "      <xs:sequence>",
        '        <xs:element name="Encabezado">',
        "          <xs:complexType>",
        "            <xs:sequence>",
        '              <xs:element name="Dato" maxOccurs="unbounded">',
        "                <xs:complexType>",
        "                  <xs:simpleContent>",
        '                    <xs:extension base="xs:string">',
        '                      <xs:attribute name="clave" type="xs:string" use="required"/>',
        "                    </xs:extension>",
        "                  </xs:simpleContent>",
        "                </xs:complexType>",
        "              </xs:element>",
        "            </xs:sequence>",
        "          </xs:complexType>",
        "        </xs:element>",
        '        <xs:element name="Hoja" minOccurs="0" maxOccurs="unbounded">',
        "          <xs:complexType>",
        "            <xs:sequence>",
        '              <xs:element name="Fila" type="Fila" minOccurs="0" maxOccurs="unbounded"/>',
        "            </xs:sequence>",
        '            <xs:attribute name="clave" type="xs:string" use="required"/>',
        "          </xs:complexType>",
        "        </xs:element>",
        "      </xs:sequence>",
        '      <xs:attribute name="tipo" type="TipoReporte" use="required"/>',
        "    </xs:complexType>",
        "  </xs:element>",
        '  <xs:simpleType name="TipoReporte">',
        '    <xs:restriction base="xs:string">',
    ]
    lines += [f'      <xs:enumeration value="{rtype}"/>' for rtype in layouts.REPORT_TYPES]
    lines += [
        "    </xs:restriction>",
        "  </xs:simpleType>",
        '  <xs:complexType name="Fila">',
        '    <xs:choice minOccurs="0" maxOccurs="unbounded">',
    ]
    lines += [
        f'      <xs:element name="{key}" type="{XSD_TYPES[kind]}"/>'
        for key, kind in sorted(layouts.all_column_keys().items())
    ]
    lines += ["    </xs:choice>", "  </xs:complexType>", "</xs:schema>", ""]
    return "\n".join(lines)


def validate_xml(content):
    """Raise ``lxml.etree.DocumentInvalid`` unless ``content`` matches the shipped XSD."""
    with open(XSD_PATH, "rb") as xsd_file:
        schema = etree.XMLSchema(etree.parse(xsd_file))
    schema.assertValid(etree.fromstring(content))
    return True
