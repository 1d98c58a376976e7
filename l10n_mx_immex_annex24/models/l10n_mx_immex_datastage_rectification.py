# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexDatastageRectification(models.Model):
    """A staged 701 row: a rectifying pedimento and the one it replaces."""

    _name = "l10n_mx_immex.datastage.rectification"
    _inherit = "l10n_mx_immex.datastage.row"
    _description = "Data Stage 701 (Rectifications)"

    key_code = fields.Char(string="Key", readonly=True)
    previous_name = fields.Char(string="Rectified Pedimento", readonly=True, index=True)
    previous_key_code = fields.Char(string="Rectified Key", readonly=True)
    paid_at = fields.Datetime(string="Paid", readonly=True)
