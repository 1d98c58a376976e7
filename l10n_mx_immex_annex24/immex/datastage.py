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
    "ALIASES",
    "LAYOUTS",
    "PARTIDA_551_FIELDS",
    "PEDIMENTO_501_FIELDS",
    "STAGED_CODES",
    "DataStageError",
    "ParsedFile",
    "RowError",
    "datastage_key",
    "decode",
    "normalize_row",
    "parse_file",
    "pedimento_key",
    "read_asc",
    "read_members",
    "country_code",
    "reconcile",
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


# ---------------------------------------------------------------------------------------
# The delivery: members, layouts, staging rows
# ---------------------------------------------------------------------------------------
#
# Layouts of the record types the addon stages (parsed by header name; the order is the one
# seen in real files). Every other member (502-504, 507-511, 520, 552-558, 702, Inci, Sel) is
# kept raw. Sources: several independent public loaders and real rows (see DATASTAGE.md);
# ANAM's own field description was not readable, so unknown columns are accepted and
# reported, never fatal.
LAYOUTS: dict[str, tuple[str, ...]] = {
    "501": PEDIMENTO_501_FIELDS,
    "551": PARTIDA_551_FIELDS,
    "505": (
        "Patente",
        "Pedimento",
        "SeccionAduanera",
        "FechaFacturacion",
        "NumeroFactura",
        "TerminoFacturacion",
        "MonedaFacturacion",
        "ValorDolares",
        "ValorMonedaExtranjera",
        "PaisFacturacion",
        "EntidadFedFacturacion",
        "IdentFiscalProveedor",
        "ProveedorMercancia",
        "FechaPagoReal",
    ),
    "506": (
        "Patente",
        "Pedimento",
        "SeccionAduanera",
        "TipoFecha",
        "FechaOperacion",
        "FechaValidacionPagoR",
    ),
    "512": (
        "Patente",
        "Pedimento",
        "SeccionAduanera",
        "PatenteAduanalOrig",
        "PedimentoOriginal",
        "SeccionAduaneraDespOrig",
        "DocumentoOriginal",
        "FechaOperacionOrig",
        "FraccionOriginal",
        "UnidadMedida",
        "MercanciaDescargada",
        "TipoPedimento",
        "FechaPagoReal",
    ),
    "701": (
        "Patente",
        "Pedimento",
        "SeccionAduanera",
        "ClaveDocumento",
        "FechaPago",
        "PedimentoAnterior",
        "PatenteAnterior",
        "SeccionAduaneraAnterior",
        "DocumentoAnterior",
        "FechaOperacionAnterior",
        "PedimentoOriginal",
        "PatenteAduanalOrig",
        "SeccionAduaneraDespOrig",
        "FechaPagoReal",
    ),
    "Resumen": (
        "Folio",
        "RFCoPatenteAduanal",
        "Fecha_Inicial",
        "Fecha_Final",
        "Fecha_Ejecucion",
        "Total_Fracciones",
        "Total_Contribuciones",
    ),
}
STAGED_CODES = ("501", "551", "505", "506", "512", "701")
# Every member code a delivery may hold (26 files).
KNOWN_CODES = frozenset(
    [str(c) for c in range(501, 513)]
    + ["520"]
    + [str(c) for c in range(551, 559)]
    + ["701", "702", "Inci", "Sel", "Resumen"]
)
# Header spellings seen in real files or other loaders -> the name used here. Matching is
# case-insensitive and ignores "_" so "Fecha_Pago_Real" and "fechapagoreal" both match.
ALIASES: dict[str, str] = {
    "CurpAgente": "CurpAgenteA",
    "IndentFiscalProveedor": "IdentFiscalProveedor",
    "IdFiscalProveedor": "IdentFiscalProveedor",
    "CantidadMUMTarifa": "CantidadUMTarifa",
    "CantidadUMT": "CantidadUMTarifa",
    "CantidadUMC": "CantidadUMComercial",
    "CantidadMUMComercial": "CantidadUMComercial",
    "MunicpioDestinatario": "MunicipioDestinatario",
    "MunicpioContribuyente": "MunicipioContribuyente",
    "EntidadFedOrigen": "EntidadFederativaOrigen",
    "EntidadFedDestino": "EntidadFederativaDestino",
    "EntidadFedComprador": "EntidadFederativaComprador",
    "EntidadFedVendedor": "EntidadFederativaVendedor",
    "NumeroPedimento": "Pedimento",
    "ClavePedimento": "ClaveDocumento",
    "SeccionAduaneraDespacho": "SeccionAduanera",
    "Nico": "SubdivisionFraccion",
    "RFC": "Rfc",
    "RfcContribuyente": "Rfc",
    "FechaInicial": "Fecha_Inicial",
    "FechaFinal": "Fecha_Final",
    "FechaEjecucion": "Fecha_Ejecucion",
    "RfcPatenteAduanal": "RFCoPatenteAduanal",
}
MAX_FIELD = 1000  # characters: no real Data Stage value comes near it
MAX_MEMBER = 256 * 1024 * 1024  # bytes of one unpacked member (a ZIP bomb stops here)
MAX_DEPTH = 3  # nested ZIPs followed
_MEMBER = re.compile(r"(?:^|[\\/])([0-9]{7})_([0-9]{3}|Inci|Sel|Resumen)\.asc$", re.IGNORECASE)


