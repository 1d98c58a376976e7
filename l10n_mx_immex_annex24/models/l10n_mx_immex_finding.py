# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import fields, models
from odoo.exceptions import AccessError


class L10nMxImmexFinding(models.Model):
    """Something Annex 24 could not record as it should, left visible for compliance.

    Written by the system when a transfer is validated (never by hand): goods that left or
    came in without a pedimento, expired balances FIFO had to skip. Findings are never
    deleted; compliance marks them reviewed with a note.
    """

    _name = "l10n_mx_immex.finding"
    _description = "Annex 24 Finding"
    _order = "date desc, id desc"
    _check_company_auto = True

    date = fields.Date(required=True, readonly=True, index=True)
    kind = fields.Selection(
        selection=[
            ("exit_without_pedimento", "Exit abroad without pedimento"),
            ("receipt_without_pedimento", "Temporary import without pedimento"),
            ("expired_skipped", "Expired balance skipped by FIFO"),
            ("inventory_loss", "Imported material lost (inventory adjustment)"),
        ],
        required=True,
        readonly=True,
        index=True,
    )
    picking_id = fields.Many2one("stock.picking", string="Transfer", readonly=True, index=True)
    move_id = fields.Many2one("stock.move", readonly=True, index="btree_not_null")
    partner_id = fields.Many2one("res.partner", readonly=True)
    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    quantity = fields.Float(digits="Product Unit", readonly=True, aggregator=None)
    finished_product_id = fields.Many2one(
        "product.product",
        string="Lost Good",
        readonly=True,
        help="The finished good or work in progress that held the imported component.",
    )
    uom_id = fields.Many2one(related="product_id.uom_id")
    pedimento_line_id = fields.Many2one(
        "l10n_mx_immex.pedimento.line", string="Balance", readonly=True, index="btree_not_null"
    )
    expiry_date = fields.Date(related="pedimento_line_id.expiry_date")
    state = fields.Selection(
        selection=[("open", "Open"), ("reviewed", "Reviewed")],
        default="open",
        required=True,
        readonly=True,
        index=True,
    )
    note = fields.Text(help="What compliance found and did about it.")
    reviewed_uid = fields.Many2one("res.users", string="Reviewed By", readonly=True)
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)

    def write(self, vals):
        # the record is the system's; compliance only adds its note and review
        if set(vals) - {"note", "state", "reviewed_uid"} and not self.env.su:
            raise AccessError(self.env._("Annex 24 findings are written by the system."))
        return super().write(vals)

    def action_mark_reviewed(self):
        if not self.env.user.has_group("l10n_mx_immex_annex24.group_immex_manager"):
            raise AccessError(self.env._("Only IMMEX administrators can review findings."))
        self.write({"state": "reviewed", "reviewed_uid": self.env.uid})
        return True
