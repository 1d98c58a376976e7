# Copyright 2026 IMMEX Annex 24 Team
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from odoo import api, fields, models
from odoo.exceptions import UserError

from ..immex.quantities import TOLERANCE
from . import l10n_mx_immex_guard as guard

EVENT_KINDS = [
    ("destruction", "Destruction"),
    ("donation", "Donation"),
    ("transfer", "Virtual transfer"),
    ("regime_change", "Change of regime"),
    ("return", "Return"),
    ("regularization", "Regularisation"),
]
# What an event declared: frozen once it is done (a re-run reads it again).
EVENT_LOCKED_FIELDS = {
    "name",
    "kind",
    "date",
    "pedimento_id",
    "reference",
    "from_waste",
    "line_ids",
    "company_id",
}


class L10nMxImmexExitEvent(models.Model):
    """A legal exit without a delivery: destruction of waste, regime change of stock..."""

    _name = "l10n_mx_immex.exit.event"
    _description = "Annex 24 Exit Event"
    _inherit = ["mail.thread"]
    _order = "date desc, id desc"
    _check_company_auto = True

    name = fields.Char(required=True, default="/", copy=False, readonly=True)
    kind = fields.Selection(selection=EVENT_KINDS, required=True, tracking=True)
    date = fields.Date(required=True, default=fields.Date.context_today, tracking=True)
    pedimento_id = fields.Many2one(
        "l10n_mx_immex.pedimento",
        check_company=True,
        help="Pedimento of the event (F4/F5 regime change, V1 transfer, A3 regularisation).",
    )
    reference = fields.Char(
        help="Destruction notice and record (acta), donation receipt or other evidence."
    )
    from_waste = fields.Boolean(
        string="Discharges Waste",
        default=True,
        help="The event disposes of pending waste (desperdicio) of these products.",
    )
    line_ids = fields.One2many("l10n_mx_immex.exit.event.line", "event_id", copy=True)
    discharge_ids = fields.One2many("l10n_mx_immex.discharge", "event_id", readonly=True)
    state = fields.Selection(
        selection=[("draft", "Draft"), ("done", "Done"), ("cancelled", "Cancelled")],
        default="draft",
        required=True,
        readonly=True,
        copy=False,
        tracking=True,
    )
    company_id = fields.Many2one(
        "res.company", required=True, default=lambda self: self.env.company, index=True
    )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # an event is born a draft: marking it done is the action that discharges
            if vals.get("state", "draft") != "draft":
                guard.refuse_protected(self.env, self._name, {"state"})
            if vals.get("name", "/") == "/":
                vals["name"] = (
                    self.env["ir.sequence"].next_by_code("l10n_mx_immex.exit.event") or "/"
                )
        return super().create(vals_list)

    def write(self, vals):
        guard.refuse_protected(self.env, self._name, {"state"}.intersection(vals))
        locked = EVENT_LOCKED_FIELDS.intersection(vals)
        if locked and not guard.in_server_write():
            self.filtered(lambda e: e.state != "draft")._l10n_mx_immex_refuse_locked()
        return super().write(vals)

    def _l10n_mx_immex_refuse_locked(self):
        if self:
            raise UserError(
                self.env._(
                    "Exit event %(name)s is no longer a draft: what it declared cannot be "
                    "changed. Cancel it and record a new one.",
                    name=self[0].name,
                )
            )

    @api.ondelete(at_uninstall=False)
    def _unlink_except_done(self):
        if any(event.state != "draft" for event in self):
            raise UserError(self.env._("Only draft exit events can be deleted."))

    def _l10n_mx_immex_check_caller(self):
        """IMMEX managers of the events' companies only: these actions write the ledger."""
        guard.check_group(self.env, guard.MANAGER)
        guard.check_companies(self.env, self.company_id)
        self.check_access("write")

    def action_load_waste(self):
        """Fill the lines with the pending waste of the company, per product."""
        self.ensure_one()
        self._l10n_mx_immex_check_caller()
        wastes = self.env["l10n_mx_immex.waste"].search(
            [("company_id", "=", self.company_id.id), ("state", "=", "pending")]
        )
        totals = {}
        for waste in wastes.filtered(lambda w: w.date <= self.date):
            # what is still open: neither taken by other events nor returned
            totals[waste.product_id] = totals.get(waste.product_id, 0.0) + waste.qty_open
        self.line_ids = [fields.Command.clear()] + [
            fields.Command.create({"product_id": product.id, "quantity": qty})
            for product, qty in totals.items()
            if qty >= TOLERANCE
        ]
        return True

    def action_done(self):
        self._l10n_mx_immex_check_caller()
        service = self.env["l10n_mx_immex.discharge.service"]
        for event in self:
            if event.state != "draft":
                raise UserError(self.env._("Only draft events can be confirmed."))
            if not event.line_ids:
                raise UserError(self.env._("Add the goods of the event first."))
            for line in event.line_ids:
                guard.check_quantity(
                    self.env,
                    line.quantity,
                    self.env._(
                        "Exit event %(name)s, %(product)s",
                        name=event.name,
                        product=line.product_id.display_name,
                    ),
                )
            if (event.kind == "regularization") != (event.pedimento_id.key_code == "A3"):
                # only an A3 pedimento regularises (takes expired balances), and it does
                # nothing else
                raise UserError(
                    self.env._(
                        "A regularisation of expired temporary imports needs its A3 "
                        "pedimento, and an A3 pedimento is only a regularisation (%(name)s).",
                        name=event.name,
                    )
                )
            if event.kind == "destruction" and not event.reference:
                raise UserError(
                    self.env._("A destruction needs its notice and record (reference).")
                )
            demands = event._l10n_mx_immex_demands()
            service.sudo()._discharge(
                demands,
                event.company_id,
                event.kind,
                exit_pedimento=event.pedimento_id or None,
                event=event,
            )
            if event.from_waste:
                event._consume_waste()
            with guard.server_write():
                event.state = "done"
        return True

    def _l10n_mx_immex_demands(self):
        """What the event takes out, as demands for the discharge service."""
        self.ensure_one()
        return [
            {
                "product_id": line.product_id.id,
                "qty": line.quantity,
                "move_id": False,
                "production_id": False,
                "finished_product_id": False,
                "line_id": False,
                "date": self.date,
                "kind": self.kind,
                "event_id": self.id,
                "exit_pedimento_id": self.pedimento_id.id or None,
            }
            for line in self.line_ids
        ]

    def action_cancel(self):
        self._l10n_mx_immex_check_caller()
        reversal = self.env["l10n_mx_immex.discharge.reversal"].sudo()
        for event in self.filtered(lambda e: e.state == "done"):
            # effective at the event's date (recorded now), as every correction
            reversal._reverse(event.discharge_ids)
            self.env["l10n_mx_immex.waste"].sudo()._release_event(event)
        with guard.server_write():
            self.state = "cancelled"
        return True

    def _consume_waste(self):
        """Take pending waste of the event's products, oldest first, recorded on or before
        the event's date; each take is recorded (``l10n_mx_immex.waste.take``)."""
        self.ensure_one()
        return self.env["l10n_mx_immex.waste"].sudo()._take_for_event(self)
