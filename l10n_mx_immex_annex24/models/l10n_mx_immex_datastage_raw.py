# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexDatastageRaw(models.Model):
    """A row kept as it came: of a record type not staged (502-504, 507-511, 520, 552-558,
    702, Inci, Sel), or malformed (``error`` says why; the batch goes on without it)."""

    _name = "l10n_mx_immex.datastage.raw"
    _inherit = "l10n_mx_immex.datastage.row"
    _description = "Data Stage Raw Row"

    code = fields.Char(string="Record Type", readonly=True, index=True)
    error_code = fields.Char(readonly=True, index="btree_not_null")
    error = fields.Char(string="Problem", readonly=True)
