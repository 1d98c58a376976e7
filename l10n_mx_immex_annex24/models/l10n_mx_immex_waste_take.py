# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.tools import SQL
from odoo.tools.sql import column_exists, table_exists


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

    def init(self):
        # Waste discharged before takes were recorded: its event's take, once (idempotent),
        # so the waste's computed discharged quantity keeps what those events took. A fresh
        # install has nothing to carry over (and may not have the tables yet).
        cr = self.env.cr
        if not (
            table_exists(cr, "l10n_mx_immex_exit_event")
            and column_exists(cr, "l10n_mx_immex_waste", "event_id")
        ):
            return
        cr.execute(
            SQL(
                """
                INSERT INTO l10n_mx_immex_waste_take
                       (waste_id, event_id, quantity, date, state, company_id,
                        create_uid, create_date, write_uid, write_date)
                SELECT w.id, w.event_id, w.qty_discharged, e.date, 'done', w.company_id,
                       %(uid)s, NOW() AT TIME ZONE 'UTC', %(uid)s, NOW() AT TIME ZONE 'UTC'
                  FROM l10n_mx_immex_waste w
                  JOIN l10n_mx_immex_exit_event e ON e.id = w.event_id
                 WHERE w.qty_discharged > 0
                   AND NOT EXISTS (SELECT 1 FROM l10n_mx_immex_waste_take t
                                    WHERE t.waste_id = w.id)
                """,
                uid=self.env.uid,
            )
        )
