# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

REGIMES = [
    ("temporary", "Temporary import (IMMEX)"),
    ("definitive", "Definitive import"),
    ("national", "National purchase"),
]


class PurchaseOrderLine(models.Model):
    _inherit = "purchase.order.line"

    l10n_mx_immex_regime = fields.Selection(
        selection=REGIMES,
        string="Customs Regime",
        compute="_compute_l10n_mx_immex_regime",
        store=True,
        readonly=False,
        precompute=True,
        help="Only temporary imports open Annex 24 balances. Default: temporary for "
        "IMMEX-controlled products bought abroad, definitive for other foreign purchases, "
        "national otherwise.",
    )

    @api.depends("product_id", "order_id.partner_id", "order_id.company_id")
    def _compute_l10n_mx_immex_regime(self):
        for line in self:
            line.l10n_mx_immex_regime = self.env["stock.move"]._l10n_mx_immex_default_regime(
                line.product_id, line.order_id.partner_id, line.order_id.company_id
            )

    def _prepare_stock_move_vals(self, picking, price_unit, product_uom_qty, product_uom):
        vals = super()._prepare_stock_move_vals(picking, price_unit, product_uom_qty, product_uom)
        vals["l10n_mx_immex_regime"] = self.l10n_mx_immex_regime
        return vals
