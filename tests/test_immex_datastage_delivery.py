"""Data Stage deliveries: members, staging rows, typed values, reconciliation, fuzz."""

import io
import random
import zipfile
from datetime import date, datetime

import pytest
from immex import datastage as ds

FOLIO = "1234567"


def _row501(**kw):
    row = {
        "Patente": "3420",
        "Pedimento": "6000001",
        "SeccionAduanera": "240",
        "TipoOperacion": "1",
        "ClaveDocumento": "IN",
        "Rfc": "ABR010203AB1",
        "TipoCambio": "17.2345",
        "TipoPedimento": "1",
        "NombreContribuyente": "Arneses del Bravo SA de CV",
        "FechaRecepcionPedimento": "2026-03-09 10:00:00",
        "FechaPagoReal": "2026-03-09 12:30:00",
    }
    row.update(kw)
    return row


def _row551(**kw):
    row = {
        "Patente": "3420",
        "Pedimento": "6000001",
        "SeccionAduanera": "240",
        "Fraccion": "85444999",
        "SecuenciaFraccion": "1",
        "SubdivisionFraccion": "99",
        "DescripcionMercancia": "Cable de cobre, aislado, calibre 18 (año)",
        "ValorAduana": "17234",
        "ValorComercial": "17000",
        "ValorDolares": "1000.00",
        "CantidadUMComercial": "500",
        "UnidadMedidaComercial": "3",
        "CantidadUMTarifa": "10",
        "UnidadMedidaTarifa": "1",
        "CodigoMercanciaProducto": "WIRE-18",
        "PaisOrigenDestino": "USA",
        "PaisCompradorVendedor": "USA",
        "TipoOperacion": "1",
        "ClaveDocumento": "IN",
        "FechaPagoReal": "2026-03-09 12:30:00",
    }
    row.update(kw)
    return row


def _zip(members, name_prefix=""):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members.items():
            archive.writestr(name_prefix + name, data)
    return buffer.getvalue()


def test_members_nested_zip_and_junk():
    inner = _zip({f"{FOLIO}_551.asc": ds.render_asc("551", [_row551()])})
    outer = _zip(
        {
            f"{FOLIO}_501.asc": ds.render_asc("501", [_row501()]),
            f"__MACOSX/._{FOLIO}_501.asc": b"junk",
            "Solicitud.xlsx": b"PK junk",
            "correo.eml": b"Hola",
            f"{FOLIO}_Resumen.asc": b"Folio|\r\n",
            "inner.zip": inner,
            "broken.zip": b"not a zip",
        }
    )
    members = ds.read_members(outer)
    assert sorted((folio, code) for __, folio, code, __ in members) == [
        (FOLIO, "501"),
        (FOLIO, "551"),
        (FOLIO, "Resumen"),
    ]


def test_not_a_zip():
    with pytest.raises(ds.DataStageError) as err:
        ds.read_members(b"hello")
    assert err.value.code == "not_zip"


def test_parse_file_by_header_name_with_aliases_and_errors():
    text = (
        "Pedimento|Patente|SeccionAduanera|Fraccion|SecuenciaFraccion|CantidadMUMTarifa|Nuevo|\r\n"
        "6000001|3420|240|85444999|1|10|x|\r\n"
        "6000001|3420|240|85444999|2|10|\r\n"
        "6000001|3420|240|85444999|3|10|x|y|\r\n"
        "\r\n"
        "6000001|3420|240|85444999|4|" + "9" * 2000 + "|x|\r\n"
    )
    parsed = ds.parse_file(text.encode(), "551")
    assert parsed.header[5] == "CantidadUMTarifa"
    assert parsed.unknown_columns == ["Nuevo"]
    assert [(n, v["CantidadUMTarifa"]) for n, __, v in parsed.rows] == [(2, "10")]
    assert [(n, e.code) for n, __, e in parsed.errors] == [
        (3, "columns_missing"),
        (4, "columns_extra"),
        (6, "field_too_long"),
    ]
    assert parsed.errors[0][1] == "6000001|3420|240|85444999|2|10|"


def test_decode_latin1_nul_and_utf8():
    assert ds.decode("Compañía\x00".encode("cp1252")) == "Compañía"
    assert ds.decode("\ufeffCompañía".encode()) == "Compañía"
    assert ds.decode(b"\x81\x8d") == "\x81\x8d"  # not cp1252: Latin-1 never fails


def test_normalize_501_and_551():
    ped = ds.normalize_row("501", _row501(Patente="42", SeccionAduanera="24"))
    assert ped["name"] == "26  02  0042  6000001"
    ped = ds.normalize_row("501", _row501())
    assert ped["name"] == "26  24  3420  6000001"
    assert ped["operation"] == "import" and ped["key_code"] == "IN"
    assert ped["exchange_rate"] == 17.2345
    assert ped["paid_at"] == datetime(2026, 3, 9, 12, 30)  # local time, never shifted
    line = ds.normalize_row("551", _row551())
    assert line["fraction"] == "85444999" and line["nico"] == "99" and line["sequence"] == 1
    assert line["quantity"] == 500 and line["quantity_tariff"] == 10
    assert line["value_customs"] == 17234 and line["value_usd"] == 1000


