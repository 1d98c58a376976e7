"""Reading the SAT Data Stage layouts (the SAT's copy of the company's pedimentos).

A Data Stage delivery is a ZIP of pipe-delimited ``.asc`` files, one per record type (501
general data, 551 lines, ...), each starting with a header row. Rows usually end with a
trailing ``|``. Auditors reconcile Annex 24 against these files, so the addon imports them
and compares pedimento by pedimento, line by line.

Data Stage identifies a pedimento by patent (4 digits) + document number (7 digits: last
digit of the year + 6-digit sequence) + customs office/section (3 digits, e.g. ``240``);
the year only appears in the dates (``FechaPagoReal``). :func:`pedimento_key` rebuilds the
15-digit number the rest of the addon uses.

Design choices:

- Columns are read by header name, not position, so a layout that gains a column keeps
  working; :data:`PEDIMENTO_501_FIELDS` and :data:`PARTIDA_551_FIELDS` document the
  expected headers and let the caller check that a file is complete.
- Values are stripped of surrounding whitespace (fixed-width habits leave padding); a row
  shorter than the header is padded with ``""``; a row longer than the header raises,
  because the columns would be misaligned and every value after the extra pipe wrong.
- Numeric codes lose leading zeros when a file went through a spreadsheet, so patent,
  document and office are zero-filled back to 4, 7 and 3 digits.
- Bytes are decoded as UTF-8 (a BOM is dropped) and fall back to Latin-1, the historical
  encoding of SAT text files.
- In 551, ``SubdivisionFraccion`` carries the NICO since the NICO replaced subdivisions
  (December 2020).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date

from .pedimento import PedimentoError, normalize_number, normalize_patent

__all__ = [
    "PARTIDA_551_FIELDS",
    "PEDIMENTO_501_FIELDS",
    "datastage_key",
    "pedimento_key",
    "read_asc",
    "year_of",
]

PEDIMENTO_501_FIELDS: tuple[str, ...] = (
    "Patente",
    "Pedimento",
    "SeccionAduanera",
    "TipoOperacion",
    "ClaveDocumento",
    "SeccionAduaneraEntrada",
    "CurpContribuyente",
    "Rfc",
    "CurpAgenteA",
    "TipoCambio",
    "TotalFletes",
    "TotalSeguros",
    "TotalEmbalajes",
    "TotalIncrementables",
    "TotalDeducibles",
    "PesoBrutoMercancia",
    "MedioTransporteSalida",
    "MedioTransporteArribo",
    "MedioTransporteEntrada_Salida",
    "DestinoMercancia",
    "NombreContribuyente",
    "CalleContribuyente",
    "NumInteriorContribuyente",
    "NumExteriorContribuyente",
    "CPContribuyente",
    "MunicipioContribuyente",
    "EntidadFedContribuyente",
    "PaisContribuyente",
    "TipoPedimento",
    "FechaRecepcionPedimento",
    "FechaPagoReal",
)

PARTIDA_551_FIELDS: tuple[str, ...] = (
    "Patente",
    "Pedimento",
    "SeccionAduanera",
    "Fraccion",
    "SecuenciaFraccion",
    "SubdivisionFraccion",
    "DescripcionMercancia",
    "PrecioUnitario",
    "ValorAduana",
    "ValorComercial",
    "ValorDolares",
    "CantidadUMComercial",
    "UnidadMedidaComercial",
    "CantidadUMTarifa",
    "UnidadMedidaTarifa",
    "ValorAgregado",
    "ClaveVinculacion",
    "MetodoValorizacion",
    "CodigoMercanciaProducto",
    "MarcaMercanciaProducto",
    "ModeloMercanciaProducto",
    "PaisOrigenDestino",
    "PaisCompradorVendedor",
    "EntidadFederativaOrigen",
    "EntidadFederativaDestino",
    "EntidadFederativaComprador",
    "EntidadFederativaVendedor",
    "TipoOperacion",
    "ClaveDocumento",
    "FechaPagoReal",
)

_ISO_DATE = re.compile(r"\s*([0-9]{4})-[0-9]{1,2}-[0-9]{1,2}")
_DMY_DATE = re.compile(r"\s*[0-9]{1,2}/[0-9]{1,2}/([0-9]{4})")
_YEAR = re.compile(r"\s*([0-9]{2}|[0-9]{4})\s*")


def _decode(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def _split(line: str) -> list[str]:
    line = line.rstrip("\r\n")
    if line.endswith("|"):
        line = line[:-1]
    return [value.strip() for value in line.split("|")]


def read_asc(text_or_lines: str | bytes | Iterable[str]) -> list[dict[str, str]]:
    """Read a pipe-delimited Data Stage file into a list of ``{header: value}`` dicts.

    Accepts the whole text (``str`` or ``bytes``) or an iterable of lines (an open text
    file). The first non-blank line is the header; blank lines are skipped; ``\\r\\n`` line
    ends and one trailing ``|`` per line are removed. Raise ``ValueError`` for a row with
    more values than the header.
    """
    if isinstance(text_or_lines, bytes):
        text_or_lines = _decode(text_or_lines)
    if isinstance(text_or_lines, str):
        text_or_lines = text_or_lines.lstrip("\ufeff").splitlines()
    header: list[str] | None = None
    rows: list[dict[str, str]] = []
    for number, line in enumerate(text_or_lines, start=1):
        if not line.strip():
            continue
        if header is None:
            header = _split(line.lstrip("\ufeff"))
            width = len(header)
            continue
        values = _split(line)
        if len(values) > width:
            raise ValueError(
                f"line {number}: {len(values)} values for {width} columns: {line.rstrip()!r}"
            )
        if len(values) < width:
            values.extend([""] * (width - len(values)))
        rows.append(dict(zip(header, values, strict=True)))
    return rows


def year_of(value: int | str | date | None) -> int | None:
    """The year of a Data Stage date or year value, or None when empty.

    Accepts a ``date``/``datetime``, an int (``2026`` or ``26``), or text such as
    ``"2026-01-15 00:00:00"``, ``"15/01/2026"``, ``"2026"`` or ``"26"``. Two-digit years are
    returned as given (only their last two digits matter for a pedimento number).
    """
    if value is None or value is False:  # False: an empty Odoo field
        return None
    if isinstance(value, date):
        return value.year
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 0:
            raise ValueError(f"not a year: {value!r}")
        return value
    if isinstance(value, str):
        if not value.strip():
            return None
        for pattern in (_ISO_DATE, _DMY_DATE):
            match = pattern.match(value)
            if match:
                return int(match.group(1))
        match = _YEAR.fullmatch(value)
        if match:
            return int(match.group(1))
    raise ValueError(f"not a year or date: {value!r}")


def datastage_key(
    patente: str | int, pedimento7: str | int, seccion3: str | int
) -> tuple[str, str, str]:
    """Data Stage's own pedimento key, zero-filled: ``("3420", "6001234", "240")``.

    Raise ``PedimentoError("patent_format")`` or ``PedimentoError("format")`` when a part is
    not 1-4, 1-7 or 1-3 digits.
    """
    patent = normalize_patent(patente)
    document = str(pedimento7).strip()
    if not (document.isascii() and document.isdigit() and len(document) <= 7):
        raise PedimentoError("format", value=pedimento7)
    section = str(seccion3).strip()
    if not (section.isascii() and section.isdigit() and len(section) <= 3):
        raise PedimentoError("format", value=seccion3)
    return patent, document.zfill(7), section.zfill(3)


def pedimento_key(
    patente: str | int,
    pedimento7: str | int,
    seccion3: str | int,
    year: int | str | date | None = None,
) -> str | None:
    """The 15-digit pedimento number ``"YY  AA  PPPP  NNNNNNN"``, or None without a year.

    ``year`` is usually the 501/551 ``FechaPagoReal`` value (any form :func:`year_of`
    accepts). The office is the first two digits of the 3-digit office/section.
    """
    patent, document, section = datastage_key(patente, pedimento7, seccion3)
    full_year = year_of(year)
    if full_year is None:
        return None
    return normalize_number(f"{full_year % 100:02d}{section[:2]}{patent}{document}")
