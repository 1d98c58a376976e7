# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexDatastageDescargo(models.Model):
    """A staged 512 row: an exit (or regime change) names an import pedimento it discharges."""

    _name = "l10n_mx_immex.datastage.descargo"
    _inherit = "l10n_mx_immex.datastage.row"
    _description = "Data Stage 512 (Discharges)"

    original_name = fields.Char(string="Import Pedimento", readonly=True, index=True)
    original_key_code = fields.Char(string="Import Key", readonly=True)
    original_date = fields.Datetime(readonly=True)
    fraction = fields.Char(readonly=True)
    uom_code = fields.Char(string="Unit", readonly=True)
    quantity = fields.Float(digits=(16, 6), readonly=True)
    paid_at = fields.Datetime(string="Paid", readonly=True)
    descargo_id = fields.Many2one(
        comodel_name="l10n_mx_immex.pedimento.descargo",
        string="Declared Discharge",
        readonly=True,
        index="btree_not_null",
    )