@pytest.mark.parametrize(
    "code,row,reason",
    [
        ("501", _row501(Patente=""), "key_missing"),
        ("501", _row501(Pedimento="60A0001"), "key_format"),
        ("501", _row501(TipoOperacion="9"), "code_unknown"),
        ("501", _row501(TipoCambio="17,23"), "number"),
        ("501", _row501(TipoCambio="nan"), "number"),
        ("501", _row501(FechaPagoReal="2026-13-45"), "date"),
        ("501", _row501(Pedimento="5000001"), "year_digit"),
        ("551", _row551(SecuenciaFraccion=""), "key_missing"),
        ("551", _row551(SecuenciaFraccion="1.5"), "number"),
        ("551", _row551(CantidadUMComercial="inf"), "number"),
        (
            "506",
            {"Patente": "3420", "Pedimento": "6000001", "SeccionAduanera": "240"},
            "code_unknown",
        ),
    ],
)
def test_normalize_refuses(code, row, reason):
    with pytest.raises(ds.RowError) as err:
        ds.normalize_row(code, row)
    assert err.value.code == reason


def test_normalize_512_701_506_505():
    row = {
        "Patente": "3420",
        "Pedimento": "6000100",
        "SeccionAduanera": "240",
        "PatenteAduanalOrig": "3420",
        "PedimentoOriginal": "6000001",
        "SeccionAduaneraDespOrig": "240",
        "DocumentoOriginal": "IN",
        "FechaOperacionOrig": "2026-03-09 00:00:00",
        "FraccionOriginal": "85444999",
        "UnidadMedida": "1",
        "MercanciaDescargada": "2.5",
        "FechaPagoReal": "2026-04-01 00:00:00",
    }
    out = ds.normalize_row("512", row)
    assert out["name"] == "26  24  3420  6000100"
    assert out["original_name"] == "26  24  3420  6000001" and out["quantity"] == 2.5
    out = ds.normalize_row(
        "701",
        {
            "Patente": "3420",
            "Pedimento": "6000009",
            "SeccionAduanera": "240",
            "ClaveDocumento": "R1",
            "PedimentoAnterior": "6000001",
            "PatenteAnterior": "3420",
            "SeccionAduaneraAnterior": "240",
            "FechaOperacionAnterior": "2026-03-09 00:00:00",
            "FechaPagoReal": "2026-03-20 00:00:00",
        },
    )
    assert (out["name"], out["previous_name"]) == ("26  24  3420  6000009", "26  24  3420  6000001")
    out = ds.normalize_row(
        "506",
        {
            "Patente": "3420",
            "Pedimento": "6000001",
            "SeccionAduanera": "240",
            "TipoFecha": "1",
            "FechaOperacion": "10/03/2026",
        },
    )
    assert out["date_type"] == "1" and out["date"] == datetime(2026, 3, 10)
    out = ds.normalize_row(
        "505",
        {
            "Patente": "3420",
            "Pedimento": "6000001",
            "SeccionAduanera": "240",
            "NumeroFactura": "COVE123",
            "ValorDolares": "1000",
            "FechaPagoReal": "2026-03-09 00:00:00",
        },
    )
    assert out["invoice_number"] == "COVE123" and out["name"] == "26  24  3420  6000001"


def test_summary():
    data = ds.render_asc(
        "Resumen",
        [
            {
                "Folio": "1234567",
                "RFCoPatenteAduanal": "abr010203ab1",
                "Fecha_Inicial": "2026-03-01 00:00:00",
                "Fecha_Final": "2026-03-31 23:59:59",
            }
        ],
    )
    summary = ds.read_summary(data)
    assert summary["folio"] == "1234567" and summary["rfc"] == "ABR010203AB1"
    assert (summary["date_from"], summary["date_to"]) == (date(2026, 3, 1), date(2026, 3, 31))
    with pytest.raises(ds.DataStageError):
        ds.read_summary(b"Folio|\r\n")
    with pytest.raises(ds.DataStageError):
        ds.read_summary(b"Folio|Fecha_Inicial|Fecha_Final|\r\nX|2026-03-01|2026-03-31|\r\n")


def _ped(lines, **fields):
    base = {"key": "IN", "operation": "import", "payment_date": date(2026, 3, 9), "rfc": "X"}
    base.update(fields)
    base["line_count"] = len(lines)
    return {"fields": base, "lines": lines}


def _line(**kw):
    base = {"fraction": "8544499999", "quantity": 500.0, "uom": "3", "value_mxn": 17234.0}
    base.update(kw)
    return base


