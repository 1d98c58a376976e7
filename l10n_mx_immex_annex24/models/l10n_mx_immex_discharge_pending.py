# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models

from . import l10n_mx_immex_guard as guard
from .l10n_mx_immex_discharge import DISCHARGE_KINDS


class L10nMxImmexDischargePending(models.Model):
    """A quantity that left but that no valid balance could cover: an audit finding.

    Balances never go negative; the shortfall stays visible here with its reason and is
    settled automatically when a valid balance appears (e.g. a late entry registered).
    """

    _name = "l10n_mx_immex.discharge.pending"
    _description = "Annex 24 Pending Discharge"
    _order = "date, id"
    _check_company_auto = True

    product_id = fields.Many2one("product.product", required=True, readonly=True, index=True)
    # products in different units: no group totals
    quantity = fields.Float(digits="Product Unit", required=True, readonly=True, aggregator=None)
    qty_settled = fields.Float(
        string="Settled", digits="Product Unit", readonly=True, aggregator=None
    )
    qty_open = fields.Float(string="Open", digits="Product Unit", compute="_compute_qty_open")
    date = fields.Date(required=True, readonly=True, index=True)
    reason = fields.Selection(
        selection=[
            ("no_balance", "No temporary-import balance"),
            ("expired", "Only expired balances"),
        ],
        required=True,
        readonly=True,
    )
    kind = fields.Selection(selection=DISCHARGE_KINDS, required=True, readonly=True)
    state = fields.Selection(
        selection=[("pending", "Pending"), ("settled", "Settled"), ("cancelled", "Cancelled")],
        default="pending",
        required=True,
        readonly=True,
        index=True,
    )
    move_id = fields.Many2one("stock.move", readonly=True, index="btree_not_null")
    production_id = fields.Many2one("mrp.production", readonly=True)
    finished_product_id = fields.Many2one("product.product", string="Finished Good", readonly=True)
    exit_pedimento_id = fields.Many2one("l10n_mx_immex.pedimento", readonly=True)
    event_id = fields.Many2one("l10n_mx_immex.exit.event", string="Exit Event", readonly=True)
    discharge_ids = fields.One2many(
        "l10n_mx_immex.discharge", "pending_id", string="Settlements", readonly=True
    )
    company_id = fields.Many2one("res.company", required=True, readonly=True, index=True)

    @api.depends("quantity", "qty_settled")
    def _compute_qty_open(self):
        for pending in self:
            pending.qty_open = max(pending.quantity - pending.qty_settled, 0.0)

    def action_settle(self):
        """Try again now (e.g. after a correction); settlement is also automatic."""
        # it writes ledger rows: IMMEX managers of the pendings' companies, never an auditor
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        service = self.env["l10n_mx_immex.discharge.service"]
        for company, pendings in self.grouped("company_id").items():
            service.sudo()._settle_pending(company, pendings.product_id)
        return True
