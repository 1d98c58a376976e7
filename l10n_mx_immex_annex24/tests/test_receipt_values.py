# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import Annex24Common


@tagged("post_install", "-at_install")
class TestReceiptValues(Annex24Common):
    def _purchase(self, currency, lines):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.supplier_us.id,
                "company_id": self.company.id,
                "currency_id": currency.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "order_line": [
                    Command.create({"product_id": p.id, "product_qty": qty, "price_unit": price})
                    for p, qty, price in lines
                ],
            }
        )
        order.button_confirm()
        return order

    def _validate(self, picking, ped, quantities=None):
        picking.l10n_mx_immex_pedimento_id = ped
        for move in picking.move_ids:
            move.quantity = (quantities or {}).get(move.product_id, move.product_uom_qty)
            move.picked = True
        if quantities:
            picking.with_context(cancel_backorder=True)._action_done()
        else:
            picking.button_validate()

    def test_values_from_a_purchase_in_usd(self):
        usd = self.env.ref("base.USD")
        order = self._purchase(usd, [(self.wire, 1000, 0.21), (self.terminal, 5000, 0.014)])
        ped = self._create_pedimento(exchange_rate=18.265)
        self._validate(order.picking_ids, ped)
        wire = ped.line_ids.filtered(lambda line: line.product_id == self.wire)
        term = ped.line_ids.filtered(lambda line: line.product_id == self.terminal)
        # 1,000 m x 0.21 USD = 210.00 USD; x 18.265 = 3,835.65 MXN
        self.assertAlmostEqual(wire.value_usd, 210.0)
        self.assertAlmostEqual(wire.value_mxn, 3835.65)
        # 5,000 x 0.014 = 70.00 USD; x 18.265 = 1,278.55 MXN
        self.assertAlmostEqual(term.value_usd, 70.0)
        self.assertAlmostEqual(term.value_mxn, 1278.55)

    def test_values_from_a_purchase_in_mxn_and_partial_receipt(self):
        mxn = self.env.ref("base.MXN")
        mxn.active = True
        order = self._purchase(mxn, [(self.wire, 1000, 4.0)])
        ped = self._create_pedimento(exchange_rate=20.0)
        # 600 of 1,000 m received: 600 x 4 MXN = 2,400 MXN; / 20 = 120 USD
        self._validate(order.picking_ids, ped, {self.wire: 600})
        self.assertAlmostEqual(ped.line_ids.value_mxn, 2400.0)
        self.assertAlmostEqual(ped.line_ids.value_usd, 120.0)

    def test_broker_values_kept(self):
        usd = self.env.ref("base.USD")
        order = self._purchase(usd, [(self.wire, 100, 0.5)])
        ped = self._create_pedimento(lines=[(self.wire, 100)], exchange_rate=18.0)
        ped.line_ids.value_mxn = 999.0
        declared_usd = ped.line_ids.value_usd
        self._validate(order.picking_ids, ped)
        self.assertEqual(len(ped.line_ids), 1)
        self.assertAlmostEqual(ped.line_ids.value_mxn, 999.0)
        self.assertAlmostEqual(ped.line_ids.value_usd, declared_usd)

    def test_second_receipt_on_received_pedimento_is_a_difference(self):
        ped = self._create_pedimento()
        self._receive([(self.wire, 100)], pedimento=ped)
        line = ped.line_ids
        self.assertEqual(line.difference_state, "ok")
        self._receive([(self.wire, 40)], pedimento=ped)
        self.assertEqual(ped.line_ids, line)
        # the extra 40 m are received against the line: it no longer matches what it holds
        self.assertAlmostEqual(line.qty_received, 140.0)
        self.assertEqual(line.difference_state, "quantity")
        self.assertEqual(ped.difference_count, 1)
        self.assertAlmostEqual(line.qty_balance, 100.0)  # the declaration decides
        self.assertTrue(ped.activity_ids)

    def test_second_receipt_of_a_new_product_is_undeclared(self):
        ped = self._create_pedimento()
        self._receive([(self.wire, 100)], pedimento=ped)
        self._receive([(self.terminal, 10)], pedimento=ped)
        term = ped.line_ids.filtered(lambda line: line.product_id == self.terminal)
        self.assertEqual(term.origin, "later_receipt")
        self.assertEqual(term.difference_state, "undeclared")
        self._assert_stored_values_match_orm(ped.line_ids)
        self.assertAlmostEqual(term.qty_balance, 10.0)
        self.assertEqual(ped.difference_count, 1)

    def _ready_receipt(self):
        return self._receive([(self.wire, 10)], validate=False)

    def test_warn_mode_from_the_form(self):
        self.company.l10n_mx_immex_missing_pedimento = "warn"
        picking = self._ready_receipt()
        self.assertTrue(picking.l10n_mx_immex_needs_pedimento)
        # an ordinary edit of the ready receipt saves without a pedimento
        with Form(picking) as form:
            form.origin = "ASN 4411"
        self.assertEqual(picking.origin, "ASN 4411")
        self.assertEqual(picking.l10n_mx_immex_missing_pedimento, "warn")
        picking.button_validate()
        self.assertEqual(picking.state, "done")
        self.assertIn("without a pedimento", "".join(picking.message_ids.mapped("body")))
        finding = self.env["l10n_mx_immex.finding"].search([("picking_id", "=", picking.id)])
        self.assertEqual(finding.kind, "receipt_without_pedimento")
        self.assertEqual(finding.product_id, self.wire)
        self.assertAlmostEqual(finding.quantity, 10.0)

    def test_block_mode_edits_save_validation_refused(self):
        picking = self._ready_receipt()
        with Form(picking) as form:
            form.origin = "ASN 4412"
        self.assertEqual(picking.origin, "ASN 4412")
        self.assertEqual(picking.l10n_mx_immex_missing_pedimento, "block")
        with self.assertRaisesRegex(UserError, "without a pedimento"):
            picking.button_validate()

    def test_review_activity_goes_to_compliance(self):
        # default: the company's first IMMEX administrator, never OdooBot or the validator
        manager = self._new_user("compliance_a", "l10n_mx_immex_annex24.group_immex_manager")
        self.assertEqual(self.company._l10n_mx_immex_compliance_user(), manager)
        clerk = self._new_user("clerk_a", "stock.group_stock_user")
        ped = self._create_pedimento(lines=[(self.terminal, 100)])
        ped.action_confirm()
        picking = self._receive([(self.terminal, 90)], pedimento=ped, validate=False)
        picking.with_user(clerk).button_validate()
        self.assertEqual(ped.activity_ids.user_id, manager)
        # or whoever the company names
        other = self._new_user("compliance_b", "l10n_mx_immex_annex24.group_immex_manager")
        self.company.l10n_mx_immex_compliance_user_id = other
        self.assertEqual(self.company._l10n_mx_immex_compliance_user(), other)
