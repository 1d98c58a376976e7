# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
import contextvars

from odoo import api, fields, models
from odoo.exceptions import ValidationError

# Set by mrp.production._get_moves_raw_values only (see _prepare_line_done_values).
PLAN_MERMA = contextvars.ContextVar("l10n_mx_immex_plan_merma", default=False)

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

    def _l10n_mx_immex_merma_factor(self):
        self.ensure_one()
        return 1.0 + (self.l10n_mx_immex_merma_percent or 0.0) / 100.0

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

    def _prepare_line_done_values(
        self, quantity, product, original_quantity, parent_line, boms_done
    ):
        # A manufacturing order plans the net quantity plus merma (material consumed by the
        # process), as Annex 24 declares it: an order that consumes exactly its BOM then
        # shows no drift. Only for the raw moves of productions (the flag is set there, in
        # a ContextVar an RPC caller cannot set, unlike a context key):
        # kits delivered or costed keep Odoo's net explosion. The merma of the kit line a
        # component comes through counts too (one kit level, as most BOMs have).
        if PLAN_MERMA.get():
            factor = self._l10n_mx_immex_merma_factor()
            if parent_line:
                factor *= parent_line._l10n_mx_immex_merma_factor()
            if factor != 1.0:
                quantity = self.product_uom_id.round(quantity * factor, rounding_method="UP")
        return super()._prepare_line_done_values(
            quantity, product, original_quantity, parent_line, boms_done
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
