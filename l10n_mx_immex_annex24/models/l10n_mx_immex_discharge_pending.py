# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.tools import SQL

from ..immex.quantities import TOLERANCE
from . import l10n_mx_immex_guard as guard
from .l10n_mx_immex_discharge import DISCHARGE_KINDS

# pendings of lots whose own pedimento line could not take them (see the demand model)
LOT_REASONS = ("lot_not_cleared", "lot_expired")


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
    qty_cancelled = fields.Float(
        string="Cancelled",
        digits="Product Unit",
        readonly=True,
        aggregator=None,
        help="Part of the shortfall whose goods never left (returned before crossing): it "
        "shrinks first on a return; a settled part given back by a return counts here too, "
        "so a settled pending never comes back to life.",
    )
    qty_open = fields.Float(string="Open", digits="Product Unit", compute="_compute_qty_open")
    date = fields.Date(required=True, readonly=True, index=True)
    reason = fields.Selection(
        selection=[
            ("no_balance", "No temporary-import balance"),
            ("expired", "Only expired balances"),
            ("directed", "Declared import line without enough balance"),
            ("not_expired", "No expired balance to regularise (A3)"),
            ("lot_not_cleared", "Lot's pedimento not cleared by the exit date"),
            ("lot_expired", "Lot's pedimento expired at the exit date"),
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

    @api.depends("quantity", "qty_settled", "qty_cancelled")
    def _compute_qty_open(self):
        for pending in self:
            rest = pending.quantity - pending.qty_settled - pending.qty_cancelled
            pending.qty_open = rest if rest >= TOLERANCE else 0.0

    def action_settle(self):
        """Try again now (e.g. after a correction); settlement is also automatic."""
        # it writes ledger rows: IMMEX managers of the pendings' companies, never an auditor
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        for company, pendings in self.grouped("company_id").items():
            self.sudo()._settle_pending(company, pendings.product_id)
        return True

    # ------------------------------------------------------------------
    # Created, refreshed and settled by the discharge service
    # ------------------------------------------------------------------
    @api.model
    def _create_pendings(self, demands, pendings, company):
        vals_list = []
        for i, qty, reason in pendings:
            demand = demands[i]
            if demand.get("pending_id"):
                continue  # a settlement attempt that still falls short: it stays pending
            vals_list.append(
                {
                    "product_id": demand["product_id"],
                    "quantity": qty,
                    "date": demand["date"],
                    "reason": reason,
                    "kind": demand["kind"],
                    "move_id": demand["move_id"] or False,
                    "production_id": demand["production_id"] or False,
                    "finished_product_id": demand["finished_product_id"] or False,
                    "exit_pedimento_id": demand["exit_pedimento_id"] or False,
                    "event_id": demand["event_id"] or False,
                    "company_id": company.id,
                }
            )
        if vals_list:
            self.env["l10n_mx_immex.discharge.pending"].sudo().create(vals_list)

    @api.model
    def _refresh_pendings(self, pending_ids, cancelled=None):
        """Settled quantities from the ledger; ``cancelled`` ``{pending_id: qty}`` adds to
        what never left. Fully cancelled (nothing settled) is ``cancelled``, covered by
        settlements and cancellations ``settled``, otherwise ``pending``."""
        if cancelled:
            self.env.cr.execute(
                SQL(
                    """
                    UPDATE l10n_mx_immex_discharge_pending p
                       SET qty_cancelled = COALESCE(p.qty_cancelled, 0) + c.qty
                      FROM unnest(%s::int[], %s::float8[]) AS c(id, qty)
                     WHERE p.id = c.id
                    """,
                    list(cancelled),
                    [round(qty, 6) for qty in cancelled.values()],
                )
            )
            pending_ids = set(pending_ids) | set(cancelled)
        self.env.cr.execute(
            SQL(
                """
                UPDATE l10n_mx_immex_discharge_pending p
                   SET qty_settled = s.total,
                       state = CASE
                           WHEN p.quantity - COALESCE(p.qty_cancelled, 0) < %s AND s.total < %s
                           THEN 'cancelled'
                           WHEN p.quantity - COALESCE(p.qty_cancelled, 0) - s.total < %s
                           THEN 'settled' ELSE 'pending' END
                  FROM (SELECT p2.id, COALESCE(SUM(d.quantity), 0) AS total
                          FROM l10n_mx_immex_discharge_pending p2
                     LEFT JOIN l10n_mx_immex_discharge d ON d.pending_id = p2.id
                         WHERE p2.id = ANY(%s)
                      GROUP BY p2.id) s
                 WHERE p.id = s.id AND p.state != 'cancelled'
                """,
                TOLERANCE,
                TOLERANCE,
                TOLERANCE,
                sorted(pending_ids),
            )
        )
        self.env["l10n_mx_immex.discharge.pending"].invalidate_model(
            ["qty_settled", "qty_cancelled", "qty_open", "state"]
        )

    @api.model
    def _settle_pending(self, company, products):
        """Settle pending discharges of ``products`` against balances now available."""
        guard.check_companies(self.env, company)
        Pending = self.env["l10n_mx_immex.discharge.pending"].sudo()
        pendings = Pending.search(
            [
                ("company_id", "=", company.id),
                ("product_id", "in", products.ids),
                ("state", "=", "pending"),
                # a declared discharge or an A3 that fell short is corrected by its
                # pedimento (a rectification), and a lot's goods are those of its line:
                # FIFO never settles them elsewhere
                ("reason", "not in", ("directed", "not_expired", *LOT_REASONS)),
            ],
            order="date, id",
        )
        if not pendings:
            return 0
        demands = [
            {
                "product_id": p.product_id.id,
                "qty": p.qty_open,
                "move_id": p.move_id.id,
                "production_id": p.production_id.id,
                "finished_product_id": p.finished_product_id.id,
                "line_id": False,
                "date": p.date,
                "kind": p.kind,
                "pending_id": p.id,
                "exit_pedimento_id": p.exit_pedimento_id.id or None,
                "event_id": p.event_id.id or None,
            }
            for p in pendings
        ]
        count = self.env["l10n_mx_immex.discharge.service"]._discharge(demands, company, "export")
        pendings.invalidate_recordset()
        return count
