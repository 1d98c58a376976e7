# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexDatastagePedimento(models.Model):
    """A staged 501 row (general data of a pedimento)."""

    _name = "l10n_mx_immex.datastage.pedimento"
    _inherit = "l10n_mx_immex.datastage.row"
    _description = "Data Stage 501 (General Data)"

    operation = fields.Selection(
        selection=[("import", "Import"), ("export", "Export")], readonly=True
    )
    key_code = fields.Char(string="Key", readonly=True)
    rfc = fields.Char(string="RFC", readonly=True)
    exchange_rate = fields.Float(digits=(12, 6), readonly=True)
    is_rectification = fields.Boolean(readonly=True)
    received_at = fields.Datetime(string="Received", readonly=True)
    paid_at = fields.Datetime(string="Paid", readonly=True)
    partner_name = fields.Char(string="Taxpayer", readonly=True)
    pedimento_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento",
        string="Pedimento Created",
        readonly=True,
        index="btree_not_null",
        help="The draft pedimento the batch created from this row.",
    )