def test_reconcile_both_directions_and_tolerances():
    a = "26  24  3420  6000001"
    b = "26  24  3420  6000002"
    c = "26  24  3420  6000003"
    datastage = {a: _ped({1: _line(), 2: _line()}), b: _ped({1: _line()})}
    system = {
        a: _ped({1: _line(value_mxn=17234.9, quantity=500.0004), 2: _line(value_mxn=17236.0)}),
        c: _ped({1: _line()}),
    }
    diffs = ds.reconcile(datastage, system)
    assert diffs == [
        ("line", "mismatch", a, 2, "value_mxn", "17234", "17236"),
        ("pedimento", "missing_in_system", b, None, "", b, ""),
        ("pedimento", "missing_in_datastage", c, None, "", "", c),
    ]
    # a finer unit precision makes the 0.0004 a difference; line missing on each side
    system[a]["lines"][1]["qty_digits"] = 4
    datastage[a]["lines"][1]["qty_digits"] = 4
    system[a]["lines"][3] = _line()
    system[a]["fields"]["line_count"] = 3
    del datastage[b]
    diffs = ds.reconcile(datastage, system, tolerance_mxn=5)
    assert ("line", "mismatch", a, 1, "quantity", "500", "500.0004") in diffs
    assert ("line", "missing_in_datastage", a, 3, "", "", "3") in diffs
    assert ("pedimento", "mismatch", a, None, "line_count", "2", "3") in diffs
    assert not [d for d in diffs if d[4] == "value_mxn"]


def test_reconcile_rectification_repoints():
    orig, rect = "26  24  3420  6000001", "26  24  3420  6000009"
    datastage = {orig: _ped({1: _line(quantity=400.0)}), rect: _ped({1: _line()}, key="R1")}
    # the system holds the original, corrected by its R1 (applied to it)
    system = {orig: _ped({1: _line()}, key="R1")}
    assert ds.reconcile(datastage, system, rectifications={orig: rect}) == []
    # without the link the original differs and the R1 is missing in the system
    diffs = ds.reconcile(datastage, system)
    assert ("pedimento", "missing_in_system", rect, None, "", rect, "") in diffs


# ---------------------------------------------------------------------------------------
# Fuzz: random and mutated content never crashes; every bad row is reported with a reason
# ---------------------------------------------------------------------------------------
def _mutate(rng, line):
    choice = rng.randrange(9)
    if choice == 0:
        return line[: rng.randrange(len(line) + 1)]  # truncated
    if choice == 1:
        return line + "extra|"  # an extra column
    if choice == 2:
        return line.replace("|", "", 1)  # a missing column
    if choice == 3:
        return line[:5] + "\x00" + line[5:]  # NUL byte
    if choice == 4:
        return line + "x" * rng.randrange(2000, 5000) + "|"  # huge field
    if choice == 5:
        return "".join(chr(rng.randrange(32, 0x2FF)) for __ in range(rng.randrange(80)))
    if choice == 6:
        return line.replace("2026", "20x6")
    if choice == 7:
        return line.replace("3420", "")
    return line


def _check_parsed(parsed, lines_in):
    seen = [n for n, __, __ in parsed.rows] + [n for n, __, __ in parsed.errors]
    assert len(seen) == len(set(seen))  # each line once, either staged or refused
    for __, __, err in parsed.errors:
        assert err.code in ds.ROW_ERRORS
    for __, __, values in parsed.rows:
        try:
            ds.normalize_row(parsed.code, values)
        except ds.RowError as err:
            assert err.code in ds.ROW_ERRORS


@pytest.mark.parametrize("seed", range(40))
def test_fuzz_mutated_rows(seed):
    rng = random.Random(seed)
    code = rng.choice(["501", "551"])
    good = ds.render_asc(code, [_row501() if code == "501" else _row551()]).decode("cp1252")
    header, row = good.split("\r\n")[:2]
    lines = [header] + [_mutate(rng, row) for __ in range(30)]
    text = "\r\n".join(lines)
    encoding = rng.choice(["utf-8", "cp1252", "utf-16"])
    data = text.encode(encoding, errors="replace")
    parsed = ds.parse_file(data, code)
    _check_parsed(parsed, lines)


@pytest.mark.parametrize("seed", range(20))
def test_fuzz_random_bytes(seed):
    rng = random.Random(1000 + seed)
    data = bytes(rng.randrange(256) for __ in range(rng.randrange(2000)))
    parsed = ds.parse_file(data, rng.choice(["501", "551", "505", "506", "512", "701"]))
    _check_parsed(parsed, None)
    with pytest.raises(ds.DataStageError):
        ds.read_members(data)
    try:
        ds.read_summary(data)
    except ds.DataStageError as err:
        assert err.code.startswith("summary")


def test_fuzz_wrong_folio_in_zip_is_visible():
    data = ds.build_zip("7654321", {"501": ds.render_asc("501", [_row501()])})
    assert {folio for __, folio, __, __ in ds.read_members(data)} == {"7654321"}
