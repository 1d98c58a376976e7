# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
from datetime import date, datetime, timedelta

import openpyxl
from lxml import etree

from odoo import fields
from odoo.exceptions import AccessError, UserError
from odoo.tests import Form, tagged
from odoo.tools import SQL

from ..report import report_files
from ..report import report_layouts as layouts
from .test_discharge import DischargeCommon


@tagged("post_install", "-at_install")
class TestReports(DischargeCommon):
    """Every report on hand-built data, with hand-computed figures.

    P1 (10 Jan 2026): 100 m wire, USD 150. P2 (10 Feb): 100 m wire USD 150 and 1,000
    terminals USD 1,500. Exit 1 (1 Mar): 60 harnesses = 126 m wire (P1 100, P2 26) and 240
    terminals (P2), 12 m desperdicio pending. Exit 2 (15 Mar): 800 terminals in the same
    state: P2 gives its last 760, 40 stay pending (no balance).
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env.user.tz = "America/Mexico_City"
        cls.p1 = cls._import("26  24  3420  6000901", date(2026, 1, 10), [(cls.wire, 100)])
        cls.p2 = cls._import(
            "26  24  3420  6000902", date(2026, 2, 10), [(cls.wire, 100), (cls.terminal, 1000)]
        )
        cls.p1_wire = cls.p1.line_ids
        cls.p2_wire = cls.p2.line_ids.filtered(lambda line: line.product_id == cls.wire)
        cls.p2_term = cls.p2.line_ids.filtered(lambda line: line.product_id == cls.terminal)
        cls.Query = cls.env["l10n_mx_immex.report.query"]
        cls.Wizard = cls.env["l10n_mx_immex.report.wizard"]

    def setUp(self):
        super().setUp()
        self.exit1 = self._exit_pedimento("26  24  3420  6100901", date(2026, 3, 1))
        self._deliver([(self.harness, 60)], self.exit1)
        self.exit2 = self._exit_pedimento("26  24  3420  6100902", date(2026, 3, 15))
        self._deliver([(self.terminal, 800)], self.exit2)
        # the user's day, as the reports read it (end of day in the user's time zone)
        self.today = fields.Date.context_today(self.Query)

    # ------------------------------------------------------------------ helpers
    def _record_correction(self):
        """A reversal of P2's wire row of exit 1, effective 1 March, recorded three days
        from now (what an auditor asks about: a correction recorded after the report)."""
        row = self.Discharge.search(
            [("import_line_id", "=", self.p2_wire.id), ("exit_pedimento_id", "=", self.exit1.id)]
        )
        self.assertAlmostEqual(row.quantity, 26.0)
        self.env.flush_all()
        self.env.cr.execute(
            SQL(
                """
                INSERT INTO l10n_mx_immex_discharge
                    (import_line_id, import_pedimento_id, product_id, quantity, quantity_tariff,
                     date, kind, reversed_id, company_id, is_directed, create_date, create_uid)
                VALUES (%s, %s, %s, -26.0, -0.52, %s, 'reversal', %s, %s, FALSE, %s, %s)
                """,
                row.import_line_id.id,
                row.import_pedimento_id.id,
                row.product_id.id,
                date(2026, 3, 1),
                row.id,
                self.company.id,
                datetime.now() + timedelta(days=3),
                self.env.uid,
            )
        )
        return row

    def _by_line(self, date_at, known_at=None):
        rows = self.Query._balances_by_line(self.company, date_at, known_at)
        return {row["line_id"]: row for row in rows}

    def _wizard(self, **vals):
        vals.setdefault("company_id", self.company.id)
        return self.Wizard.create(vals)

    # ------------------------------------------------------------------ balances
    def test_balances_by_line_as_of_past_dates(self):
        jan = self._by_line(date(2026, 1, 31))
        self.assertEqual(set(jan), {self.p1_wire.id})  # P2 cleared in February
        self.assertAlmostEqual(jan[self.p1_wire.id]["balance_umc"], 100.0)
        feb = self._by_line(date(2026, 2, 28))
        self.assertEqual(
            {k: v["balance_umc"] for k, v in feb.items()},
            {self.p1_wire.id: 100.0, self.p2_wire.id: 100.0, self.p2_term.id: 1000.0},
        )
        mid_march = self._by_line(date(2026, 3, 10))
        self.assertAlmostEqual(mid_march[self.p1_wire.id]["balance_umc"], 0.0)
        self.assertAlmostEqual(mid_march[self.p2_wire.id]["balance_umc"], 74.0)
        self.assertAlmostEqual(mid_march[self.p2_term.id]["balance_umc"], 760.0)
        self.assertAlmostEqual(mid_march[self.p2_wire.id]["balance_umt"], 1.48)  # 74 x 0.02
        self.assertAlmostEqual(mid_march[self.p2_wire.id]["balance_usd"], 111.0)  # 74 x 1.5
        self.assertAlmostEqual(mid_march[self.p2_wire.id]["discharged_umc"], 26.0)
        self.assertEqual(mid_march[self.p2_wire.id]["expiry_date"], date(2027, 8, 10))
        self.assertEqual(mid_march[self.p2_wire.id]["months_limit"], 18)
        self.assertEqual(mid_march[self.p2_wire.id]["days_to_expiry"], 518)
        self.assertEqual(mid_march[self.p2_wire.id]["material_type"], "insumo")
        self.assertEqual(mid_march[self.p2_wire.id]["umt"], self.uom_kg.name)
        march = self._by_line(date(2026, 3, 31))
        self.assertAlmostEqual(march[self.p2_term.id]["balance_umc"], 0.0)
        # today's figures equal the stored cache
        for line in self.p1_wire | self.p2_wire | self.p2_term:
            self.assertAlmostEqual(march[line.id]["balance_umc"], line.qty_balance)

    def test_balances_by_fraction_and_product(self):
        rows = self.Query._balances_by_fraction(self.company, date(2026, 3, 10))
        by_fraction = {row["fraction_id"]: row for row in rows}
        wire = by_fraction[self.fraction_wire.id]
        self.assertEqual(wire["fraction"], self.fraction_wire.code[:8])
        self.assertEqual(wire["nico"], self.fraction_wire.code[8:10])
        self.assertAlmostEqual(wire["imported_umt"], 4.0)  # 200 m x 0.02 kg
        self.assertAlmostEqual(wire["balance_umt"], 1.48)
        self.assertAlmostEqual(wire["discharged_umt"], 2.52)
        self.assertAlmostEqual(wire["imported_usd"], 300.0)
        self.assertAlmostEqual(wire["discharged_usd"], 189.0)
        self.assertAlmostEqual(wire["balance_usd"], 111.0)
        self.assertAlmostEqual(wire["discharged_percent"], 63.0)
        self.assertEqual(wire["open_lines"], 1)
        self.assertEqual(wire["next_expiry"], date(2027, 8, 10))
        self.assertAlmostEqual(wire["expired_umt"], 0.0)
        terminal = by_fraction[self.fraction_terminal.id]
        self.assertAlmostEqual(terminal["balance_umt"], 760.0)
        self.assertAlmostEqual(terminal["balance_usd"], 1140.0)
        # expired at a later cut-off: P2's wire is past 10 Aug 2027
        late = {
            r["fraction_id"]: r
            for r in self.Query._balances_by_fraction(self.company, date(2027, 8, 20))
        }
        self.assertAlmostEqual(late[self.fraction_wire.id]["expired_umt"], 1.48)
        self.assertFalse(late[self.fraction_wire.id]["next_expiry"])
        products = {
            r["product_id"]: r
            for r in self.Query._balances_by_product(self.company, date(2026, 3, 10))
        }
        self.assertAlmostEqual(products[self.wire.id]["balance_umc"], 74.0)
        self.assertAlmostEqual(products[self.wire.id]["imported_umc"], 200.0)
        self.assertEqual(products[self.wire.id]["open_lines"], 1)
        # filters: one fraction only
        only = self.Query._balances_by_fraction(
            self.company, date(2026, 3, 10), filters={"fraction_ids": self.fraction_terminal.ids}
        )
        self.assertEqual([r["fraction_id"] for r in only], self.fraction_terminal.ids)

    def test_as_known_at_an_earlier_recording_date(self):
        self._record_correction()
        # as of March, asked now: the correction effective 1 March counts
        self.assertAlmostEqual(
            self._by_line(date(2026, 3, 10))[self.p2_wire.id]["balance_umc"], 100.0
        )
        # as the system said it today: without the correction recorded later
        known_today = self._by_line(date(2026, 3, 10), known_at=self.today)
        self.assertAlmostEqual(known_today[self.p2_wire.id]["balance_umc"], 74.0)
        later = self._by_line(date(2026, 3, 10), known_at=self.today + timedelta(days=5))
        self.assertAlmostEqual(later[self.p2_wire.id]["balance_umc"], 100.0)
        # before the lines were recorded, the system knew nothing
        self.assertFalse(self._by_line(date(2026, 3, 10), known_at=self.today - timedelta(days=2)))
        # the screen reads the same layer
        Screen = self.env["l10n_mx_immex.report.balance"].with_context(
            l10n_mx_immex_date_at="2026-03-10",
            l10n_mx_immex_known_at=self.today.isoformat(),
            allowed_company_ids=self.company.ids,
        )
        groups = dict(
            Screen._read_group(
                [("fraction_id", "=", self.fraction_wire.id)],
                ["fraction_id"],
                ["balance_tariff:sum"],
            )
        )
        self.assertAlmostEqual(groups[self.fraction_wire], 1.48)
        screen_now = Screen.with_context(l10n_mx_immex_known_at=False).search(
            [("line_id", "=", self.p2_wire.id)]
        )
        self.assertAlmostEqual(screen_now.balance, 100.0)

    # ------------------------------------------------------------------ entries / exits
    def test_entries(self):
        rows = self.Query._entries(self.company, date(2026, 2, 1), date(2026, 2, 28))
        self.assertEqual(len(rows), 2)
        wire = next(r for r in rows if r["line_id"] == self.p2_wire.id)
        self.assertEqual(wire["pedimento"], self.p2.name)
        self.assertEqual(wire["key"], "IN")
        self.assertEqual(wire["entry_date"], date(2026, 2, 10))
        self.assertAlmostEqual(wire["qty_umc"], 100.0)
        self.assertAlmostEqual(wire["qty_umt"], 2.0)
        self.assertAlmostEqual(wire["value_usd"], 150.0)
        self.assertAlmostEqual(wire["balance_umc"], 100.0)  # at the end of February
        self.assertEqual(wire["months_limit"], 18)
        self.assertEqual(wire["data_origin"], "manual (agente aduanal)")
        # registered today, months after clearance: not within 48 h
        self.assertFalse(wire["within_48h"])
        quarter = self.Query._entries(self.company, date(2026, 1, 1), date(2026, 3, 31))
        self.assertEqual(
            {r["line_id"]: r["balance_umc"] for r in quarter},
            {self.p1_wire.id: 0.0, self.p2_wire.id: 74.0, self.p2_term.id: 0.0},
        )

    def test_exits_and_pending(self):
        rows = self.Query._exits(self.company, date(2026, 3, 1), date(2026, 3, 31))
        by_doc = {(r["document"], r["part_number"]): r for r in rows}
        harness = by_doc[self.exit1.name, "H100"]
        self.assertAlmostEqual(harness["qty_umc"], 60.0)
        self.assertEqual(harness["discharge_state"], "descargado")
        self.assertEqual(harness["date"], date(2026, 3, 1))
        self.assertEqual(harness["partner"], self.customer.name)
        terminals = by_doc[self.exit2.name, "TERM-28"]
        self.assertAlmostEqual(terminals["qty_umc"], 800.0)
        self.assertEqual(terminals["discharge_state"], "parcial")
        self.assertAlmostEqual(terminals["qty_pending"], 40.0)
        pending = self.Query._pending(self.company, date(2026, 3, 31))
        self.assertEqual(len(pending), 1)
        self.assertAlmostEqual(pending[0]["qty_open"], 40.0)
        self.assertEqual(pending[0]["reason"], "sin saldo")
        self.assertEqual(pending[0]["age_days"], 16)
        self.assertFalse(self.Query._pending(self.company, date(2026, 3, 14)))

    def test_discharges_with_balances_before_and_after(self):
        rows = self.Query._discharges(self.company, date(2026, 3, 1), date(2026, 3, 31))
        self.assertEqual(len(rows), 4)
        p1 = next(r for r in rows if r["import_pedimento"] == self.p1.name)
        self.assertAlmostEqual(p1["balance_before"], 100.0)
        self.assertAlmostEqual(p1["balance_after"], 0.0)
        self.assertEqual(p1["finished_product"], "H100")
        self.assertEqual(p1["exit_key"], "RT")
        self.assertAlmostEqual(p1["value_usd"], 150.0)
        terms = [r for r in rows if r["material"] == "TERM-28"]
        # P2's terminals: 1,000 -> 760 on 1 March, 760 -> 0 on 15 March
        self.assertEqual(
            [(r["balance_before"], r["balance_after"]) for r in terms],
            [(1000.0, 760.0), (760.0, 0.0)],
        )
        self.assertEqual({r["status"] for r in rows}, {"vigente"})
        row = self._record_correction()
        rows = self.Query._discharges(self.company, date(2026, 3, 1), date(2026, 3, 31))
        self.assertEqual(len(rows), 5)
        reversed_row = next(r for r in rows if r["discharge_id"] == row.id)
        self.assertTrue(reversed_row["status"].startswith("revertido el 2026-03-01"))
        reversal = next(r for r in rows if r["kind"] == "reversión")
        self.assertAlmostEqual(reversal["balance_before"], 74.0)
        self.assertAlmostEqual(reversal["balance_after"], 100.0)
        known = self.Query._discharges(
            self.company, date(2026, 3, 1), date(2026, 3, 31), known_at=self.today
        )
        self.assertEqual(len(known), 4)
        self.assertEqual({r["status"] for r in known}, {"vigente"})

    # ------------------------------------------------------------------ section 6
    def test_waste_expiring_and_registration(self):
        waste = self.Query._waste(self.company, date(2026, 3, 31))
        self.assertEqual(len(waste), 1)
        self.assertEqual(waste[0]["material"], "WIRE-18")
        self.assertAlmostEqual(waste[0]["qty_pending"], 12.0)  # 60 x 2 m x 10 %
        self.assertEqual(waste[0]["age_days"], 30)
        self.assertEqual(waste[0]["import_line"], f"{self.p2.name} / {self.p2_wire.sequence}")
        self.assertFalse(self.Query._waste(self.company, date(2026, 2, 28)))
        expiring = self.Query._expiring(self.company, date(2027, 6, 1))
        self.assertEqual(
            [(r["line_id"], r["bucket"]) for r in expiring], [(self.p2_wire.id, "90 días")]
        )
        expired = self.Query._expiring(self.company, date(2027, 8, 20))
        self.assertEqual([r["bucket"] for r in expired], ["vencido"])
        registration = self.Query._registration(self.company, date(2026, 1, 1), date(2026, 2, 28))
        # both registered today, months late: the longest delay first
        self.assertEqual([r["pedimento"] for r in registration], [self.p1.name, self.p2.name])
        self.assertTrue(all(r["late"] for r in registration))
        self.assertEqual([r["lines"] for r in registration], [1, 2])
        self.assertGreater(registration[0]["delay_hours"], registration[1]["delay_hours"])
        self.assertGreater(registration[1]["delay_hours"], 48)

    def test_return_ratio(self):
        rows = self.Query._return_ratio(self.company, date(2026, 3, 31))
        self.assertEqual(len(rows), 12)
        self.assertEqual(rows[0]["month"], "2025-04")
        self.assertEqual(rows[-1]["month"], "2026-03")
        by_month = {r["month"]: r for r in rows}
        self.assertAlmostEqual(by_month["2026-01"]["imported_usd"], 150.0)
        self.assertAlmostEqual(by_month["2026-02"]["imported_usd"], 1650.0)
        # 126 m + 240 + 760 terminals, USD 1.5 each
        self.assertAlmostEqual(by_month["2026-03"]["returned_usd"], 1689.0)
        self.assertAlmostEqual(by_month["2026-03"]["rolling_ratio"], 1689.0 / 1800.0 * 100)
        self.assertTrue(by_month["2026-03"]["threshold_80"])
        self.assertIsNone(by_month["2025-12"]["rolling_ratio"])
        self.assertAlmostEqual(by_month["2026-02"]["rolling_ratio"], 0.0)
        self.assertFalse(by_month["2026-02"]["threshold_60"])
        # a reversal takes back the value of the row it reverses
        self._record_correction()
        rows = self.Query._return_ratio(self.company, date(2026, 3, 31))
        self.assertAlmostEqual(rows[-1]["returned_usd"], 1650.0)
        known = self.Query._return_ratio(self.company, date(2026, 3, 31), known_at=self.today)
        self.assertAlmostEqual(known[-1]["returned_usd"], 1689.0)
        screen = self.env["l10n_mx_immex.report.return.ratio"]._l10n_mx_immex_fill(
            self.company, date(2026, 3, 31)
        )
        self.assertEqual(len(screen), 12)
        self.assertAlmostEqual(screen[-1].returned_usd, 1650.0)

    def test_materials_used_and_bom_drift(self):
        self._stock(self.wire, 50)
        self._stock(self.terminal, 50)
        mo_form = Form(self.env["mrp.production"])
        mo_form.product_id = self.harness
        mo_form.product_qty = 5
        mo = mo_form.save()
        mo.action_confirm()
        for move in mo.move_raw_ids:
            move.quantity = 11.55 if move.product_id == self.wire else 20
            move.picked = True
        mo.qty_producing = 5
        mo.button_mark_done()
        usage_date = mo.l10n_mx_immex_usage_ids[:1].date
        rows = self.Query._materials_used(self.company, usage_date, usage_date)
        wire = next(r for r in rows if r["material"] == "WIRE-18")
        self.assertEqual(wire["production"], mo.name)
        self.assertEqual(wire["product"], "H100")
        self.assertAlmostEqual(wire["qty_produced"], 5.0)
        self.assertAlmostEqual(wire["merma_percent"], 5.0)
        self.assertAlmostEqual(wire["desperdicio_percent"], 10.0)
        self.assertAlmostEqual(wire["qty_total"], 11.55)
        self.assertAlmostEqual(wire["qty_incorporated"], 11.0)  # 11.55 / 1.05
        self.assertAlmostEqual(wire["qty_merma"], 0.55)
        self.assertAlmostEqual(wire["qty_theoretical"], 10.5)  # 5 x 2 m x 1.05
        self.assertAlmostEqual(wire["qty_drift"], 1.05)
        self.assertAlmostEqual(wire["qty_umt"], 0.23)  # 11.55 m x 0.02 kg, stored to 0.01
        drift = self.Query._bom_drift(self.company, usage_date, usage_date)
        self.assertEqual(drift[0]["material"], "WIRE-18")  # alerts first
        self.assertAlmostEqual(drift[0]["drift_percent"], 10.0)
        self.assertTrue(drift[0]["alert"])
        self.assertFalse(next(r for r in drift if r["material"] == "TERM-28")["alert"])

    # ------------------------------------------------------------------ files
    def test_xlsx_read_back(self):
        wizard = self._wizard(report_type="balances", date_at=date(2026, 3, 10), file_format="xlsx")
        action = wizard.action_export()
        self.assertEqual(action["type"], "ir.actions.act_url")
        self.assertIn(str(wizard.attachment_id.id), action["url"])
        book = openpyxl.load_workbook(io.BytesIO(wizard.attachment_id.raw))
        self.assertEqual(
            book.sheetnames,
            ["Encabezado", "Saldos por fracción", "Saldos por partida", "Saldos por producto"],
        )
        header = {row[0].value: row[1].value for row in book["Encabezado"].iter_rows()}
        self.assertEqual(header["Empresa"], "Arneses del Bravo SA de CV")
        self.assertEqual(header["RFC"], "ABR010203AB1")
        self.assertEqual(header["Programa IMMEX"], "IMMEX-2024-0001")
        self.assertEqual(header["Periodo o fecha de corte"], "Al 2026-03-10")
        sheet = book["Saldos por fracción"]
        rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
        self.assertEqual(rows[0], [col[1] for col in layouts.BALANCES_FRACTION])
        self.assertEqual(sheet.freeze_panes, "A2")
        self.assertTrue(sheet.auto_filter.ref.startswith("A1:"))
        data = {r[0]: r for r in rows[1:-1]}
        wire = data[self.fraction_wire.code[:8]]
        self.assertAlmostEqual(wire[6], 1.48)  # Saldo UMT
        self.assertAlmostEqual(wire[9], 111.0)  # Saldo USD
        totals = rows[-1]
        self.assertEqual(totals[0], "Total")
        self.assertAlmostEqual(totals[9], 111.0 + 1140.0)
        self.assertEqual(totals[12], 2)  # lines with balance
        self.assertIsNone(totals[6])  # quantities of different units are not added
        self.assertEqual(sheet.cell(2, 8).number_format, "#,##0.00")

    def test_xlsx_splits_past_the_row_limit(self):
        columns = layouts.BALANCES_PRODUCT
        content = report_files.write_xlsx(
            [("Empresa", "X")],
            [("Saldos", columns, ({"part_number": str(i), "balance_usd": 1.0} for i in range(7)))],
            max_rows=4,
        )
        book = openpyxl.load_workbook(io.BytesIO(content))
        # 3 rows a sheet: the header row and two data rows (the last keeps one for totals)
        self.assertEqual(
            book.sheetnames, ["Encabezado", "Saldos", "Saldos (2)", "Saldos (3)", "Saldos (4)"]
        )
        self.assertEqual(
            [c.value for c in next(book["Saldos (2)"].iter_rows())], [c[1] for c in columns]
        )
        last = [[c.value for c in row] for row in book["Saldos (4)"].iter_rows()]
        self.assertEqual(last[-1][0], "Total")
        self.assertAlmostEqual(last[-1][10], 7.0)

    def test_xml_validates_against_its_xsd(self):
        for report_type in ("balances", "discharges", "entries", "exits", "return_ratio"):
            wizard = self._wizard(
                report_type=report_type,
                date_from=date(2026, 1, 1),
                date_to=date(2026, 3, 31),
                date_at=date(2026, 3, 10),
                file_format="xml",
            )
            wizard.action_export()
            content = wizard.attachment_id.raw
            self.assertTrue(report_files.validate_xml(content))
            root = etree.fromstring(content)
            self.assertEqual(root.get("tipo"), report_type)
        ns = {"a": report_files.NAMESPACE}
        wizard = self._wizard(report_type="balances", date_at=date(2026, 3, 10), file_format="xml")
        wizard.action_export()
        root = etree.fromstring(wizard.attachment_id.raw)
        self.assertEqual(root.find("a:Encabezado/a:Dato[@clave='rfc']", ns).text, "ABR010203AB1")
        line_rows = root.findall("a:Hoja[@clave='line']/a:Fila", ns)
        self.assertEqual(len(line_rows), 3)
        balances = sorted(float(r.find("a:balance_umc", ns).text) for r in line_rows)
        self.assertEqual(balances, [0.0, 74.0, 760.0])
        # a document that breaks the schema is refused
        line_rows[0].find("a:expiry_date", ns).text = "10/08/2027"
        with self.assertRaises(etree.DocumentInvalid):
            report_files.validate_xml(etree.tostring(root))

    def test_pdf_renders(self):
        for report_type in ("balances", "discharges"):
            wizard = self._wizard(
                report_type=report_type,
                date_from=date(2026, 3, 1),
                date_to=date(2026, 3, 31),
                date_at=date(2026, 3, 10),
                file_format="pdf",
            )
            # tests render HTML unless told otherwise: this one makes the real PDF
            wizard.with_context(force_report_rendering=True).action_export()
            self.assertTrue(wizard.attachment_id.raw.startswith(b"%PDF"))
            html = (
                self.env["ir.actions.report"]
                ._render_qweb_html(
                    "l10n_mx_immex_annex24.action_report_l10n_mx_immex_annex24", wizard.ids
                )[0]
                .decode()
            )
            self.assertIn("ABR010203AB1", html)
            self.assertIn("Arneses del Bravo SA de CV", html)
        self.assertIn("Saldo anterior", html)
        wizard = self._wizard(report_type="entries", file_format="pdf")
        with self.assertRaises(UserError):
            wizard.action_export()

    # ------------------------------------------------------------------ access
    def test_access_and_auditor_log(self):
        stranger = self._new_user("report_stranger", "base.group_user")
        with self.assertRaises(AccessError):
            self._wizard(report_type="balances").with_user(stranger).action_export()
        other = self.env["res.company"].create({"name": "Other plant"})
        manager = self._new_user(
            "report_manager", "l10n_mx_immex_annex24.group_immex_manager,base.group_user"
        )
        wizard = self.Wizard.with_user(manager).create(
            {"report_type": "balances", "company_id": other.id}
        )
        with self.assertRaises(AccessError):
            wizard.action_export()
        auditor = self._new_user("report_auditor", "l10n_mx_immex_annex24.group_sat_auditor")
        auditor.write(
            {
                "l10n_mx_immex_auditor_valid_from": self.today - timedelta(days=1),
                "l10n_mx_immex_auditor_valid_until": self.today + timedelta(days=30),
            }
        )
        Log = self.env["l10n_mx_immex.access.log"]
        before = Log.search_count([("user_id", "=", auditor.id)])
        wizard = self.Wizard.with_user(auditor).create(
            {"report_type": "balances", "date_at": date(2026, 3, 10)}
        )
        wizard.action_export()
        logs = Log.search([("user_id", "=", auditor.id)], order="id")
        self.assertEqual(len(logs) - before, 1)
        self.assertEqual(logs[-1].action, "export")
        self.assertEqual(logs[-1].report_type, "balances.xlsx")
        # the auditor reads the balance screen too
        screen = (
            self.env["l10n_mx_immex.report.balance"]
            .with_user(auditor)
            .with_context(l10n_mx_immex_date_at="2026-03-10")
            .search([])
        )
        self.assertEqual(len(screen), 3)

    def test_expiry_activities_once(self):
        Alert = self.env["l10n_mx_immex.expiry.alert"]
        first = Alert._l10n_mx_immex_alert_company(self.company, today=date(2027, 7, 1))
        # P2's wire (74 m) expires on 10 Aug 2027, within 60 days; P1's line is closed
        self.assertEqual(first.line_id, self.p2_wire)
        self.assertEqual(first.kind, "expiring")
        activity = first.activity_id
        self.assertEqual(activity.res_id, self.p2.id)
        self.assertEqual(activity.date_deadline, date(2027, 8, 10))
        self.assertIn("2027-08-10", activity.summary)
        self.assertFalse(Alert._l10n_mx_immex_alert_company(self.company, today=date(2027, 7, 2)))
        expired = Alert._l10n_mx_immex_alert_company(self.company, today=date(2027, 8, 20))
        self.assertEqual(expired.kind, "expired")
        self.assertFalse(Alert._l10n_mx_immex_alert_company(self.company, today=date(2027, 8, 21)))
        activities = self.env["mail.activity"].search(
            [("res_model", "=", "l10n_mx_immex.pedimento"), ("res_id", "=", self.p2.id)]
        )
        self.assertEqual(len(activities.filtered(lambda a: "6000902" in (a.summary or ""))), 2)
        # a longer horizon is another alert for the same line
        self.company.l10n_mx_immex_expiry_horizon_days = 90
        self.assertFalse(Alert._l10n_mx_immex_alert_company(self.company, today=date(2027, 5, 1)))
        longer = Alert._l10n_mx_immex_alert_company(self.company, today=date(2027, 5, 20))
        self.assertEqual(longer.horizon_days, 90)


@tagged("post_install", "-at_install")
class TestBalanceCache(DischargeCommon):
    """The stored balance is a cache: it equals the ledger for every line of the database
    (demo data included), after exits of every kind."""

    def test_cache_equals_ledger_for_every_line(self):
        p1 = self._import("26  24  3420  6000951", date(2026, 1, 10), [(self.wire, 100)])
        exit_ped = self._exit_pedimento("26  24  3420  6100951", date(2026, 3, 1))
        self._deliver([(self.harness, 30)], exit_ped)
        self.assertAlmostEqual(p1.line_ids.qty_balance, 37.0)  # 100 - 30 x 2.1
        self.env.flush_all()
        companies = self.env["res.company"].sudo().search([]).ids
        rows = self.env.execute_query_dict(
            self.env["l10n_mx_immex.report.query"]._balance_lines_sql(companies, date(9999, 12, 31))
        )
        ledger = {row["line_id"]: row["balance"] for row in rows}
        stored = dict(
            self.env.execute_query(
                SQL("SELECT id, qty_balance FROM l10n_mx_immex_pedimento_line WHERE is_temporary")
            )
        )
        self.assertIn(p1.line_ids.id, ledger)
        self.assertEqual(set(ledger), set(stored))
        drift = {
            line_id: (stored[line_id], balance)
            for line_id, balance in ledger.items()
            if abs(stored[line_id] - balance) > 1e-6
        }
        self.assertEqual(drift, {})
