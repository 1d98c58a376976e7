# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexCustomsRegime(models.Model):
    """Customs regime of Anexo 22 appendix 16 (ITE, IMD, EXD...)."""

    _name = "l10n_mx_immex.customs.regime"
    _description = "Customs Regime (Anexo 22, appendix 16)"
    _order = "code"
    _rec_names_search = ["code", "name"]

    code = fields.Char(required=True, size=3)
    name = fields.Char(required=True, translate=True)
    operation = fields.Selection(
        selection=[("import", "Import"), ("export", "Export"), ("both", "Both")],
        required=True,
        default="import",
    )
    is_temporary = fields.Boolean(
        string="Temporary",
        help="Goods under this regime must leave Mexico again within the legal time "
        "limit: they open Annex 24 balances.",
    )
    active = fields.Boolean(default=True)

    _code_uniq = models.Constraint("unique(code)", "The regime code must be unique.")

    def _compute_display_name(self):
        for regime in self:
            regime.display_name = f"{regime.code} - {regime.name}"
