# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import UserError


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
        ped = self.l10n_mx_immex_pedimento_id
        if ped:
            if (
                ped.operation != "export"
                or ped.state == "cancelled"
                or ped.company_id != self.picking_id.company_id
            ):
                raise UserError(
                    self.env._(
                        "Pedimento %(name)s cannot take goods back abroad: a return to the "
                        "supplier needs an export pedimento of the company, not cancelled.",
                        name=ped.name,
                    )
                )
            vals["l10n_mx_immex_pedimento_id"] = ped.id
        return vals
