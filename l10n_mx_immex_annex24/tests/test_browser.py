# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import unittest
from datetime import date

from odoo.fields import Command
from odoo.tests import Form, HttpCase, tagged


@tagged("post_install", "-at_install")
class TestAnnex24Menus(HttpCase):
    """Every Annex 24 menu opens, with data in it, without a client error."""

    allow_end_on_form = True

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        env = cls.env
        company = env.ref("base.main_company")
        cls.company = company
        uom_unit = env.ref("uom.product_uom_unit")
        uom_m = env.ref("uom.product_uom_meter")
        kg = env.ref("uom.product_uom_kgm")
        fraction = env["l10n_mx_catalogs.c_fraccion"].search([("code", "=like", "8544%")], limit=1)

        def product(name, uom, kind):
            return env["product.product"].create(
                {
                    "name": name,
                    "is_storable": True,
                    "uom_id": uom.id,
                    "l10n_mx_immex_type": kind,
                    "l10n_mx_immex_fraction_id": fraction.id,
                    "l10n_mx_immex_uom_tariff_id": (kg if uom == uom_m else uom_unit).id,
                    "l10n_mx_immex_tariff_factor": 0.02 if uom == uom_m else 1.0,
                    "company_id": company.id,
                }
            )

        wire = product("Browser wire", uom_m, "input")
        terminal = product("Browser terminal", uom_unit, "input")
        harness = product("Browser harness", uom_unit, "finished")
        env["mrp.bom"].create(
            {
                "product_tmpl_id": harness.product_tmpl_id.id,
                "product_qty": 1,
                "company_id": company.id,
                "consumption": "flexible",
                "bom_line_ids": [
                    Command.create(
                        {
                            "product_id": wire.id,
                            "product_qty": 14.6,
                            "l10n_mx_immex_merma_percent": 1.5,
                        }
                    ),
                    Command.create({"product_id": terminal.id, "product_qty": 4}),
                ],
            }
        )
        warehouse = env["stock.warehouse"].search([("company_id", "=", company.id)], limit=1)
        for component, qty in ((wire, 1000), (terminal, 1000)):
            env["stock.quant"]._update_available_quantity(component, warehouse.lot_stock_id, qty)
        # two orders: one as the BOM says, one that uses too much wire (drift over 5 %)
        for qty, extra in ((5, 0.0), (3, 6.0)):
            mo_form = Form(env["mrp.production"])
            mo_form.product_id = harness
            mo_form.product_qty = qty
            mo = mo_form.save()
            mo.action_confirm()
            mo.qty_producing = qty
            for move in mo.move_raw_ids:
                move.quantity = move.product_uom_qty + (extra if move.product_id == wire else 0)
                move.picked = True
            mo.button_mark_done()
        # a delivery abroad without export pedimento (warn mode): a finding
        company.l10n_mx_immex_missing_pedimento = "warn"
        customer = env["res.partner"].create(
            {"name": "Browser customer", "country_id": env.ref("base.us").id}
        )
        customers = env.ref("stock.stock_location_customers")
        picking = env["stock.picking"].create(
            {
                "partner_id": customer.id,
                "picking_type_id": warehouse.out_type_id.id,
                "location_id": warehouse.lot_stock_id.id,
                "location_dest_id": customers.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": harness.id,
                            "product_uom_qty": 2,
                            "location_id": warehouse.lot_stock_id.id,
                            "location_dest_id": customers.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        cls.warehouse = warehouse
        cls.customer = customer
        cls.harness = harness
        cls.wire = wire
        cls.usage_count = env["l10n_mx_immex.material.usage"].search_count([])
        cls.finding_count = env["l10n_mx_immex.finding"].search_count([])
        cls.today = date.today()

    def _browser(self, method, *args, **kwargs):
        # HttpCase skips when Chrome cannot start: that must not pass as a green test
        try:
            return method(*args, **kwargs)
        except unittest.SkipTest as err:
            self.fail(f"The browser test could not run: {err}")

    def test_data_is_there(self):
        self.assertGreaterEqual(self.usage_count, 4)
        self.assertGreaterEqual(self.finding_count, 1)
        menus = self.env["ir.ui.menu"].search(
            [("id", "child_of", self.env.ref("l10n_mx_immex_annex24.l10n_mx_immex_menu_root").id)]
        )
        self.assertGreaterEqual(len(menus.filtered("action")), 14)

    def test_click_every_annex24_menu(self):
        # Odoo's clickbot opens every menu of the app, every view and every filter of each,
        # and fails on any client error (console.error, crashed view)
        self._browser(
            self.browser_js,
            "/odoo",
            "odoo.loader.modules.get('@web/webclient/clickbot/clickbot_loader')"
            ".startClickEverywhere('l10n_mx_immex_annex24.l10n_mx_immex_menu_root');",
            "odoo.isReady === true",
            login="admin",
            timeout=600,
            success_signal="clickbot test succeeded",
        )

    def test_bom_drift_groups_expand(self):
        self._browser(
            self.start_tour,
            "/odoo/action-l10n_mx_immex_annex24.l10n_mx_immex_material_usage_action_drift",
            "l10n_mx_immex_bom_drift_groups",
            login="admin",
        )

    def _ready_picking(self, picking_type, partner, src, dest, product, qty):
        picking = self.env["stock.picking"].create(
            {
                "partner_id": partner.id,
                "picking_type_id": picking_type.id,
                "location_id": src.id,
                "location_dest_id": dest.id,
                "move_ids": [
                    Command.create(
                        {
                            "product_id": product.id,
                            "product_uom_qty": qty,
                            "location_id": src.id,
                            "location_dest_id": dest.id,
                        }
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.quantity = qty
        picking.move_ids.picked = True
        return picking

    def test_receipt_in_warn_mode_from_the_screen(self):
        supplier = self.env["res.partner"].create(
            {"name": "Browser supplier", "country_id": self.env.ref("base.us").id}
        )
        picking = self._ready_picking(
            self.warehouse.in_type_id,
            supplier,
            self.env.ref("stock.stock_location_suppliers"),
            self.warehouse.lot_stock_id,
            self.wire,
            50,
        )
        self.assertTrue(picking.l10n_mx_immex_needs_pedimento)
        self._browser(
            self.start_tour,
            f"/odoo/action-stock.action_picking_tree_all/{picking.id}",
            "l10n_mx_immex_receipt_warn_mode",
            login="admin",
        )
        self.assertEqual(picking.state, "done")
        finding = self.env["l10n_mx_immex.finding"].search([("picking_id", "=", picking.id)])
        self.assertEqual(finding.kind, "receipt_without_pedimento")

    def test_delivery_abroad_in_warn_mode_from_the_screen(self):
        picking = self._ready_picking(
            self.warehouse.out_type_id,
            self.customer,
            self.warehouse.lot_stock_id,
            self.env.ref("stock.stock_location_customers"),
            self.harness,
            1,
        )
        self._browser(
            self.start_tour,
            f"/odoo/action-stock.action_picking_tree_all/{picking.id}",
            "l10n_mx_immex_delivery_abroad_warn_mode",
            login="admin",
        )
        self.assertEqual(picking.state, "done")
        finding = self.env["l10n_mx_immex.finding"].search([("picking_id", "=", picking.id)])
        self.assertEqual(finding.kind, "exit_without_pedimento")
