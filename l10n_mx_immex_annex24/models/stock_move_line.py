# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockMoveLine(models.Model):
    _inherit = "stock.move.line"

    l10n_mx_immex_pedimento_line_id = fields.Many2one(
        related="lot_id.l10n_mx_immex_pedimento_line_id", string="Pedimento Line"
    )
