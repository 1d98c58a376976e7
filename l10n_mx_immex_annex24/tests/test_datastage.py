# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Data Stage: a synthetic delivery built here (every file type, header-only files, Latin-1
accents, a nested ZIP and junk, a rectification, a 512 discharge), imported, turned into
pedimentos and reconciled; the initial inventory; the Anexo 30 files."""

import base64
import io
import random
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.fields import Command
from odoo.tests import tagged

from ..immex import datastage as ds
from .common import Annex24Common

FOLIO = "4455667"
RFC = "ABR010203AB1"
P1 = "26  24  3420  6000001"
P2 = "26  24  3420  6000002"
P3 = "26  24  3420  6000003"
P4 = "26  24  3420  6000004"
R1 = "26  24  3420  6000009"
PX = "26  24  3420  6000100"


def _key(document, **kw):
    return dict({"Patente": "3420", "Pedimento": document, "SeccionAduanera": "240"}, **kw)


@tagged("post_install", "-at_install")
class TestDatastage(Annex24Common):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.manager = cls._new_user(
            "ds_manager", "base.group_user,l10n_mx_immex_annex24.group_immex_manager"
        )
        cls.user = cls._new_user(
            "ds_user", "base.group_user,l10n_mx_immex_annex24.group_immex_user"
        )
        cls.auditor = cls._new_user(
            "ds_auditor", "base.group_user,l10n_mx_immex_annex24.group_sat_auditor"
        )
        cls.key_r1 = cls.env.ref("l10n_mx_immex_annex24.pedimento_key_r1")
        cls.wire_code = cls.fraction_wire.code
        cls.term_code = cls.fraction_terminal.code
        # Annex 24 today: P1 and P4 (imports), P3 (only here), PX (an RT exit)
        cls.p1 = cls._system_pedimento(
            P1,
            date(2026, 3, 5),
            [(1, cls.wire, 1000, 20000.4, 1142.86), (2, cls.terminal, 5000, 5000, 285.71)],
        )
        cls.p3 = cls._system_pedimento(P3, date(2026, 3, 12), [(1, cls.terminal, 10, 10, 0.57)])
        cls.p4 = cls._system_pedimento(P4, date(2026, 3, 10), [(1, cls.wire, 100, 2000, 114.29)])
        cls.px = cls._system_pedimento(
            PX, date(2026, 3, 20), [], key=cls.key_rt, operation="export"
        )
        (cls.p1 | cls.p3 | cls.p4 | cls.px)._immex_confirm()

    @classmethod
    def _system_pedimento(cls, name, day, lines, key=None, operation="import"):
        return cls.env["l10n_mx_immex.pedimento"].create(
            {
                "name": name,
                "operation": operation,
                "key_id": (key or cls.key_in).id,
                "regime_id": cls.regime_ite.id if operation == "import" else False,
                "entry_date": day,
                "payment_date": day,
                "exchange_rate": 17.5,
                "company_id": cls.company.id,
                "line_ids": [
                    Command.create(
                        {
                            "sequence": seq,
                            "product_id": product.id,
                            "quantity": qty,
                            "value_mxn": mxn,
                            "value_usd": usd,
                            "seller_country_id": cls.us.id,
                        }
                    )
                    for seq, product, qty, mxn, usd in lines
                ],
            }
        )

    # -- the delivery -------------------------------------------------------------
    def _head(self, document, paid, key="IN", operation="1", rate="17.5", kind="1"):
        return _key(
            document,
            TipoOperacion=operation,
            ClaveDocumento=key,
            Rfc=RFC,
            TipoCambio=rate,
            TipoPedimento=kind,
            NombreContribuyente="Arneses del Bravo, Compañía",
            FechaPagoReal=f"{paid} 11:00:00",
        )

    def _line(
        self,
        document,
        seq,
        fraction,
        code,
        qty,
        uom,
        qty_t,
        uom_t,
        mxn,
        usd,
        key="IN",
        paid="2026-03-05",
    ):
        return _key(
            document,
            Fraccion=fraction[:8],
            SecuenciaFraccion=str(seq),
            SubdivisionFraccion=fraction[8:],
            DescripcionMercancia="Cable eléctrico de cobre, año 2026",
            ValorAduana=str(mxn),
            ValorComercial=str(mxn),
            ValorDolares=str(usd),
            CantidadUMComercial=str(qty),
            UnidadMedidaComercial=uom,
            CantidadUMTarifa=str(qty_t),
            UnidadMedidaTarifa=uom_t,
            CodigoMercanciaProducto=code,
            PaisOrigenDestino="USA",
            PaisCompradorVendedor="USA",
            TipoOperacion="1",
            ClaveDocumento=key,
            FechaPagoReal=f"{paid} 11:00:00",
        )

    def _delivery(self, folio=FOLIO, rfc=RFC, start="2026-03-01", stop="2026-03-31", extra_row=""):
        w, t = self.wire_code, self.term_code
        heads = [
            self._head("6000001", "2026-03-05", rate="17.6"),  # planted: exchange rate
            self._head("6000002", "2026-03-08"),  # planted: missing in the system
            self._head("6000004", "2026-03-10"),
            self._head("6000009", "2026-03-15", key="R1", kind="2"),
            self._head("6000100", "2026-03-20", key="RT", operation="2"),
        ]
        lines = [
            self._line("6000001", 1, w, "WIRE-18", 1000, "3", 20, "1", 20000, 1142.86),
            # planted: customs value 3 MXN over the tolerance
            self._line("6000001", 2, t, "TERM-28", 5000, "6", 5000, "6", 5003, 285.71),
            # planted: a line the system lacks (and so the line count)
            self._line("6000001", 3, t, "TERM-28", 7, "6", 7, "6", 7, 0.4),
            self._line(
                "6000002", 1, w, "WIRE-18", 300, "3", 6, "1", 6000, 342.86, paid="2026-03-08"
            ),
            self._line("6000002", 2, t, "NO-SUCH-PART", 3, "6", 3, "6", 3, 0.17, paid="2026-03-08"),
            # the original P4 declared 90 m; its R1 declares the 100 m the system holds
            self._line(
                "6000004", 1, w, "WIRE-18", 90, "3", 1.8, "1", 1800, 102.86, paid="2026-03-10"
            ),
            self._line(
                "6000009",
                1,
                w,
                "WIRE-18",
                100,
                "3",
                2,
                "1",
                2000,
                114.29,
                key="R1",
                paid="2026-03-15",
            ),
        ]
        asc_551 = ds.render_asc("551", lines)
        # a malformed row (an extra column) never stops the batch
        asc_551 += b"3420|6000001|240|" + b"x|" * 40 + b"\r\n" + extra_row.encode()
        asc_501 = (
            ds.render_asc("501", heads)
            + b"3420|6000005|240|1|IN|"
            + b"|" * 23
            + b"1||2026-99-01|\r\n"
        )
        members = {
            "501": asc_501,
            "551": asc_551,
            "505": ds.render_asc(
                "505",
                [
                    _key(
                        "6000001",
                        NumeroFactura="COVE1A2B3",
                        ProveedorMercancia="Cables Niño y Compañía \\ Div.\tNorte",
                        ValorDolares="1428.57",
                        FechaPagoReal="2026-03-05 11:00:00",
                    )
                ],
            ),
            "506": ds.render_asc(
                "506",
                [
                    _key("6000001", TipoFecha="1", FechaOperacion="2026-03-05 00:00:00"),
                    _key("6000001", TipoFecha="2", FechaOperacion="2026-03-05 00:00:00"),
                    _key("6000002", TipoFecha="1", FechaOperacion="2026-03-08 00:00:00"),
                ],
            ),
            "701": ds.render_asc(
                "701",
                [
                    _key(
                        "6000009",
                        ClaveDocumento="R1",
                        PedimentoAnterior="6000004",
                        PatenteAnterior="3420",
                        SeccionAduaneraAnterior="240",
                        DocumentoAnterior="IN",
                        FechaOperacionAnterior="2026-03-10 00:00:00",
                        FechaPagoReal="2026-03-15 11:00:00",
                    )
                ],
            ),
            "510": (
                b"Patente|Pedimento|SeccionAduanera|ClaveContribucion|Importe|\r\n"
                b"3420|6000001|240|6|3200|\r\n"
            ),
            "Resumen": ds.render_asc(
                "Resumen",
                [
                    {
                        "Folio": folio,
                        "RFCoPatenteAduanal": rfc,
                        "Fecha_Inicial": f"{start} 00:00:00",
                        "Fecha_Final": f"{stop} 23:59:59",
                        "Fecha_Ejecucion": "2026-04-02 09:00:00",
                    }
                ],
            ),
        }
        for code in (
            "502",
            "503",
            "504",
            "507",
            "508",
            "509",
            "511",
            "520",
            "552",
            "553",
            "554",
            "555",
            "556",
            "557",
            "558",
            "702",
            "Inci",
            "Sel",
        ):
            members[code] = b"Patente|Pedimento|SeccionAduanera|\r\n"  # header-only
        # the 512 file comes in a nested ZIP, with junk around it
        inner = ds.build_zip(
            folio,
            {
                "512": ds.render_asc(
                    "512",
                    [
                        _key(
                            "6000100",
                            PatenteAduanalOrig="3420",
                            PedimentoOriginal="6000001",
                            SeccionAduaneraDespOrig="240",
                            DocumentoOriginal="IN",
                            FechaOperacionOrig="2026-03-05 00:00:00",
                            FraccionOriginal=self.wire_code[:8],
                            UnidadMedida="1",
                            MercanciaDescargada="4",
                            TipoPedimento="1",
                            FechaPagoReal="2026-03-20 11:00:00",
                        )
                    ],
                ),
            },
        )
        return ds.build_zip(
            folio,
            members,
            extra={
                "anidado.zip": inner,
                f"__MACOSX/._{folio}_501.asc": b"\x00\x05junk",
                "Solicitud.xlsx": b"PK\x03\x04 not really",
            },
        )

    def _import(self, data, user=None, replace=False, company=None):
        wizard = self.env["l10n_mx_immex.datastage.import"].with_user(user or self.manager)
        wizard = wizard.create(
            {
                "file": base64.b64encode(data),
                "file_name": f"{FOLIO}_Solicitudes.zip",
                "company_id": (company or self.company).id,
                "replace": replace,
            }
        )
        return wizard, wizard.action_import()

    # -- tests --------------------------------------------------------------------
    def test_import_stages_every_row(self):
        __, batch = self._import(self._delivery())
        self.assertEqual(
            (batch.folio, batch.rfc, batch.date_from, batch.date_to, batch.state),
            (FOLIO, RFC, date(2026, 3, 1), date(2026, 3, 31), "staged"),
        )
        self.assertEqual(batch.attachment_id.raw[:2], b"PK")
        self.assertEqual(len(batch.pedimento_row_ids), 5)
        self.assertEqual(len(batch.line_row_ids), 7)
        self.assertEqual(len(batch.invoice_row_ids), 1)
        # a backslash and a tab survive the COPY
        self.assertEqual(
            batch.invoice_row_ids.supplier_name, "Cables Niño y Compañía \\ Div.\tNorte"
        )
        self.assertEqual(len(batch.date_row_ids), 3)
        self.assertEqual(len(batch.descargo_row_ids), 1)
        self.assertEqual(batch.rectification_row_ids.previous_name, P4)
        raw = batch.raw_row_ids
        self.assertEqual(len(raw.filtered(lambda r: r.code == "510" and not r.error_code)), 1)
        errors = raw.filtered("error_code")
        self.assertEqual(
            sorted((r.member, r.line_number, r.error_code) for r in errors),
            [(f"{FOLIO}_501.asc", 7, "date"), (f"{FOLIO}_551.asc", 9, "columns_extra")],
        )
        self.assertEqual(batch.error_count, 2)
        line = batch.line_row_ids.filtered(lambda r: r.pedimento_name == P1 and r.sequence == 1)
        self.assertEqual(line.description, "Cable eléctrico de cobre, año 2026")  # cp1252 read
        self.assertTrue(line.raw_line.startswith("3420|6000001|240|"))
        self.assertEqual((line.quantity, line.uom_code, line.value_customs), (1000, "3", 20000))
        # the same ZIP again: the same batch, nothing written twice
        __, again = self._import(self._delivery())
        self.assertEqual(again, batch)
        self.assertEqual(
            self.env["l10n_mx_immex.datastage.line"].search_count(
                [("company_id", "=", self.company.id)]
            ),
            7,
        )

    def test_refused_rfc_overlap_and_rights(self):
        with self.assertRaises(UserError):
            self._import(self._delivery(rfc="XAXX010101000"))
        with self.assertRaises(AccessError):
            self._import(self._delivery(), user=self.user)
        with self.assertRaises(UserError):
            self._import(b"not a zip")
        __, first = self._import(self._delivery())
        other = self._delivery(folio="4455668", start="2026-03-15", stop="2026-04-15")
        wizard, result = self._import(other)
        self.assertFalse(result)
        self.assertEqual((wizard.state, wizard.overlap_batch_ids), ("overlap", first))
        __, second = self._import(other, replace=True)
        self.assertEqual((first.state, first.replaced_by_id), ("replaced", second))
        # the auditor reads batches and differences, and changes nothing
        second.action_reconcile()
        self.assertTrue(second.with_user(self.auditor).difference_ids.read(["field"]))
        with self.assertRaises(AccessError):
            second.with_user(self.auditor).action_reconcile()
        with self.assertRaises(AccessError):
            second.difference_ids[:1].with_user(self.auditor).action_mark_fixed()
        # what the auditor downloads is in the access log
        AccessLog = self.env["l10n_mx_immex.access.log"]
        logged = AccessLog.search_count([("report_type", "=", "datastage_differences.xlsx")])
        second.with_user(self.auditor).action_export_differences()
        self.assertEqual(
            AccessLog.search_count(
                [
                    ("report_type", "=", "datastage_differences.xlsx"),
                    ("user_id", "=", self.auditor.id),
                    ("action", "=", "export"),
                ]
            ),
            logged + 1,
        )
        with self.assertRaises(UserError):
            second.with_user(self.manager).write({"folio": "1"})
        with self.assertRaises(UserError):
            second.difference_ids[:1].with_user(self.manager).write({"value_system": "x"})
        # no batch or staged row is made or changed by hand, whatever the context says
        Batch = self.env["l10n_mx_immex.datastage.batch"].with_user(self.manager)
        with self.assertRaises(UserError):
            Batch.with_context(l10n_mx_immex_server_write=True).create(
                {"folio": "1", "company_id": self.company.id}
            )
        row = second.line_row_ids[:1].with_user(self.manager)
        with self.assertRaises(UserError):
            row.write({"quantity": 1})
        with self.assertRaises(UserError):
            row.create({"batch_id": second.id})
        with self.assertRaises(AccessError):
            second.line_row_ids[:1].with_user(self.user).write({"product_id": self.wire.id})
        # another company's batch is not the manager's to import into
        other = self.env["res.company"].create({"name": "Otra Planta", "vat": RFC})
        with self.assertRaises(AccessError):
            self._import(self._delivery(), company=other)

    def _found(self, batch):
        return sorted(
            (
                d.level,
                d.kind,
                d.pedimento_name or "",
                d.line_sequence,
                d.field or "",
                d.value_datastage or "",
                d.value_system or "",
            )
            for d in batch.difference_ids.filtered(lambda d: d.state == "open")
        )

    def test_reconcile_finds_exactly_the_planted_differences(self):
        self.maxDiff = None
        __, batch = self._import(self._delivery())
        batch.with_user(self.manager).action_reconcile()
        self.assertEqual(
            self._found(batch),
            sorted(
                [
                    ("pedimento", "mismatch", P1, 0, "exchange_rate", "17.6", "17.5"),
                    ("pedimento", "mismatch", P1, 0, "line_count", "3", "2"),
                    ("line", "mismatch", P1, 2, "value_mxn", "5003", "5000"),
                    ("line", "missing_in_system", P1, 3, "", "3", ""),
                    ("pedimento", "missing_in_system", P2, 0, "", P2, ""),
                    ("pedimento", "missing_in_datastage", P3, 0, "", "", P3),
                    (
                        "file",
                        "mismatch",
                        "",
                        0,
                        f"{FOLIO}_501.asc:7",
                        batch.raw_row_ids.filtered(lambda r: r.error_code == "date").raw_line,
                        batch.raw_row_ids.filtered(lambda r: r.error_code == "date").error,
                    ),
                    (
                        "file",
                        "mismatch",
                        "",
                        0,
                        f"{FOLIO}_551.asc:9",
                        batch.raw_row_ids.filtered(
                            lambda r: r.error_code == "columns_extra"
                        ).raw_line,
                        batch.raw_row_ids.filtered(lambda r: r.error_code == "columns_extra").error,
                    ),
                ]
            ),
        )
        self.assertEqual(
            (
                batch.state,
                batch.pedimento_compared,
                batch.pedimento_matching,
                batch.pedimento_differing,
                batch.missing_in_system,
                batch.missing_in_datastage,
            ),
            ("reconciled", 3, 2, 1, 1, 1),
        )
        # worked through: explained needs a note; a re-run keeps the state
        diff = batch.difference_ids.filtered(lambda d: d.field == "exchange_rate").with_user(
            self.manager
        )
        with self.assertRaises(UserError):
            diff.action_mark_explained()
        diff.note = "Tipo de cambio del DOF del día anterior"
        diff.action_mark_explained()
        batch.with_user(self.manager).action_reconcile()
        self.assertEqual(diff.state, "explained")
        self.assertEqual(len(batch.difference_ids), 8)
        # the XLSX carries the Spanish headers and one row per difference
        attachment = batch._immex_differences_xlsx()
        import openpyxl

        sheet = openpyxl.load_workbook(io.BytesIO(attachment.raw)).active
        rows = list(sheet.iter_rows(values_only=True))
        self.assertEqual(rows[0][:3], ("Nivel", "Tipo", "Pedimento"))
        self.assertEqual(len(rows), 9)

    def test_create_pedimentos_descargos_and_rectifications(self):
        __, batch = self._import(self._delivery())
        batch = batch.with_user(self.manager)
        p1_before = self.p1.line_ids.read(["quantity", "value_mxn"])
        batch.action_create_pedimentos()
        Ped = self.env["l10n_mx_immex.pedimento"]
        p2 = Ped.search([("name", "=", P2), ("company_id", "=", self.company.id)])
        self.assertEqual(p2.state, "draft")
        self.assertEqual(
            (p2.key_id, p2.entry_date, p2.exchange_rate), (self.key_in, date(2026, 3, 8), 17.5)
        )
        self.assertEqual(len(p2.line_ids), 1)  # the unknown part number is listed, not created
        line = p2.line_ids
        self.assertEqual(
            (line.product_id, line.quantity, line.uom_id, line.quantity_tariff, line.uom_tariff_id),
            (self.wire, 300, self.uom_m, 6, self.uom_kg),
        )
        self.assertEqual(
            (line.fraction_id, line.value_mxn, line.origin_country_id),
            (self.fraction_wire, 6000, self.us),
        )
        unmatched = batch.line_row_ids.filtered(lambda r: not r.pedimento_line_id)
        self.assertEqual(
            sorted((r.pedimento_name, r.sequence) for r in unmatched),
            [(P1, 1), (P1, 2), (P1, 3), (P2, 2), (P4, 1)],
        )
        r1 = Ped.search([("name", "=", R1), ("company_id", "=", self.company.id)])
        self.assertEqual((r1.state, r1.key_id), ("draft", self.key_r1))
        # existing pedimentos are never overwritten
        self.assertEqual(self.p1.line_ids.read(["quantity", "value_mxn"]), p1_before)
        self.assertFalse(Ped.search([("name", "=", PX), ("id", "!=", self.px.id)]))
        # the user chooses the product of the unmatched line (the batch form's list): the
        # draft is completed
        row = batch.line_row_ids.filtered(lambda r: r.pedimento_name == P2 and r.sequence == 2)
        batch.write({"line_row_ids": [Command.update(row.id, {"product_id": self.terminal.id})]})
        self.assertEqual(row.product_id, self.terminal)
        with self.assertRaises(UserError):
            batch.write({"line_row_ids": [Command.update(row.id, {"quantity": 1})]})
        with self.assertRaises(UserError):
            batch.write({"line_row_ids": [Command.delete(row.id)]})
        batch.action_create_pedimentos()
        self.assertEqual(p2.line_ids.mapped("sequence"), [1, 2])
        self.assertEqual(Ped.search_count([("name", "=", P2)]), 1)
        # 701 links the R1 to P4; 512 declares PX's discharge of P1's wire line
        batch.action_link_rectifications()
        self.assertEqual(r1.rectifies_id, self.p4)
        batch.action_load_descargos()
        batch.action_load_descargos()  # idempotent
        descargo = self.px.descargo_ids
        self.assertEqual(len(descargo), 1)
        wire_line = self.p1.line_ids.filtered(lambda ln: ln.sequence == 1)
        self.assertEqual(
            (descargo.import_pedimento_name, descargo.import_line_id, descargo.product_id),
            (P1, wire_line, self.wire),
        )
        self.assertAlmostEqual(descargo.quantity_tariff, 4)
        self.assertAlmostEqual(descargo.quantity, 200)  # 4 kg at 0.02 kg/m
        # reconciled now: P2 holds both lines, the R1 compares with itself
        batch.action_reconcile()
        found = self._found(batch)
        self.assertNotIn(("pedimento", "missing_in_system", P2, 0, "", P2, ""), found)
        self.assertFalse([d for d in found if d[2] in (P2, R1, P4)])
        with self.assertRaises(AccessError):
            batch.with_user(self.user).action_create_pedimentos()

    def test_fuzzed_rows_never_half_write(self):
        rng = random.Random(11)
        for seed in range(6):
            junk = "".join(chr(rng.randrange(1, 0x2FF)) for __ in range(rng.randrange(1, 300)))
            folio = f"77000{seed:02d}"
            data = self._delivery(
                folio=folio,
                start=f"2027-0{seed + 1}-01",
                stop=f"2027-0{seed + 1}-02",
                extra_row="1|2|" + junk + "\r\n",
            )
            __, batch = self._import(data)
            # the good rows are all staged, the bad ones reported, whatever the junk
            self.assertEqual(len(batch.line_row_ids), 7)
            self.assertGreaterEqual(batch.error_count, 3)
            self.assertEqual(batch.error_count, len(batch.raw_row_ids.filtered("error_code")))
        # a broken ZIP writes nothing at all
        count = self.env["l10n_mx_immex.datastage.batch"].search_count([])
        data = self._delivery(folio="7700099", start="2028-01-01", stop="2028-01-31")
        with self.assertRaises(UserError):
            self._import(data[: len(data) // 2])
        self.assertEqual(self.env["l10n_mx_immex.datastage.batch"].search_count([]), count)
