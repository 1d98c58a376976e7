# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from . import l10n_mx_immex_guard as guard


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

    def write(self, vals):
        # A lot's pedimento line directs FIFO (its goods discharge that line): it is stamped
        # by the receipt, never pointed elsewhere by a caller.
        if "l10n_mx_immex_pedimento_line_id" in vals and not guard.in_server_write():
            if any(
                lot.l10n_mx_immex_pedimento_line_id.id != vals["l10n_mx_immex_pedimento_line_id"]
                for lot in self
            ):
                raise UserError(
                    self.env._(
                        "The pedimento line of a lot is recorded by its receipt and cannot be "
                        "changed."
                    )
                )
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if not guard.in_server_write() and any(
            vals.get("l10n_mx_immex_pedimento_line_id") for vals in vals_list
        ):
            raise UserError(
                self.env._(
                    "The pedimento line of a lot is recorded by its receipt and cannot be changed."
                )
            )
        return super().create(vals_list)
