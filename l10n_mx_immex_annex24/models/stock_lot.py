# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class StockLot(models.Model):
    _inherit = "stock.lot"

    l10n_mx_immex_pedimento_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        string="Pedimento Line",
        copy=False,
        index="btree_not_null",
        readonly=True,
        help="Temporary-import line the goods of this lot entered Mexico with.",
    )
    l10n_mx_immex_pedimento_id = fields.Many2one(
        related="l10n_mx_immex_pedimento_line_id.pedimento_id", string="Pedimento"
    )
