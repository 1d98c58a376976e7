# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockReturnPicking(models.TransientModel):
    _inherit = "stock.return.picking"

    l10n_mx_immex_pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        string="Export Pedimento",
        domain="[('operation', '=', 'export'), ('state', '!=', 'cancelled'), "
        "('company_id', '=', company_id)]",
        help="Return to the supplier abroad of temporarily imported goods in the same state "
        "(e.g. key H1 or RT): validating the return discharges them, from the receipt's own "
        "pedimento line first.",
    )

    def _prepare_picking_default_values(self):
        vals = super()._prepare_picking_default_values()
        if self.l10n_mx_immex_pedimento_id:
            vals["l10n_mx_immex_pedimento_id"] = self.l10n_mx_immex_pedimento_id.id
        return vals
