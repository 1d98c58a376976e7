# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models


class L10nMxImmexWasteTake(models.Model):
    """What one exit event took from one waste record.

    Written only by the addon when the event is done; cancelling the event marks its takes
    cancelled (they stay, as the trail), so the waste gets back exactly its own take.
    """

    _name = "l10n_mx_immex.waste.take"
    _description = "Annex 24 Waste Taken by an Event"
    _order = "date, id"
    _check_company_auto = True

    waste_id = fields.Many2one(
        "l10n_mx_immex.waste", required=True, readonly=True, index=True, ondelete="restrict"
    )
    event_id = fields.Many2one(
        "l10n_mx_immex.exit.event", required=True, readonly=True, index=True, ondelete="restrict"
    )
    product_id = fields.Many2one(related="waste_id.product_id")
    quantity = fields.Float(digits="Product Unit", required=True, readonly=True, aggregator=None)
    date = fields.Date(required=True, readonly=True)
    state = fields.Selection(
        selection=[("done", "Taken"), ("cancelled", "Cancelled with its event")],
        default="done",
        required=True,
        readonly=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)
