# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import ValidationError

BOM_TRAIL_FIELDS = ["l10n_mx_immex_merma_percent", "l10n_mx_immex_desperdicio_percent"]


class MrpBomLine(models.Model):
    _inherit = "mrp.bom.line"

    l10n_mx_immex_merma_percent = fields.Float(
        string="Merma %",
        digits=(5, 4),
        help="Consumed waste: material lost in the process, as a percentage of the net "
        "quantity. Discharged with the finished goods.",
    )
    l10n_mx_immex_desperdicio_percent = fields.Float(
        string="Desperdicio %",
        digits=(5, 4),
        help="Scrap: leftover material, as a percentage of the net quantity. It stays in "
        "Mexico until destroyed, donated, transferred, returned or changed to definitive.",
    )

    @api.constrains("l10n_mx_immex_merma_percent", "l10n_mx_immex_desperdicio_percent")
    def _check_l10n_mx_immex_percent(self):
        for line in self:
            for value in (
                line.l10n_mx_immex_merma_percent,
                line.l10n_mx_immex_desperdicio_percent,
            ):
                if value < 0 or value >= 100:
                    raise ValidationError(
                        self.env._("Merma and desperdicio must be between 0 and 100 %.")
                    )

    @api.model_create_multi
    def create(self, vals_list):
        lines = super().create(vals_list)
        with_rates = lines.filtered(
            lambda line: line.l10n_mx_immex_merma_percent or line.l10n_mx_immex_desperdicio_percent
        )
        if with_rates:
            self.env["l10n_mx_immex.log"].sudo()._l10n_mx_immex_log_create(
                with_rates, BOM_TRAIL_FIELDS, company_field="company_id"
            )
        return lines

    def write(self, vals):
        trail = self.env["l10n_mx_immex.log"].sudo()
        watched = [f for f in BOM_TRAIL_FIELDS if f in vals]
        old = trail._l10n_mx_immex_snapshot(self, watched) if watched else {}
        res = super().write(vals)
        trail._l10n_mx_immex_log_write(self, old)
        return res
