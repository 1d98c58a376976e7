# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from . import l10n_mx_immex_guard as guard


class L10nMxImmexExitEventLine(models.Model):
    _name = "l10n_mx_immex.exit.event.line"
    _description = "Annex 24 Exit Event Line"

    event_id = fields.Many2one("l10n_mx_immex.exit.event", required=True, ondelete="cascade")
    product_id = fields.Many2one(
        "product.product", required=True, domain="[('l10n_mx_immex_is_controlled', '=', True)]"
    )
    quantity = fields.Float(digits="Product Unit", required=True)
    uom_id = fields.Many2one(related="product_id.uom_id")

    @api.constrains("quantity")
    def _check_quantity(self):
        for line in self:
            guard.check_quantity(
                self.env,
                line.quantity,
                self.env._(
                    "Exit event %(name)s, %(product)s",
                    name=line.event_id.name,
                    product=line.product_id.display_name,
                ),
            )

    @api.model_create_multi
    def create(self, vals_list):
        guard.refuse_non_finite(self.env, self._name, vals_list, quantities=["quantity"])
        events = self.env["l10n_mx_immex.exit.event"].browse(
            {vals["event_id"] for vals in vals_list if vals.get("event_id")}
        )
        events.filtered(lambda e: e.state != "draft")._l10n_mx_immex_refuse_locked()
        return super().create(vals_list)

    def write(self, vals):
        guard.refuse_non_finite(self.env, self._name, [vals], quantities=["quantity"])
        events = self.event_id
        if vals.get("event_id"):
            events |= events.browse(vals["event_id"])
        events.filtered(lambda e: e.state != "draft")._l10n_mx_immex_refuse_locked()
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        self.event_id.filtered(lambda e: e.state != "draft")._l10n_mx_immex_refuse_locked()
