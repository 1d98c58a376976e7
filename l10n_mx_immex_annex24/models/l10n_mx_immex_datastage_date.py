# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexDatastageDate(models.Model):
    """A staged 506 row (dates: 1 entry, 2 payment, 3 extraction, 5 presentation...)."""

    _name = "l10n_mx_immex.datastage.date"
    _inherit = "l10n_mx_immex.datastage.row"
    _description = "Data Stage 506 (Dates)"

    date_type = fields.Char(readonly=True)
    date = fields.Datetime(readonly=True, help="Local Mexico time, as Data Stage gives it.")
    validated_at = fields.Datetime(readonly=True)
