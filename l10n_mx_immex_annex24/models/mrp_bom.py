# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class MrpBom(models.Model):
    _inherit = "mrp.bom"

    # A BOM's version in time: exports discharge with the BOM in force at their date, so a
    # re-run of last year after this year's engineering change still takes last year's BOM.
    l10n_mx_immex_date_from = fields.Date(
        string="Annex 24 In Force From",
        tracking=True,
        help="First exit date this bill of materials applies to for Annex 24 discharges. Of "
        "the BOMs of a product, an exit takes the one with the latest date on or before its "
        "own date (archived dated BOMs included: a superseded version stays in force for "
        "the exits of its time); BOMs without a date apply when no dated one does.",
    )
