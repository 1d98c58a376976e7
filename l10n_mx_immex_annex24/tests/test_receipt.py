# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import date

from odoo.exceptions import UserError
from odoo.fields import Command
from odoo.tests import Form, tagged

from .common import Annex24Common


@tagged("post_install", "-at_install")
class TestReceipt(Annex24Common):
    def test_receipt_creates_lines_and_opens_balances(self):
        ped = self._create_pedimento()
        self.assertEqual(ped.state, "draft")
        picking = self._receive([(self.wire, 1500), (self.terminal, 20000)], pedimento=ped)
        self.assertEqual(picking.state, "done")
        self.assertEqual(ped.state, "confirmed")
        self.assertEqual(len(ped.line_ids), 2)
        self.assertEqual(ped.line_ids.mapped("origin"), ["receipt", "receipt"])
        wire_line = ped.line_ids.filtered(lambda line: line.product_id == self.wire)
        self.assertEqual(wire_line.quantity, 1500)
        self.assertAlmostEqual(wire_line.quantity_tariff, 30.0)
        self.assertEqual(wire_line.qty_received, 1500)
        self.assertEqual(wire_line.qty_balance, 1500)
        self.assertEqual(wire_line.difference_state, "ok")
        self.assertEqual(wire_line.fraction_id, self.fraction_wire)
        self.assertTrue(wire_line.registered_at)
        self.assertEqual(picking.move_ids.l10n_mx_immex_pedimento_line_id, ped.line_ids)
        self.assertEqual(ped.picking_ids, picking)
        self.assertEqual(ped.line_ids.mapped("sequence"), [1, 2])

    def test_receipt_matches_broker_lines_and_flags_differences(self):
        ped = self._create_pedimento(lines=[(self.wire, 1500), (self.terminal, 20000)])
        ped.action_confirm()
        broker_lines = ped.line_ids
        self._receive([(self.wire, 1500), (self.terminal, 19500), (self.machine, 1)], pedimento=ped)
        wire_line = broker_lines.filtered(lambda line: line.product_id == self.wire)
        term_line = broker_lines.filtered(lambda line: line.product_id == self.terminal)
        self.assertEqual(wire_line.difference_state, "ok")
        self.assertEqual(term_line.difference_state, "quantity")
        self.assertEqual(term_line.qty_received, 19500)
        # The legal balance is the declared quantity; the difference is shown, not absorbed.
        self.assertEqual(term_line.qty_balance, 20000)
        extra = ped.line_ids - broker_lines
        self.assertEqual(extra.product_id, self.machine)
        self.assertEqual(extra.difference_state, "undeclared")
        self.assertEqual(extra.sequence, 3)
        self.assertEqual(ped.difference_count, 2)
        self.assertTrue(ped.activity_ids)

    def test_lines_from_moves_hold_what_the_orm_computes(self):
        # draft pedimento (confirmed by the receipt) and one with broker lines (undeclared)
        ped = self._create_pedimento()
        self._receive([(self.wire, 1500), (self.terminal, 20000)], pedimento=ped)
        self._assert_stored_values_match_orm(ped.line_ids)
        self.assertTrue(all(ped.line_ids.mapped("is_temporary")))
        self.assertTrue(all(ped.line_ids.mapped("expiry_date")))
        declared = self._create_pedimento(number="26  24  3420  6001299", lines=[(self.wire, 10)])
        declared.action_confirm()
        self._receive([(self.wire, 10), (self.machine, 1)], pedimento=declared)
        extra = declared.line_ids.filtered(lambda line: line.product_id == self.machine)
        self.assertEqual(extra.difference_state, "undeclared")
        self.assertEqual(extra.qty_balance, 1)
        self._assert_stored_values_match_orm(extra)

    def test_partial_receipt_and_backorder_link_same_line(self):
        ped = self._create_pedimento(lines=[(self.terminal, 1000)])
        ped.action_confirm()
        picking = self._receive([(self.terminal, 1000)], pedimento=ped, validate=False)
        picking.move_ids.quantity = 600
        picking.move_ids.picked = True
        picking.with_context(cancel_backorder=False)._action_done()
        line = ped.line_ids
        self.assertEqual(line.qty_received, 600)
        self.assertEqual(line.difference_state, "quantity")
        backorder = picking.backorder_ids
        self.assertTrue(backorder)
        self.assertEqual(backorder.l10n_mx_immex_pedimento_id, ped)
        backorder.move_ids.quantity = 400
        backorder.move_ids.picked = True
        backorder.button_validate()
        self.assertEqual(line.qty_received, 1000)
        self.assertEqual(line.difference_state, "ok")
        self.assertEqual(len(ped.line_ids), 1)

    def test_controlled_import_without_pedimento_refused(self):
        with self.assertRaisesRegex(UserError, "without a pedimento"):
            self._receive([(self.wire, 10)])

    def test_controlled_import_without_pedimento_warn_mode(self):
        self.company.l10n_mx_immex_missing_pedimento = "warn"
        picking = self._receive([(self.wire, 10)])
        self.assertEqual(picking.state, "done")
        self.assertFalse(picking.move_ids.l10n_mx_immex_pedimento_line_id)
        self.assertIn("without a pedimento", "".join(picking.message_ids.mapped("body")))

    def test_national_and_uncontrolled_goods_need_no_pedimento(self):
        picking = self._receive([(self.wire, 10)], partner=self.supplier_mx)
        self.assertEqual(picking.move_ids.l10n_mx_immex_regime, "national")
        self.assertEqual(picking.state, "done")
        picking = self._receive([(self.office_supplies, 10)])
        self.assertEqual(picking.move_ids.l10n_mx_immex_regime, "definitive")
        self.assertEqual(picking.state, "done")

    def test_virtual_transfer_from_mexican_company_opens_balance(self):
        ped = self._create_pedimento(
            number="26  24  3420  6000666", key=self.key_v1, partner_id=self.supplier_mx.id
        )
        picking = self._receive([(self.terminal, 70)], pedimento=ped, partner=self.supplier_mx)
        self.assertEqual(picking.move_ids.l10n_mx_immex_regime, "temporary")
        self.assertEqual(ped.line_ids.qty_balance, 70)
        self.assertEqual(ped.line_ids.expiry_date, date(2026, 9, 10))  # 6 months

    def test_definitive_pedimento_cannot_receive_temporary_goods(self):
        imd = self.env.ref("l10n_mx_immex_annex24.customs_regime_imd")
        ped = self._create_pedimento(key=self.key_a1, regime_id=imd.id)
        self.assertFalse(ped.opens_balance)
        with self.assertRaisesRegex(UserError, "not a temporary import"):
            self._receive([(self.wire, 10)], pedimento=ped)

    def test_cancelled_pedimento_refused(self):
        ped = self._create_pedimento(lines=[(self.wire, 10)])
        ped.action_confirm()
        ped._immex_cancel("wrong broker data")
        with self.assertRaisesRegex(UserError, "cancelled"):
            self._receive([(self.wire, 10)], pedimento=ped)

    def test_purchase_regime_flows_to_receipt(self):
        order = self.env["purchase.order"].create(
            {
                "partner_id": self.supplier_us.id,
                "company_id": self.company.id,
                "picking_type_id": self.warehouse.in_type_id.id,
                "order_line": [
                    Command.create({"product_id": self.wire.id, "product_qty": 100}),
                    Command.create({"product_id": self.terminal.id, "product_qty": 50}),
                    Command.create({"product_id": self.office_supplies.id, "product_qty": 5}),
                ],
            }
        )
        regimes = order.order_line.mapped("l10n_mx_immex_regime")
        self.assertEqual(regimes, ["temporary", "temporary", "definitive"])
        # this batch of terminals was bought as a definitive import
        order.order_line[1].l10n_mx_immex_regime = "definitive"
        order.button_confirm()
        picking = order.picking_ids
        self.assertEqual(
            picking.move_ids.sorted("id").mapped("l10n_mx_immex_regime"),
            ["temporary", "definitive", "definitive"],
        )
        ped = self._create_pedimento()
        picking.l10n_mx_immex_pedimento_id = ped
        for move in picking.move_ids:
            move.quantity = move.product_uom_qty
            move.picked = True
        picking.button_validate()
        # only the temporary import opened a balance
        self.assertEqual(ped.line_ids.product_id, self.wire)
        self.assertEqual(ped.line_ids.qty_balance, 100)
        self.assertEqual(order.l10n_mx_immex_pedimento_ids, ped)
        self.assertEqual(order.l10n_mx_immex_pedimento_count, 1)
        action = order.action_view_l10n_mx_immex_pedimentos()
        self.assertEqual(action["res_id"], ped.id)
        self.assertEqual(ped.purchase_order_ids, order)

    def test_lots_carry_pedimento_line(self):
        harness_tape = self._create_product(
            "Tape lot-tracked",
            "TAPE",
            uom=self.uom_unit,
            immex_type="input",
            fraction=self.fraction_wire,
            umt=self.uom_unit,
            tracking="lot",
        )
        ped = self._create_pedimento()
        self._receive([(harness_tape, 40)], pedimento=ped, lots={harness_tape: "LOT-A1"})
        lot = self.env["stock.lot"].search([("name", "=", "LOT-A1")])
        self.assertEqual(lot.l10n_mx_immex_pedimento_line_id, ped.line_ids)
        self.assertEqual(lot.l10n_mx_immex_pedimento_id, ped)
        quant = self.env["stock.quant"].search(
            [("lot_id", "=", lot.id), ("location_id", "=", self.stock_location.id)]
        )
        self.assertEqual(quant.l10n_mx_immex_pedimento_line_id, ped.line_ids)

    def test_warehouse_user_creates_pedimento_from_receipt(self):
        user = self._new_user("whs_receipt", "stock.group_stock_user")
        picking = (
            self.env["stock.picking"]
            .with_user(user)
            .create(
                {
                    "partner_id": self.supplier_us.id,
                    "picking_type_id": self.warehouse.in_type_id.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": self.terminal.id,
                                "product_uom_qty": 300,
                                "location_id": self.supplier_location.id,
                                "location_dest_id": self.stock_location.id,
                            }
                        )
                    ],
                }
            )
        )
        picking.action_confirm()
        self.assertTrue(picking.l10n_mx_immex_needs_pedimento)
        ped = (
            self.env["l10n_mx_immex.pedimento"]
            .with_user(user)
            .create(
                {
                    "name": "26 24 3420 6000555",
                    "key_id": self.key_in.id,
                    "entry_date": "2026-03-10",
                    "company_id": self.company.id,
                }
            )
        )
        picking.l10n_mx_immex_pedimento_id = ped
        picking.move_ids.quantity = 300
        picking.move_ids.picked = True
        picking.button_validate()
        self.assertEqual(ped.state, "confirmed")
        self.assertEqual(ped.line_ids.qty_balance, 300)

    def test_receipt_form_shows_pedimento_field(self):
        form = Form(
            self.env["stock.picking"].with_context(
                default_picking_type_id=self.warehouse.in_type_id.id
            )
        )
        form.partner_id = self.supplier_us
        ped = self._create_pedimento()
        form.l10n_mx_immex_pedimento_id = ped
        picking = form.save()
        self.assertEqual(picking.l10n_mx_immex_pedimento_id, ped)
