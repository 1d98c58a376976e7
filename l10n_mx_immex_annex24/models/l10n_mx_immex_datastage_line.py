# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from . import l10n_mx_immex_guard as guard


class L10nMxImmexDatastageLine(models.Model):
    """A staged 551 row (a partida). Its product is matched by the company's part-number
    rule or chosen by an IMMEX manager before the pedimento is created."""

    _name = "l10n_mx_immex.datastage.line"
    _inherit = "l10n_mx_immex.datastage.row"
    _description = "Data Stage 551 (Lines)"

    sequence = fields.Integer(string="Partida", readonly=True)
    fraction = fields.Char(readonly=True)
    nico = fields.Char(string="NICO", readonly=True)
    description = fields.Char(readonly=True)
    unit_price = fields.Float(digits=(16, 6), readonly=True)
    value_customs = fields.Float(string="Customs Value (MXN)", readonly=True)
    value_commercial = fields.Float(string="Commercial Value (MXN)", readonly=True)
    value_usd = fields.Float(string="Value (USD)", readonly=True)
    quantity = fields.Float(string="Quantity (UMC)", digits=(16, 6), readonly=True)
    uom_code = fields.Char(string="UMC", readonly=True)
    quantity_tariff = fields.Float(string="Quantity (UMT)", digits=(16, 6), readonly=True)
    uom_tariff_code = fields.Char(string="UMT", readonly=True)
    product_code = fields.Char(string="Part Number", readonly=True)
    origin_country = fields.Char(readonly=True)
    seller_country = fields.Char(readonly=True)
    key_code = fields.Char(string="Key", readonly=True)
    paid_at = fields.Datetime(string="Paid", readonly=True)
    product_id = fields.Many2one(
        comodel_name="product.product",
        help="Matched by the part-number rule, or chosen here for the lines it leaves unmatched.",
    )
    pedimento_line_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.line",
        string="Line Created",
        readonly=True,
        index="btree_not_null",
    )

    def write(self, vals):
        # a manager chooses the product of an unmatched line; nothing else of a staged row
        # (the SAT's data) changes
        if set(vals) - {"product_id"} and not guard.in_server_write():
            raise UserError(self.env._("Staged Data Stage rows cannot be changed."))
        if "product_id" in vals:
            guard.check_group(self.env, guard.MANAGER)
            guard.check_companies(self.env, self.batch_id.company_id)
            if self.filtered("pedimento_line_id"):
                raise UserError(
                    self.env._("The pedimento line of this row exists: it is not re-matched.")
                )
        return super().write(vals)

    @api.model_create_multi
    def create(self, vals_list):
        if not guard.in_server_write():
            raise UserError(self.env._("Data Stage rows are written by the import only."))
        return super().create(vals_list)
