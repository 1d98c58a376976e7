# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models


class L10nMxImmexWaste(models.Model):
    """Desperdicio (scrap) of imported materials still in Mexico.

    It is discharged only at its own event: destruction (with notice and record), donation,
    transfer, change of regime or return.
    """

    _name = "l10n_mx_immex.waste"
    _description = "Annex 24 Pending Waste (Desperdicio)"
    _order = "date, id"
    _check_company_auto = True

    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    # products in different units: no group totals
    quantity = fields.Float(digits="Product Unit", required=True, readonly=True, aggregator=None)
    qty_discharged = fields.Float(
        string="Discharged", digits="Product Unit", readonly=True, aggregator=None
    )
    date = fields.Date(required=True, readonly=True)
    source = fields.Selection(
        selection=[
            ("scrap", "Scrap order"),
            ("production", "Manufacturing scrap"),
            ("bom", "Bill of materials (theoretical)"),
        ],
        required=True,
        readonly=True,
    )
    scrap_id = fields.Many2one("stock.scrap", readonly=True)
    production_id = fields.Many2one("mrp.production", readonly=True)
    move_id = fields.Many2one("stock.move", readonly=True, index="btree_not_null")
    finished_product_id = fields.Many2one("product.product", string="Finished Good", readonly=True)
    event_id = fields.Many2one("l10n_mx_immex.exit.event", string="Discharged By", readonly=True)
    state = fields.Selection(
        selection=[
            ("pending", "Pending"),
            ("discharged", "Discharged"),
            ("superseded", "Superseded by a re-run"),
        ],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)

    @api.model
    def _insert_pending(self, vals_list):
        """Record pending waste with one INSERT; return the new records.

        A delivery of finished goods leaves hundreds of theoretical (BOM) waste rows; the
        ORM's create costs more than the rows themselves. The discharge service builds the
        values from records it read in this transaction.
        """
        if not vals_list:
            return self.browse()
        self.check_access("create")
        columns = ("product_id", "quantity", "date", "source", "move_id")
        columns += ("finished_product_id", "production_id", "scrap_id", "company_id")
        rows = [
            dict({name: vals.get(name) for name in columns}, qty_discharged=0.0, state="pending")
            for vals in vals_list
        ]
        service = self.env["l10n_mx_immex.discharge.service"].sudo()
        return self.browse(service._insert_rows(self._name, rows))
