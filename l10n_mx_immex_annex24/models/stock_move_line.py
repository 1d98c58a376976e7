# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from . import l10n_mx_immex_guard as guard


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    l10n_mx_immex_pedimento_line_id = fields.Many2one(
        related="lot_id.l10n_mx_immex_pedimento_line_id", string="Pedimento Line"
    )

    @api.model_create_multi
    def create(self, vals_list):
        guard.refuse_non_finite(self.env, self._name, vals_list)
        return super().create(vals_list)

    def write(self, vals):
        guard.refuse_non_finite(self.env, self._name, [vals])
        return super().write(vals)