class DataStageError(ValueError):
    """A delivery that cannot be read at all (not a ZIP, no member, two folios...)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


class RowError(ValueError):
    """A row that cannot be staged: ``code`` says why (see :data:`ROW_ERRORS`)."""

    def __init__(self, code: str, **params: object) -> None:
        super().__init__(code, params)
        self.code = code
        self.params = params


# Reasons a row is refused; the addon translates them.
ROW_ERRORS = (
    "columns_extra",  # more values than the header
    "columns_missing",  # fewer values than the header
    "field_too_long",
    "key_missing",  # no patent/pedimento/section
    "key_format",  # a key part that is not digits
    "number",  # a number that is not one
    "date",  # a date that is not one
    "year_digit",  # pedimento's first digit is not the last digit of the payment year
    "code_unknown",  # a selection code (operation, date type) not known
)


def _canon(name: str) -> str:
    return name.replace("_", "").lower()


_CANON = {_canon(n): n for layout in LAYOUTS.values() for n in layout}
_CANON.update({_canon(alias): target for alias, target in ALIASES.items()})


def canonical_header(name: str) -> str:
    """The name this library uses for header ``name`` (itself when unknown)."""
    return _CANON.get(_canon(name), name)


def decode(data: bytes) -> str:
    """Text of a member: UTF-8 (BOM dropped) first, then cp1252, then Latin-1 (never fails).

    NUL bytes (seen in real files) are dropped: they carry nothing and break PostgreSQL text.
    """
    data = data.replace(b"\x00", b"")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("latin-1")


def read_members(data: bytes, _depth: int = 0) -> list[tuple[str, str, str, bytes]]:
    """``(member name, folio, code, bytes)`` of every ``.asc`` member of a delivery ZIP.

    Nested ZIPs are followed (up to :data:`MAX_DEPTH`); junk (``__MACOSX/``, spreadsheets,
    mails, unknown names) is skipped. Raise :class:`DataStageError` ``not_zip`` when ``data``
    is not a ZIP, ``member_too_large`` past :data:`MAX_MEMBER`.
    """
    import io
    import zipfile

    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, ValueError) as err:
        raise DataStageError("not_zip") from err
    members = []
    with archive:
        for info in archive.infolist():
            name = info.filename
            if info.is_dir() or "__MACOSX" in name or name.rsplit("/", 1)[-1].startswith("._"):
                continue
            if info.file_size > MAX_MEMBER:
                raise DataStageError("member_too_large", member=name)
            lower = name.lower()
            if lower.endswith(".zip"):
                if _depth < MAX_DEPTH:
                    try:
                        members.extend(read_members(archive.read(info), _depth + 1))
                    except DataStageError as err:
                        if err.code != "not_zip":
                            raise
                continue
            match = _MEMBER.search(name)
            if not match:
                continue
            code = match.group(2)
            code = {"inci": "Inci", "sel": "Sel", "resumen": "Resumen"}.get(code.lower(), code)
            try:
                content = archive.read(info)
            except (zipfile.BadZipFile, OSError, EOFError, ValueError) as err:
                raise DataStageError("member_unreadable", member=name) from err
            members.append((name, match.group(1), code, content))
    return members


class ParsedFile:
    """One member parsed for staging: canonical header, unknown columns and, per line,
    either the values or the reason it was refused."""

    __slots__ = ("code", "errors", "header", "rows", "unknown_columns")

    def __init__(self, code: str) -> None:
        self.code = code
        self.header: list[str] = []
        self.unknown_columns: list[str] = []
        # (line number, raw line, {header: value})
        self.rows: list[tuple[int, str, dict[str, str]]] = []
        # (line number, raw line, RowError)
        self.errors: list[tuple[int, str, RowError]] = []


def parse_file(data: bytes | str, code: str) -> ParsedFile:
    """Parse one ``.asc`` member. A malformed row lands in ``errors`` (never raises)."""
    text = decode(data) if isinstance(data, bytes) else data.replace("\x00", "")
    parsed = ParsedFile(code)
    layout = set(LAYOUTS.get(code, ()))
    width = 0
    # splitlines() also splits on \x0b, \x1c, \u2028...: only CR/LF end a Data Stage row
    for number, line in enumerate(re.split(r"\r\n|\n|\r", text.lstrip("\ufeff")), start=1):
        if not line.strip():
            continue
        if not parsed.header:
            parsed.header = [canonical_header(v) for v in _split(line)]
            width = len(parsed.header)
            if layout:
                parsed.unknown_columns = [h for h in parsed.header if h not in layout]
            continue
        values = _split(line)
        if len(values) > width:
            parsed.errors.append(
                (number, line, RowError("columns_extra", found=len(values), expected=width))
            )
            continue
        if len(values) < width:
            parsed.errors.append(
                (number, line, RowError("columns_missing", found=len(values), expected=width))
            )
            continue
        long = None
        if len(line) > MAX_FIELD:  # only then can a value be too long
            long = next((i for i, v in enumerate(values) if len(v) > MAX_FIELD), None)
        if long is not None:
            parsed.errors.append(
                (number, line[:MAX_FIELD], RowError("field_too_long", column=parsed.header[long]))
            )
            continue
        parsed.rows.append((number, line, dict(zip(parsed.header, values, strict=True))))
    return parsed


# ---------------------------------------------------------------------------------------
# Typed values of a staged row
# ---------------------------------------------------------------------------------------
_DATETIME = re.compile(
    r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(?:[ T]([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?"
    r"(?:\.[0-9]+)?$"
)
_DMY = re.compile(
    r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})(?: ([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?)?$"
)


def parse_datetime(value: str, column: str = ""):
    """A Data Stage date (local Mexico time, no zone: kept as is), or None when blank."""
    value = (value or "").strip()
    if not value:
        return None
    cached = _DATES.get(value)
    if cached is None:
        cached = _parse_datetime(value, column)
        if len(_DATES) > 100000:
            _DATES.clear()
        _DATES[value] = cached
    return cached


def _parse_datetime(value: str, column: str):
    from datetime import datetime

    match = _DATETIME.match(value)
    if match:
        y, m, d, hh, mm, ss = match.groups()
    else:
        match = _DMY.match(value)
        if not match:
            raise RowError("date", column=column, value=value[:40])
        d, m, y, hh, mm, ss = match.groups()
    try:
        return datetime(int(y), int(m), int(d), int(hh or 0), int(mm or 0), int(ss or 0))
    except ValueError as err:
        raise RowError("date", column=column, value=value[:40]) from err


def parse_decimal(value: str, column: str = "") -> float | None:
    """A dot-decimal number, or None when blank; NaN and infinities are refused."""
    import math

    value = (value or "").strip()
    if not value:
        return None
    try:
        number = float(value)
    except ValueError as err:
        raise RowError("number", column=column, value=value[:40]) from err
    if not math.isfinite(number) or abs(number) > 1e15 or "_" in value:
        raise RowError("number", column=column, value=value[:40])
    return number


def _int(value: str, column: str) -> int | None:
    number = parse_decimal(value, column)
    if number is None:
        return None
    if number != int(number):
        raise RowError("number", column=column, value=value[:40])
    return int(number)


def _key(
    values: dict[str, str],
    prefix: tuple[str, str, str] = ("Patente", "Pedimento", "SeccionAduanera"),
):
    raw = tuple(values.get(c, "").strip() for c in prefix)
    if not all(raw):
        raise RowError("key_missing", columns="/".join(prefix))
    key = _KEYS.get(raw)
    if key is None:
        try:
            key = datastage_key(*raw)
        except PedimentoError as err:
            raise RowError("key_format", value="/".join(raw)[:40]) from err
        # ten lines share a pedimento: each key is checked once per delivery
        if len(_KEYS) > 100000:
            _KEYS.clear()
        _KEYS[raw] = key
    return key


_KEYS: dict[tuple[str, ...], tuple[str, str, str]] = {}
_NUMBERS: dict[tuple, str] = {}
_DATES: dict[str, object] = {}


def _number(key: tuple[str, str, str], when) -> str | None:
    """The 15-digit number of a Data Stage key, its year from ``when`` (a datetime)."""
    if when is None:
        return None
    if int(key[1][0]) != when.year % 10:
        raise RowError("year_digit", document=key[1], year=when.year)
    cached = _NUMBERS.get((key, when.year))
    if cached is None:
        if len(_NUMBERS) > 100000:
            _NUMBERS.clear()
        cached = _NUMBERS[(key, when.year)] = pedimento_key(*key, year=when.year)
    return cached


def _fraction(value: str) -> str:
    digits = (value or "").strip()
    if digits and not (digits.isascii() and digits.isdigit() and len(digits) <= 10):
        raise RowError("number", column="Fraccion", value=digits[:40])
    return digits.zfill(8) if digits else ""


def normalize_row(code: str, values: dict[str, str], stripped: bool = False) -> dict[str, object]:
    """Typed values of a staged row of type ``code`` (501, 551, 505, 506, 512, 701).

    Raise :class:`RowError` for a row that cannot be used. Keys: ``patent``, ``document``,
    ``section`` and ``name`` (the 15-digit number, None when the year is unknown) plus the
    record's own values (see the code below: one dict per record type).
    """
    # values of parse_file are stripped already (``stripped``); others are stripped here
    if not stripped:
        values = {k: v.strip() if isinstance(v, str) else v for k, v in values.items()}
    g = values.get
    key = _key(values)
    out: dict[str, object] = {"patent": key[0], "document": key[1], "section": key[2]}
    paid = parse_datetime(g("FechaPagoReal", ""), "FechaPagoReal")
    if code == "501":
        operation = g("TipoOperacion", "")
        if operation not in ("1", "2"):
            raise RowError("code_unknown", column="TipoOperacion", value=operation[:10])
        kind = (g("TipoPedimento") or "1").strip() or "1"
        out.update(
            name=_number(key, paid),
            operation="import" if operation == "1" else "export",
            key_code=g("ClaveDocumento", "").upper(),
            rfc=g("Rfc", "").upper(),
            exchange_rate=parse_decimal(g("TipoCambio", ""), "TipoCambio"),
            is_rectification=kind == "2",
            received_at=parse_datetime(g("FechaRecepcionPedimento", ""), "FechaRecepcionPedimento"),
            paid_at=paid,
            partner_name=g("NombreContribuyente", ""),
        )
    elif code == "551":
        sequence = _int(g("SecuenciaFraccion", ""), "SecuenciaFraccion")
        if sequence is None:
            raise RowError("key_missing", columns="SecuenciaFraccion")
        nico = g("SubdivisionFraccion", "")
        out.update(
            name=_number(key, paid),
            fraction=_fraction(g("Fraccion", "")),
            nico=nico.zfill(2) if nico else "",
            sequence=sequence,
            description=g("DescripcionMercancia", ""),
            unit_price=parse_decimal(g("PrecioUnitario", ""), "PrecioUnitario"),
            value_customs=parse_decimal(g("ValorAduana", ""), "ValorAduana"),
            value_commercial=parse_decimal(g("ValorComercial", ""), "ValorComercial"),
            value_usd=parse_decimal(g("ValorDolares", ""), "ValorDolares"),
            quantity=parse_decimal(g("CantidadUMComercial", ""), "CantidadUMComercial"),
            uom_code=g("UnidadMedidaComercial", ""),
            quantity_tariff=parse_decimal(g("CantidadUMTarifa", ""), "CantidadUMTarifa"),
            uom_tariff_code=g("UnidadMedidaTarifa", ""),
            product_code=g("CodigoMercanciaProducto", ""),
            origin_country=g("PaisOrigenDestino", "").upper(),
            seller_country=g("PaisCompradorVendedor", "").upper(),
            key_code=g("ClaveDocumento", "").upper(),
            paid_at=paid,
        )
    elif code == "505":
        out.update(
            name=_number(key, paid),
            invoice_date=parse_datetime(g("FechaFacturacion", ""), "FechaFacturacion"),
            invoice_number=g("NumeroFactura", ""),
            incoterm=g("TerminoFacturacion", ""),
            currency=g("MonedaFacturacion", "").upper(),
            value_usd=parse_decimal(g("ValorDolares", ""), "ValorDolares"),
            value_foreign=parse_decimal(g("ValorMonedaExtranjera", ""), "ValorMonedaExtranjera"),
            supplier_tax_id=g("IdentFiscalProveedor", ""),
            supplier_name=g("ProveedorMercancia", ""),
        )
    elif code == "506":
        date_type = g("TipoFecha", "")
        if not date_type.isdigit():
            raise RowError("code_unknown", column="TipoFecha", value=date_type[:10])
        out.update(
            date_type=date_type,
            date=parse_datetime(g("FechaOperacion", ""), "FechaOperacion"),
            validated_at=parse_datetime(g("FechaValidacionPagoR", ""), "FechaValidacionPagoR"),
        )
    elif code == "512":
        original = _key(
            values, ("PatenteAduanalOrig", "PedimentoOriginal", "SeccionAduaneraDespOrig")
        )
        operated = parse_datetime(g("FechaOperacionOrig", ""), "FechaOperacionOrig")
        out.update(
            name=_number(key, paid),
            original_patent=original[0],
            original_document=original[1],
            original_section=original[2],
            original_name=_number(original, operated),
            original_key_code=g("DocumentoOriginal", "").upper(),
            original_date=operated,
            fraction=_fraction(g("FraccionOriginal", "")),
            uom_code=g("UnidadMedida", ""),
            quantity=parse_decimal(g("MercanciaDescargada", ""), "MercanciaDescargada"),
            paid_at=paid,
        )
    elif code == "701":
        paid = paid or parse_datetime(g("FechaPago", ""), "FechaPago")
        previous = _key(values, ("PatenteAnterior", "PedimentoAnterior", "SeccionAduaneraAnterior"))
        before = parse_datetime(g("FechaOperacionAnterior", ""), "FechaOperacionAnterior")
        out.update(
            name=_number(key, paid),
            key_code=g("ClaveDocumento", "").upper(),
            previous_patent=previous[0],
            previous_document=previous[1],
            previous_section=previous[2],
            previous_name=_number(previous, before),
            previous_key_code=g("DocumentoAnterior", "").upper(),
            paid_at=paid,
        )
    else:
        raise ValueError(f"not a staged record type: {code!r}")
    return out


def read_summary(data: bytes | str) -> dict[str, object]:
    """Folio, RFC and period of a ``Resumen`` member. Raise :class:`DataStageError`."""
    parsed = parse_file(data, "Resumen")
    if not parsed.rows:
        raise DataStageError("summary_empty")
    __, __, values = parsed.rows[0]
    folio = (values.get("Folio") or "").strip()
    if not (folio.isascii() and folio.isdigit()):
        raise DataStageError("summary_folio", value=folio[:20])
    try:
        date_from = parse_datetime(values.get("Fecha_Inicial", ""), "Fecha_Inicial")
        date_to = parse_datetime(values.get("Fecha_Final", ""), "Fecha_Final")
        executed = parse_datetime(values.get("Fecha_Ejecucion", ""), "Fecha_Ejecucion")
    except RowError as err:
        raise DataStageError("summary_dates") from err
    if not date_from or not date_to or date_to < date_from:
        raise DataStageError("summary_dates")
    return {
        "folio": folio.zfill(7),
        "rfc": (values.get("RFCoPatenteAduanal") or "").strip().upper(),
        "date_from": date_from.date(),
        "date_to": date_to.date(),
        "executed_at": executed,
    }


# ---------------------------------------------------------------------------------------
# Reconciliation (compulsa)
# ---------------------------------------------------------------------------------------
# What is compared, and how: "text" exact (blank = blank), "qty" at the line's precision,
# "mxn"/"usd" within the tolerances, "rate" at 6 decimals, "date" by day, "int" exact.
PEDIMENTO_FIELDS: dict[str, str] = {
    "key": "text",
    "operation": "text",
    "entry_date": "date",
    "payment_date": "date",
    "exchange_rate": "rate",
    "rfc": "text",
    "line_count": "int",
}
LINE_FIELDS: dict[str, str] = {
    "fraction": "text",
    "quantity": "qty",
    "uom": "text",
    "quantity_tariff": "qty",
    "uom_tariff": "text",
    "value_mxn": "mxn",
    "value_commercial": "mxn",
    "value_usd": "usd",
    "origin_country": "text",
    "seller_country": "text",
    "key": "text",
}


def _fmt(value: object) -> str:
    if value is None or value is False or value == "":
        return ""
    if isinstance(value, float):
        return f"{value:.6f}".rstrip("0").rstrip(".") or "0"
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def _differs(kind: str, a: object, b: object, tolerance: dict[str, float], digits: int) -> bool:
    if kind in ("qty", "mxn", "usd", "rate"):
        a = float(a or 0.0)
        b = float(b or 0.0)
        if kind == "qty":
            return round(a, digits) != round(b, digits)
        if kind == "rate":
            return round(a, 6) != round(b, 6)
        # a half-cent of float noise never makes a value differ
        return abs(a - b) > tolerance[kind] + 1e-9
    if kind == "date":
        a = a.date() if hasattr(a, "date") and callable(a.date) else a
        b = b.date() if hasattr(b, "date") and callable(b.date) else b
        return (a or None) != (b or None)
    return _fmt(a) != _fmt(b)


def _pairs(datastage, system, rectifications):
    """``(number, datastage entry or None, system entry or None, re-pointed)`` to compare."""
    pairs: list[tuple[str, dict | None, dict | None, bool]] = []
    seen_system = set()
    for name, ds in datastage.items():
        if name in rectifications and rectifications[name] in datastage:
            continue  # superseded: its rectification is compared in its place
        target = name
        originals = [o for o, r in rectifications.items() if r == name]
        if name not in system:
            target = next((o for o in originals if o in system), name)
        for original in originals:
            seen_system.add(original)  # rectified in the system: not missing in Data Stage
        seen_system.add(target)
        pairs.append((target if target in system else name, ds, system.get(target), target != name))
    for name, sys_ped in system.items():
        if name not in seen_system:
            pairs.append((name, None, sys_ped, False))
    return pairs


def reconcile(
    datastage: dict[str, dict],
    system: dict[str, dict],
    rectifications: dict[str, str] | None = None,
    tolerance_mxn: float = 1.0,
    tolerance_usd: float = 0.01,
    qty_digits: int = 3,
) -> list[tuple[str, str, str, int | None, str, str, str]]:
    """The differences between Data Stage and the system, both directions.

    ``datastage`` and ``system`` map a pedimento number to ``{"fields": {...}, "lines":
    {sequence: {...}}}`` with the keys of :data:`PEDIMENTO_FIELDS` / :data:`LINE_FIELDS`; a
    line may carry ``"qty_digits"`` (its unit's precision). ``rectifications`` maps an
    original number to its rectifying one (701): the original's Data Stage data is replaced
    by the rectification's, compared with the system's rectification if it holds one, else
    with the system's original (to which the R1 applies its lines).

    Return ``(level, kind, pedimento, line sequence, field, value_datastage, value_system)``
    tuples, sorted: one per field that differs, one per pedimento or line missing on a side.
    """
    tolerance = {"mxn": tolerance_mxn, "usd": tolerance_usd}
    pairs = _pairs(datastage, system, dict(rectifications or {}))
    out = []
    for name, ds, sy, repointed in pairs:
        if sy is None:
            out.append(("pedimento", "missing_in_system", name, None, "", name, ""))
            continue
        if ds is None:
            out.append(("pedimento", "missing_in_datastage", name, None, "", "", name))
            continue
        dsf, syf = ds.get("fields", {}), sy.get("fields", {})
        # a rectification compared with the original it corrects: its own header (key R1,
        # its own dates) is not the original's; its lines are what the original now holds
        header = {"line_count": "int"} if repointed else PEDIMENTO_FIELDS
        line_fields = (
            {f: k for f, k in LINE_FIELDS.items() if f != "key"} if repointed else LINE_FIELDS
        )
        for field, kind in header.items():
            if (
                field in dsf
                and field in syf
                and _differs(kind, dsf.get(field), syf.get(field), tolerance, qty_digits)
            ):
                out.append(
                    (
                        "pedimento",
                        "mismatch",
                        name,
                        None,
                        field,
                        _fmt(dsf.get(field)),
                        _fmt(syf.get(field)),
                    )
                )
        dsl, syl = ds.get("lines", {}), sy.get("lines", {})
        for seq in sorted(set(dsl) | set(syl)):
            a, b = dsl.get(seq), syl.get(seq)
            if b is None:
                out.append(("line", "missing_in_system", name, seq, "", str(seq), ""))
                continue
            if a is None:
                out.append(("line", "missing_in_datastage", name, seq, "", "", str(seq)))
                continue
            digits = min(int(a.get("qty_digits", qty_digits)), int(b.get("qty_digits", qty_digits)))
            for field, kind in line_fields.items():
                if (
                    field in a
                    and field in b
                    and _differs(kind, a.get(field), b.get(field), tolerance, digits)
                ):
                    out.append(
                        (
                            "line",
                            "mismatch",
                            name,
                            seq,
                            field,
                            _fmt(a.get(field)),
                            _fmt(b.get(field)),
                        )
                    )
    out.sort(key=lambda d: (d[2], d[0] != "pedimento", d[3] or 0, d[1], d[4]))
    return out


def render_asc(code: str, rows: Iterable[dict[str, object]], header=None) -> bytes:
    """A member as the SAT writes it (header, ``|`` after every field, CRLF, cp1252): for
    tests, benchmarks and demo deliveries."""
    header = list(header or LAYOUTS[code])
    out = ["|".join(header) + "|"]
    for row in rows:
        out.append("|".join(str(row.get(h, "")) for h in header) + "|")
    return ("\r\n".join(out) + "\r\n").encode("cp1252")


def build_zip(
    folio: str, members: dict[str, bytes], extra: dict[str, bytes] | None = None
) -> bytes:
    """A delivery ZIP ``<folio>_Solicitudes.zip`` of ``{code: bytes}`` members (+ junk)."""
    import io
    import zipfile

    buffer = io.BytesIO()
    # a fixed time stamp: the same members always give the same bytes
    names = [(f"{folio}_{code}.asc", data) for code, data in members.items()]
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in names + list((extra or {}).items()):
            info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()


# ISO 3166 alpha-3 (Data Stage's PaisOrigenDestino, PaisCompradorVendedor) -> alpha-2 (Odoo)
# for the usual trade partners of an IMMEX plant; a two-letter value passes as it is.
COUNTRIES_A3: dict[str, str] = {
    "USA": "US",
    "CAN": "CA",
    "MEX": "MX",
    "CHN": "CN",
    "JPN": "JP",
    "KOR": "KR",
    "TWN": "TW",
    "DEU": "DE",
    "FRA": "FR",
    "ITA": "IT",
    "ESP": "ES",
    "GBR": "GB",
    "NLD": "NL",
    "BEL": "BE",
    "CHE": "CH",
    "AUT": "AT",
    "SWE": "SE",
    "POL": "PL",
    "CZE": "CZ",
    "HUN": "HU",
    "IRL": "IE",
    "PRT": "PT",
    "DNK": "DK",
    "FIN": "FI",
    "ROU": "RO",
    "TUR": "TR",
    "ISR": "IL",
    "IND": "IN",
    "VNM": "VN",
    "THA": "TH",
    "MYS": "MY",
    "SGP": "SG",
    "PHL": "PH",
    "IDN": "ID",
    "HKG": "HK",
    "BRA": "BR",
    "ARG": "AR",
    "CHL": "CL",
    "COL": "CO",
    "PER": "PE",
    "CRI": "CR",
    "GTM": "GT",
    "HND": "HN",
    "SLV": "SV",
    "NIC": "NI",
    "PAN": "PA",
    "DOM": "DO",
    "AUS": "AU",
    "NZL": "NZ",
    "ZAF": "ZA",
    "MAR": "MA",
    "EGY": "EG",
    "SAU": "SA",
    "ARE": "AE",
    "RUS": "RU",
    "UKR": "UA",
}
_A2_TO_A3 = {a2: a3 for a3, a2 in COUNTRIES_A3.items()}


def country_code(value: str | None, alpha3: bool = False) -> str:
    """Alpha-2 code of a Data Stage country (``"USA"`` -> ``"US"``), or alpha-3 of an
    Odoo code with ``alpha3=True``; unknown values come back upper-cased, blank as ``""``."""
    value = (value or "").strip().upper()
    if alpha3:
        return _A2_TO_A3.get(value, value)
    return COUNTRIES_A3.get(value, value)
