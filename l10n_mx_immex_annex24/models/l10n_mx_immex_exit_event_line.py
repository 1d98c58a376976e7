# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexExitEventLine(models.Model):
    _name = "l10n_mx_immex.exit.event.line"
    _description = "Annex 24 Exit Event Line"

    event_id = fields.Many2one("l10n_mx_immex.exit.event", required=True, ondelete="cascade")
    product_id = fields.Many2one(
        "product.product", required=True, domain="[('l10n_mx_immex_is_controlled', '=', True)]"
    )
    quantity = fields.Float(digits="Product Unit", required=True)
    uom_id = fields.Many2one(related="product_id.uom_id")
