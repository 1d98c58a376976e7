# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class PurchaseOrder(models.Model):
    _inherit = "purchase.order"

    l10n_mx_immex_pedimento_ids = fields.Many2many(
        comodel_name="l10n_mx_immex.pedimento",
        string="Pedimentos",
        compute="_compute_l10n_mx_immex_pedimento_ids",
    )
    l10n_mx_immex_pedimento_count = fields.Integer(
        string="Pedimento Count", compute="_compute_l10n_mx_immex_pedimento_ids"
    )

    def _compute_l10n_mx_immex_pedimento_ids(self):
        for order in self:
            peds = (
                order.picking_ids.l10n_mx_immex_pedimento_id
                | order.order_line.move_ids.l10n_mx_immex_pedimento_line_id.pedimento_id
            )
            order.l10n_mx_immex_pedimento_ids = peds
            order.l10n_mx_immex_pedimento_count = len(peds)

    def action_view_l10n_mx_immex_pedimentos(self):
        self.ensure_one()
        action = self.env["ir.actions.actions"]._for_xml_id(
            "l10n_mx_immex_annex24.l10n_mx_immex_pedimento_action"
        )
        peds = self.l10n_mx_immex_pedimento_ids
        if len(peds) == 1:
            action.update({"view_mode": "form", "res_id": peds.id, "views": [(False, "form")]})
        else:
            action["domain"] = [("id", "in", peds.ids)]
        action["context"] = {"create": False}
        return action
