# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class ResPartner(models.Model):
    _inherit = "res.partner"

    # Used by the SAT auditor's record rule: the auditor sees the partners of pedimentos.
    l10n_mx_immex_pedimento_ids = fields.One2many(
        comodel_name="l10n_mx_immex.pedimento",
        inverse_name="partner_id",
        string="Pedimentos",
        readonly=True,
    )
