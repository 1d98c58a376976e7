# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from datetime import timedelta

from odoo import api, fields, models
from odoo.fields import Command

DEMO = "l10n_mx_immex_annex24."


class L10nMxImmexReportDemo(models.AbstractModel):
    """Demo exits that give every Annex 24 report content, dated from the install day."""

    _name = "l10n_mx_immex.report.demo"
    _description = "Annex 24 Report Demo Data"

    @api.model
    def _l10n_mx_immex_demo_exits(self):
        """An export of door harnesses (discharges and pending waste), a partial return
        before it crossed (reversals), an export of boxes beyond their balance (a pending
        discharge) and a destruction of part of the waste. Demo data only."""
        ref = self.env.ref
        company = ref("base.main_company")
        warehouse = ref("stock.warehouse0")
        customer = ref(DEMO + "res_partner_great_lakes_demo")
        today = fields.Date.context_today(self)
        rt = ref(DEMO + "pedimento_key_rt")
        Pedimento = self.env["l10n_mx_immex.pedimento"]

        def exit_pedimento(days_ago, seq):
            entry = today - timedelta(days=days_ago)
            return Pedimento.create(
                {
                    "name": f"{entry:%y}  24  3420  {entry.year % 10}{seq:06d}",
                    "operation": "export",
                    "key_id": rt.id,
                    "regime_id": rt.default_regime_id.id,
                    "entry_date": entry,
                    "payment_date": entry,
                    "exchange_rate": 18.25,
                    "partner_id": customer.id,
                    "company_id": company.id,
                }
            )

        def deliver(ped, product, qty):
            customers = ref("stock.stock_location_customers")
            picking = self.env["stock.picking"].create(
                {
                    "partner_id": customer.id,
                    "picking_type_id": warehouse.out_type_id.id,
                    "location_id": warehouse.lot_stock_id.id,
                    "location_dest_id": customers.id,
                    "l10n_mx_immex_pedimento_id": ped.id,
                    "company_id": company.id,
                    "move_ids": [
                        Command.create(
                            {
                                "product_id": product.id,
                                "product_uom_qty": qty,
                                "location_id": warehouse.lot_stock_id.id,
                                "location_dest_id": customers.id,
                            }
                        )
                    ],
                }
            )
            picking.action_confirm()
            picking.action_assign()
            for move in picking.move_ids:
                move.quantity = qty
                move.picked = True
            picking.button_validate()
            return picking

        door = ref(DEMO + "product_harness_door_demo")
        # 20 made by the demo order, 4 more with no recorded production: those are
        # discharged by the BOM, whose desperdicio becomes pending waste
        made = door.with_context(warehouse_id=warehouse.id).qty_available
        if made < 24:
            self.env["stock.quant"]._update_available_quantity(
                door, warehouse.lot_stock_id, 24 - made
            )
        picking = deliver(exit_pedimento(5, 100501), door, 24)
        # two harnesses come back before crossing: their share of the discharge is reversed
        wizard = self.env["stock.return.picking"].create({"picking_id": picking.id})
        wizard.product_return_moves.quantity = 2
        returned = self.env["stock.picking"].browse(wizard.action_create_returns()["res_id"])
        returned.move_ids.quantity = 2
        returned.move_ids.picked = True
        returned.button_validate()
        # boxes shipped in the same state beyond their balance: 40 stay pending
        box = ref(DEMO + "product_box_demo")
        lines = self.env["l10n_mx_immex.pedimento.line"].search(
            [("product_id", "=", box.id), ("is_temporary", "=", True)]
        )
        balance = sum(lines.mapped("qty_balance"))
        on_hand = box.with_context(warehouse_id=warehouse.id).qty_available
        qty = balance + 40
        if on_hand < qty:
            self.env["stock.quant"]._update_available_quantity(
                box, warehouse.lot_stock_id, qty - on_hand
            )
        deliver(exit_pedimento(3, 100502), box, qty)
        # half of the pending waste is destroyed (notice and record), the rest still waits
        event = self.env["l10n_mx_immex.exit.event"].create(
            {
                "kind": "destruction",
                "date": today - timedelta(days=2),
                "reference": "Aviso de destrucción 2 / acta 17",
                "from_waste": True,
                "company_id": company.id,
            }
        )
        event.action_load_waste()
        for line in event.line_ids:
            line.quantity = line.quantity / 2
        if event.line_ids:
            event.action_done()
        return True
