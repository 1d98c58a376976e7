# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import io
import unittest
from datetime import date

import openpyxl

from odoo.fields import Command
from odoo.tests import HttpCase, new_test_user, tagged


@tagged("post_install", "-at_install")
class TestReportsInBrowser(HttpCase):
    """The reports in a real browser (Debian's headless Chromium)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        cls.company = env.ref("base.main_company")
        kg = env.ref("uom.product_uom_kgm")
        unit = env.ref("uom.product_uom_unit")
        meter = env.ref("uom.product_uom_meter")
        Fraction = env["l10n_mx_catalogs.c_fraccion"]
        cls.fraction_wire = Fraction.search([("code", "=like", "8544%")], limit=1)
        cls.fraction_terminal = Fraction.search([("code", "=like", "8536%")], limit=1)

        def product(name, uom, umt, fraction, factor):
            return env["product.product"].create(
                {
                    "name": name,
                    "default_code": name.upper().replace(" ", "-"),
                    "is_storable": True,
                    "uom_id": uom.id,
                    "l10n_mx_immex_type": "input",
                    "l10n_mx_immex_fraction_id": fraction.id,
                    "l10n_mx_immex_uom_tariff_id": umt.id,
                    "l10n_mx_immex_tariff_factor": factor,
                    "company_id": cls.company.id,
                }
            )

        cls.wire = product("Tour wire", meter, kg, cls.fraction_wire, 0.02)
        cls.terminal = product("Tour terminal", unit, unit, cls.fraction_terminal, 1.0)
        cls.supplier = env["res.partner"].create(
            {"name": "Tour supplier", "country_id": env.ref("base.us").id}
        )
        cls.key_in = env.ref("l10n_mx_immex_annex24.pedimento_key_in")
        ped = env["l10n_mx_immex.pedimento"].create(
            {
                "name": "26  24  3420  6009801",
                "operation": "import",
                "key_id": cls.key_in.id,
                "regime_id": env.ref("l10n_mx_immex_annex24.customs_regime_ite").id,
                "entry_date": date(2026, 2, 10),
                "partner_id": cls.supplier.id,
                "company_id": cls.company.id,
                "line_ids": [
                    Command.create({"product_id": cls.wire.id, "quantity": 100, "value_usd": 150}),
                    Command.create(
                        {"product_id": cls.terminal.id, "quantity": 1000, "value_usd": 1500}
                    ),
                ],
            }
        )
        ped.action_confirm()
        cls.manager = new_test_user(
            env,
            login="tour_compliance",
            groups="base.group_user,l10n_mx_immex_annex24.group_immex_manager",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.warehouse_user = new_test_user(
            env,
            login="tour_warehouse",
            groups="base.group_user,stock.group_stock_user,l10n_mx_immex_annex24.group_immex_user",
            company_id=cls.company.id,
            company_ids=[Command.set(cls.company.ids)],
        )
        cls.warehouse = env["stock.warehouse"].search(
            [("company_id", "=", cls.company.id)], limit=1
        )

    def _browser(self, method, *args, **kwargs):
        # HttpCase skips when Chrome cannot start: that must not pass as a green test
        try:
            return method(*args, **kwargs)
        except unittest.SkipTest as err:
            self.fail(f"The browser test could not run: {err}")

    def test_balances_by_fraction_as_of_a_past_date_downloaded(self):
        self._browser(
            self.start_tour,
            "/odoo/action-l10n_mx_immex_annex24.l10n_mx_immex_report_balance_action",
            "l10n_mx_immex_balances_as_of",
            login="tour_compliance",
        )
        wizard = self.env["l10n_mx_immex.report.wizard"].search(
            [("create_uid", "=", self.manager.id), ("attachment_id", "!=", False)]
        )
        self.assertEqual(len(wizard), 1)  # the dialog that showed the screen has no file
        self.assertEqual(wizard.date_at, date(2026, 3, 10))
        self.assertEqual(len(wizard.fraction_ids), 1)
        self.assertTrue(wizard.fraction_ids.code.startswith("8536"))
        book = openpyxl.load_workbook(io.BytesIO(wizard.attachment_id.raw))
        header = {row[0].value: row[1].value for row in book["Encabezado"].iter_rows()}
        self.assertEqual(header["Empresa"], self.company.name)
        self.assertEqual(header["Periodo o fecha de corte"], "Al 2026-03-10")
        rows = list(book["Saldos por fracción"].iter_rows(values_only=True))
        self.assertEqual(rows[0][0], "Fracción")
        # the chosen fraction only, then the totals row, with the query layer's figures
        self.assertEqual([r[0] for r in rows[1:]], [wizard.fraction_ids.code[:8], "Total"])
        expected = self.env["l10n_mx_immex.report.query"]._balances_by_fraction(
            self.company, date(2026, 3, 10), filters={"fraction_ids": wizard.fraction_ids.ids}
        )
        self.assertAlmostEqual(rows[1][6], expected[0]["balance_umt"])

    def test_warehouse_user_receipt_opens_balance(self):
        ped = self.env["l10n_mx_immex.pedimento"].create(
            {
                "name": "26  24  3420  6009802",
                "operation": "import",
                "key_id": self.key_in.id,
                "regime_id": self.env.ref("l10n_mx_immex_annex24.customs_regime_ite").id,
                "entry_date": date.today(),
                "partner_id": self.supplier.id,
                "company_id": self.company.id,
                "line_ids": [Command.create({"product_id": self.wire.id, "quantity": 50})],
            }
        )
        src = self.env.ref("stock.stock_location_suppliers")
        dest = self.warehouse.lot_stock_id
        picking = self.env["stock.picking"].create(
            {
                "partner_id": self.supplier.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "location_id": src.id,
                "location_dest_id": dest.id,
                "l10n_mx_immex_pedimento_id": ped.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": self.wire.id,
                            "product_uom_qty": 50,
                            "location_id": src.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.quantity = 50
        picking.move_ids.picked = True
        self._browser(
            self.start_tour,
            f"/odoo/action-stock.action_picking_tree_all/{picking.id}",
            "l10n_mx_immex_receipt_opens_balance",
            login="tour_warehouse",
        )
        self.assertEqual(picking.state, "done")
        self.assertEqual(ped.state, "confirmed")
        self.assertAlmostEqual(ped.line_ids.qty_balance, 50.0)
