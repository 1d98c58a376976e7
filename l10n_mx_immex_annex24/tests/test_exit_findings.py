# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.exceptions import AccessError, UserError
from odoo.tests import tagged

from .test_discharge import DischargeCommon


@tagged("post_install", "-at_install")
class TestExitFindings(DischargeCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.p1 = cls._import("26  24  3420  6000801", date(2026, 1, 10), [(cls.terminal, 100)])
        cls.Finding = cls.env["l10n_mx_immex.finding"]
        cls.no_ped = cls.env["l10n_mx_immex.pedimento"]

    def _bodies(self, picking):
        return "".join(picking.message_ids.mapped("body"))

    def test_exit_abroad_without_pedimento_refused(self):
        with self.assertRaisesRegex(UserError, "without an export pedimento"):
            self._deliver([(self.harness, 5)], self.no_ped)
        self.assertFalse(self.Finding.search([("product_id", "=", self.harness.id)]))

    def test_exit_abroad_without_pedimento_warned_and_recorded(self):
        self.company.l10n_mx_immex_missing_pedimento = "warn"
        manager = self._new_user("compliance13", "l10n_mx_immex_annex24.group_immex_manager")
        self.company.l10n_mx_immex_compliance_user_id = manager
        picking = self._deliver([(self.harness, 5)], self.no_ped)
        finding = self.Finding.search([("picking_id", "=", picking.id)])
        self.assertEqual(finding.kind, "exit_without_pedimento")
        self.assertEqual(finding.product_id, self.harness)
        self.assertAlmostEqual(finding.quantity, 5.0)
        self.assertEqual(finding.state, "open")
        self.assertIn("without an export pedimento", self._bodies(picking))
        self.assertEqual(picking.activity_ids.user_id, manager)
        # nothing discharged, nothing silently pending
        self.assertFalse(self.Discharge.search([("move_id", "in", picking.move_ids.ids)]))
        self.assertAlmostEqual(self._line(self.p1, self.terminal).qty_balance, 100.0)
        # compliance reviews it; a warehouse user can neither review nor rewrite it
        user = self._new_user("whs13", "l10n_mx_immex_annex24.group_immex_user")
        with self.assertRaises(AccessError):
            finding.with_user(user).action_mark_reviewed()
        with self.assertRaises(AccessError):
            finding.with_user(manager).write({"quantity": 1.0})
        finding.with_user(manager).write({"note": "RT pedimento filed on Monday"})
        finding.with_user(manager).action_mark_reviewed()
        self.assertEqual(finding.state, "reviewed")
        self.assertEqual(finding.reviewed_uid, manager)

    def test_exit_to_mexican_customer_or_uncontrolled_goods_needs_nothing(self):
        mx_customer = self.env["res.partner"].create(
            {"name": "Ensambles de Juarez", "country_id": self.mx.id}
        )
        self._stock(self.harness, 2)
        picking = self.env["stock.picking"].create(
            {
                "partner_id": mx_customer.id,
                "picking_type_id": self.warehouse.out_type_id.id,
                "location_id": self.stock_location.id,
                "location_dest_id": self.customer_location.id,
                "move_ids": [
                    (
                        0,
                        0,
                        {
                            "product_id": self.harness.id,
                            "product_uom_qty": 2,
                            "location_id": self.stock_location.id,
                            "location_dest_id": self.customer_location.id,
                        },
                    )
                ],
            }
        )
        picking.action_confirm()
        picking.move_ids.quantity = 2
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self._deliver([(self.office_supplies, 3)], self.no_ped)
        # a product of the plant that is not classified for IMMEX, even with a BOM
        kit = self._create_product("Promo kit", "KIT", uom=self.uom_unit)
        self.env["mrp.bom"].create(
            {
                "product_tmpl_id": kit.product_tmpl_id.id,
                "product_qty": 1,
                "company_id": self.company.id,
                "bom_line_ids": [(0, 0, {"product_id": self.office_supplies.id})],
            }
        )
        self._deliver([(kit, 2)], self.no_ped)
        # the test company's findings (the demo company has findings of its own)
        self.assertFalse(self.Finding.search([("company_id", "=", self.company.id)]))

    def test_shortfall_announced_at_validation(self):
        exit_ped = self._exit_pedimento("26  24  3420  6100801", date(2026, 3, 1))
        picking = self._deliver([(self.terminal, 130)], exit_ped)
        pending = self.env["l10n_mx_immex.discharge.pending"].search(
            [("exit_pedimento_id", "=", exit_ped.id)]
        )
        self.assertAlmostEqual(pending.quantity, 30.0)
        self.assertIn("shortfall", self._bodies(picking))
        self.assertIn("30", self._bodies(picking))

    def test_expired_balance_skipped_is_reported(self):
        expired = self._import("24  24  3420  4000801", date(2024, 1, 12), [(self.terminal, 500)])
        exit_ped = self._exit_pedimento("26  24  3420  6100802", date(2026, 3, 1))
        # covered by P1: no shortfall, but FIFO skipped the older, expired balance
        picking = self._deliver([(self.terminal, 60)], exit_ped)
        self.assertAlmostEqual(self._line(self.p1, self.terminal).qty_balance, 40.0)
        finding = self.Finding.search(
            [("kind", "=", "expired_skipped"), ("company_id", "=", self.company.id)]
        )
        self.assertEqual(finding.pedimento_line_id, self._line(expired, self.terminal))
        self.assertAlmostEqual(finding.quantity, 500.0)
        self.assertEqual(finding.picking_id, picking)
        self.assertIn("Expired Annex 24 balances were skipped", self._bodies(picking))
        self.assertNotIn("shortfall", self._bodies(picking))
        # a second exit warns again but does not repeat the open finding
        exit2 = self._exit_pedimento("26  24  3420  6100803", date(2026, 3, 2))
        picking2 = self._deliver([(self.terminal, 10)], exit2)
        self.assertIn("Expired Annex 24 balances were skipped", self._bodies(picking2))
        self.assertEqual(
            self.Finding.search_count(
                [("kind", "=", "expired_skipped"), ("company_id", "=", self.company.id)]
            ),
            1,
        )
